from django.db import migrations

from ldnclinic.evidence.seed import seed_global_evidence


def seed(apps, schema_editor):
    seed_global_evidence(
        apps.get_model("evidence", "Condition"),
        apps.get_model("evidence", "Study"),
        apps.get_model("evidence", "HistoricalCondition"),
        apps.get_model("evidence", "HistoricalStudy"),
    )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_clinic_copies")]

    # Clinic copies point at the seeded rows: reversing leaves them in place.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
