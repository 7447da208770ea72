from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "ldnclinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcome instruments"

    def ready(self):
        # Load and check the instrument data at start-up, not on the first request.
        from ldnclinic.outcomes.instruments import catalogue

        catalogue()
