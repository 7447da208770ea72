from django.urls import path

from ldnclinic.prescriptions import views, views_patient

urlpatterns = [
    path(
        "plans/<int:plan_pk>/prescriptions/new/",
        views.prescription_draft,
        name="prescription_draft",
    ),
    path("prescriptions/<int:pk>/", views.prescription_detail, name="prescription_detail"),
    path("prescriptions/<int:pk>/sign/", views.prescription_sign, name="prescription_sign"),
    path("prescriptions/<int:pk>/void/", views.prescription_void, name="prescription_void"),
    path("prescriptions/<int:pk>/pdf/", views.prescription_pdf, name="prescription_pdf"),
    path("clinic/compounding/", views.compounding_settings, name="compounding_settings"),
    path("clinic/compounding/pharmacies/new/", views.pharmacy_create, name="pharmacy_create"),
    path("clinic/compounding/pharmacies/<int:pk>/", views.pharmacy_edit, name="pharmacy_edit"),
    path(
        "clinic/compounding/pharmacies/<int:pk>/active/",
        views.pharmacy_set_active,
        name="pharmacy_set_active",
    ),
    # The patient's plan pages and the printable handout.
    path("portal/plans/", views_patient.portal_plans, name="portal_plans"),
    path("portal/plans/<int:pk>/", views_patient.portal_plan, name="portal_plan"),
    path(
        "portal/plans/<int:pk>/side-effects/",
        views_patient.portal_side_effect_report,
        name="portal_side_effect_report",
    ),
    path(
        "portal/plans/<int:pk>/handout.pdf",
        views_patient.portal_plan_handout,
        name="portal_plan_handout",
    ),
    path("plans/<int:pk>/handout.pdf", views_patient.plan_handout, name="plan_handout"),
]
