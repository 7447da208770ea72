from django.urls import path

from ldnclinic.outcomes import views_timeline

urlpatterns = [
    path("patients/<int:pk>/timeline/", views_timeline.patient_timeline, name="patient_timeline"),
    path("portal/progress/", views_timeline.portal_timeline, name="portal_timeline"),
]
