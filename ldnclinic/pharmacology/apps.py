from django.apps import AppConfig


class PharmacologyConfig(AppConfig):
    name = "ldnclinic.pharmacology"
    label = "pharmacology"
    verbose_name = "Dose explainer"

    def ready(self):
        # Load, check and fit the model data at start-up, not on the first request.
        from ldnclinic.pharmacology.model import load

        load()
