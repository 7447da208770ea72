from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ldnclinic.intake"
    label = "intake"
    verbose_name = "Intake questionnaires"
