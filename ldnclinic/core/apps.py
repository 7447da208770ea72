from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ldnclinic.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from ldnclinic.core import checks  # noqa: F401  (registers the system checks)
