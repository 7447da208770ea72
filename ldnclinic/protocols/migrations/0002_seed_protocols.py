from django.db import migrations

from ldnclinic.protocols.seed import seed_global_protocols


def seed(apps, schema_editor):
    seed_global_protocols(
        apps.get_model("protocols", "Protocol"),
        apps.get_model("protocols", "ProtocolVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("protocols", "0001_initial")]

    # Plans point at these versions: reversing leaves them in place.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
