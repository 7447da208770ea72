from django.urls import path

from ldnclinic.plans import views

urlpatterns = [
    path("patients/<int:pk>/plans/", views.patient_plans, name="patient_plans"),
    path("patients/<int:pk>/plans/new/", views.plan_create, name="plan_create"),
    path(
        "patients/<int:pk>/plans/new/preview/",
        views.plan_preview_fragment,
        name="plan_preview_fragment",
    ),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/versions/<int:number>/", views.plan_version, name="plan_version"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/activate/", views.plan_activate, name="plan_activate"),
    path("plans/<int:pk>/complete/", views.plan_complete, name="plan_complete"),
    path("plans/<int:pk>/adjust/", views.plan_adjust, name="plan_adjust"),
    path(
        "plans/<int:pk>/side-effects/<int:report_pk>/review/",
        views.side_effect_review,
        name="side_effect_review",
    ),
    path("plans/<int:pk>/adjust/preview/", views.plan_adjust_preview, name="plan_adjust_preview"),
]
