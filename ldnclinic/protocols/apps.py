from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "ldnclinic.protocols"
    label = "protocols"
    verbose_name = "Treatment protocols"
