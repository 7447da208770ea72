from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ldnclinic.audit"
    label = "audit"
    verbose_name = "Audit trail"
