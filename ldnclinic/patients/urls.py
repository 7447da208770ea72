from django.urls import path

from ldnclinic.patients import views

urlpatterns = [
    path("", views.patient_list, name="patient_list"),
    path("new/", views.patient_create, name="patient_create"),
    path("<int:pk>/", views.patient_detail, name="patient_detail"),
    path("<int:pk>/history/", views.patient_history, name="patient_history"),
    path("<int:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("<int:pk>/deactivate/", views.patient_deactivate, name="patient_deactivate"),
    path("<int:pk>/invite/", views.patient_invite, name="patient_invite"),
    path("<int:pk>/reactivate/", views.patient_reactivate, name="patient_reactivate"),
]
