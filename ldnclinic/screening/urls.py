from django.urls import path

from ldnclinic.screening import views, views_rules

urlpatterns = [
    path("self-check/", views.self_check, name="self_check"),
    path("patients/<int:pk>/screening/", views.patient_screening, name="patient_screening"),
    path(
        "patients/<int:pk>/screening/run/",
        views.patient_screening_run,
        name="patient_screening_run",
    ),
    path(
        "patients/<int:pk>/screening/acknowledge/",
        views.patient_screening_acknowledge,
        name="patient_screening_acknowledge",
    ),
    path(
        "patients/<int:pk>/screening/override/",
        views.patient_screening_override,
        name="patient_screening_override",
    ),
    path("clinic/screening-rules/", views_rules.screening_rules, name="screening_rules"),
    path(
        "clinic/screening-rules/<str:rule_id>/",
        views_rules.screening_rules_edit,
        name="screening_rules_edit",
    ),
]
