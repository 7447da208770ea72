from django.urls import path

from ldnclinic.scheduling import views_settings as views

# Mounted at /clinic/scheduling/ (ldnclinic/urls.py).
urlpatterns = [
    path("", views.service_list, name="scheduling_services"),
    path("services/new/", views.service_edit, name="scheduling_service_create"),
    path("services/<int:pk>/", views.service_edit, name="scheduling_service_edit"),
    path("resources/", views.resource_list, name="scheduling_resources"),
    path("resources/new/", views.resource_edit, name="scheduling_resource_create"),
    path("resources/<int:pk>/", views.resource_edit, name="scheduling_resource_edit"),
    path("hours/", views.hours_list, name="scheduling_hours"),
    path("hours/<int:pk>/", views.hours_edit, name="scheduling_hours_edit"),
    path("hours/<int:pk>/time-off/", views.time_off, name="scheduling_time_off"),
    path("time-off/<int:pk>/remove/", views.time_off_remove, name="scheduling_time_off_remove"),
    path("closures/", views.closures, name="scheduling_closures"),
    path("closures/<int:pk>/remove/", views.closure_remove, name="scheduling_closure_remove"),
]
