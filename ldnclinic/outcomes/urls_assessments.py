from django.urls import path

from ldnclinic.outcomes import views_assessments as views

urlpatterns = [
    path("patients/<int:pk>/assessments/", views.patient_assessments, name="patient_assessments"),
    path(
        "patients/<int:pk>/assessments/new/<str:code>/",
        views.assessment_new,
        name="assessment_new",
    ),
    path(
        "patients/<int:pk>/assessments/new/<str:code>/preview/",
        views.assessment_preview,
        name="assessment_preview",
    ),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/in-error/", views.assessment_in_error, name="assessment_in_error"),
    path("portal/assessments/", views.portal_assessments, name="portal_assessments"),
    path(
        "portal/assessments/<int:pk>/",
        views.portal_assessment_fill,
        name="portal_assessment_fill",
    ),
    path("assess/<str:token>/", views.assessment_token_fill, name="assessment_token_fill"),
]
