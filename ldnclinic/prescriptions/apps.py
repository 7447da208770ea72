from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "ldnclinic.prescriptions"
    label = "prescriptions"
    verbose_name = "Compounding prescriptions"
