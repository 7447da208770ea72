from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "ldnclinic.evidence"
    label = "evidence"
    verbose_name = "Evidence library"

    def ready(self):
        # Load and check the seed library at start-up, not in the first migration or request.
        from ldnclinic.evidence.seed import seed_conditions

        seed_conditions()
