from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ldnclinic.plans"
    label = "plans"
    verbose_name = "Treatment plans"
