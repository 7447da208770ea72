from django.apps import AppConfig


class SeriesConfig(AppConfig):
    name = "ldnclinic.series"
    label = "series"
    verbose_name = "Therapy session series"
