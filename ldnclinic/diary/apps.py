from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "ldnclinic.diary"
    label = "diary"
    verbose_name = "Patient diary"
