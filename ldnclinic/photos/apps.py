from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "ldnclinic.photos"
    label = "photos"
    verbose_name = "Clinical photos"
