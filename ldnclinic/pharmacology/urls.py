from django.urls import path

from ldnclinic.pharmacology import views

urlpatterns = [
    path("ldn/explainer/", views.dose_explainer, name="dose_explainer"),
]
