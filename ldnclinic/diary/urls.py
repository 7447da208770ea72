from django.urls import path

from ldnclinic.diary import views, views_signals

urlpatterns = [
    path("portal/diary/", views.portal_diary, name="portal_diary"),
    path("portal/diary/<str:day>/", views.portal_diary_day, name="portal_diary_day"),
    path("patients/<int:pk>/diary/", views.patient_diary, name="patient_diary"),
    path("signals/", views_signals.signal_list, name="signal_list"),
    path("signals/<int:pk>/review/", views_signals.signal_review, name="signal_review"),
]
