from django.urls import path

from ldnclinic.intake import views

urlpatterns = [
    path("portal/intake/", views.portal_intake_start, name="portal_intake_start"),
    path("portal/intake/<int:pk>/", views.portal_intake, name="portal_intake"),
    path("patients/<int:pk>/intake/", views.patient_intake, name="patient_intake"),
    path("patients/<int:pk>/intake/edit/", views.patient_intake_edit, name="patient_intake_edit"),
]
