from django.urls import path

from ldnclinic.screening import views

urlpatterns = [
    path("self-check/", views.self_check, name="self_check"),
]
