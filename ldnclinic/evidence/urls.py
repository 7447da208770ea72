from django.urls import path

from ldnclinic.evidence import views

urlpatterns = [
    path("clinic/evidence/", views.evidence_list, name="evidence_list"),
    # Before <slug:slug>/, which would take "new" as a slug (validation refuses that slug).
    path("clinic/evidence/new/", views.evidence_condition_new, name="evidence_condition_new"),
    path(
        "clinic/evidence/studies/<int:pk>/", views.evidence_study_edit, name="evidence_study_edit"
    ),
    path(
        "clinic/evidence/studies/<int:pk>/retire/",
        views.evidence_study_retire,
        name="evidence_study_retire",
    ),
    path(
        "clinic/evidence/<slug:slug>/",
        views.evidence_condition_edit,
        name="evidence_condition_edit",
    ),
    path(
        "clinic/evidence/<slug:slug>/studies/new/",
        views.evidence_study_new,
        name="evidence_study_new",
    ),
    path("clinic/evidence/<slug:slug>/history/", views.evidence_history, name="evidence_history"),
]
