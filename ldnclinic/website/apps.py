from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    name = "ldnclinic.website"
    label = "website"
    verbose_name = "Public site"
