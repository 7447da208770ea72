from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ldnclinic.patients"
    label = "patients"
    verbose_name = "Patients"
