from django.db import migrations

from ldnclinic.consents.seed import seed_default_documents


def seed(apps, schema_editor):
    seed_default_documents(
        apps.get_model("consents", "ConsentDocument"),
        apps.get_model("consents", "ConsentVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial")]

    # Published versions are evidence: reversing leaves them in place.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
