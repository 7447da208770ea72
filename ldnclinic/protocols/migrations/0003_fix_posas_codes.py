"""The seeded scars protocol named "POSAS", which is not an instrument code: the library has
the observer and patient scales separately. Correct the global seed rows in place (the code
never resolved, so nothing was ever scored or sent under it)."""

from django.db import migrations

FIXED = [
    {"code": "POSAS_OBSERVER", "at_days": [0, 84]},
    {"code": "POSAS_PATIENT", "at_days": [0, 84]},
]


def fix(apps, schema_editor):
    ProtocolVersion = apps.get_model("protocols", "ProtocolVersion")
    for version in ProtocolVersion.objects.filter(protocol__clinic__isnull=True):
        instruments = version.data.get("instruments") or []
        codes = [item.get("code") for item in instruments]
        if "POSAS" not in codes:
            continue
        at_days = next(item.get("at_days") for item in instruments if item.get("code") == "POSAS")
        replaced = []
        for item in instruments:
            if item.get("code") == "POSAS":
                replaced += [{**f, "at_days": at_days} for f in FIXED]
            else:
                replaced.append(item)
        version.data = {**version.data, "instruments": replaced}
        version.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("protocols", "0002_seed_protocols")]

    operations = [migrations.RunPython(fix, migrations.RunPython.noop)]
