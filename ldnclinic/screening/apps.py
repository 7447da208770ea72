from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "ldnclinic.screening"
    label = "screening"
    verbose_name = "Safety screening"
