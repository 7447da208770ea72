from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _create_cache_table(sender, using, **kwargs):
    # The public booking rate limit counts in the database cache (settings.CACHES):
    # `migrate` creates its table too, so no deployment forgets `createcachetable`.
    call_command("createcachetable", database=using, verbosity=0)


class SchedulingConfig(AppConfig):
    name = "ldnclinic.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        post_migrate.connect(_create_cache_table, sender=self)
