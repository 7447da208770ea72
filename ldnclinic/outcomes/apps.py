from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ldnclinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcome instruments"
