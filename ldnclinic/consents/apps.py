from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "ldnclinic.consents"
    label = "consents"
    verbose_name = "Consents"
