from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ldnclinic.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
