"""No double booking, enforced by PostgreSQL itself.

Two holding appointments (pending, booked, arrived, fulfilled) may not overlap, buffers
included, for one practitioner, nor for one unit of one resource. SQLite has no exclusion
constraints; there the booking action re-checks inside an IMMEDIATE transaction.
"""

from django.db import migrations

HOLDING = "('pending', 'booked', 'arrived', 'fulfilled')"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_practitioner_overlap
    EXCLUDE USING gist (
        practitioner_id WITH =,
        tstzrange(blocked_start, blocked_end, '[)') WITH &&
    ) WHERE (status IN {HOLDING});
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_resource_overlap
    EXCLUDE USING gist (
        resource_id WITH =,
        resource_unit WITH =,
        tstzrange(blocked_start, blocked_end, '[)') WITH &&
    ) WHERE (status IN {HOLDING} AND resource_id IS NOT NULL);
"""

DROP = """
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_resource_overlap;
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_practitioner_overlap;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
