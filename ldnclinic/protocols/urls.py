from django.urls import path

from ldnclinic.protocols import views

urlpatterns = [
    path("clinic/protocols/", views.protocol_list, name="protocol_list"),
    path("clinic/protocols/new/", views.protocol_create, name="protocol_create"),
    path("clinic/protocols/<slug:code>/", views.protocol_detail, name="protocol_detail"),
    path(
        "clinic/protocols/<slug:code>/versions/<int:number>/",
        views.protocol_version,
        name="protocol_version",
    ),
    path("clinic/protocols/<slug:code>/edit/", views.protocol_edit, name="protocol_edit"),
    path("clinic/protocols/<slug:code>/archive/", views.protocol_archive, name="protocol_archive"),
]
