"""The kept scheduling set-up also keeps the practice's row (every HL7 message names its
group NPI and public id), its appointment types, providers and locations (a booking
request finds them without a query): their changes move the set-up token too (see 0007)."""

from django.db import migrations

WATCHED = ("core_practice", "core_provider", "core_location", "scheduling_appointmenttype")
EVENTS = ("INSERT", "UPDATE", "DELETE")
# IF NOT EXISTS / OR REPLACE: safe to run where some of these triggers exist already (a
# development database that had an earlier form of this migration).

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS setup_changed_{table}_{event.lower()} AFTER {event} ON {table}
       BEGIN
         UPDATE scheduling_setupversion SET token = lower(hex(randomblob(16))) WHERE id = 1;
         INSERT INTO scheduling_setupversion (id, token)
           SELECT 1, lower(hex(randomblob(16)))
           WHERE NOT EXISTS (SELECT 1 FROM scheduling_setupversion WHERE id = 1);
       END"""
    for table in WATCHED
    for event in EVENTS
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS setup_changed_{table}_{event.lower()}"
    for table in WATCHED
    for event in EVENTS
]
# scheduling_setup_changed() is created by 0007.
POSTGRES = [
    f"""CREATE OR REPLACE TRIGGER setup_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
        ON {table} FOR EACH STATEMENT EXECUTE FUNCTION scheduling_setup_changed()"""
    for table in WATCHED
]
POSTGRES_REVERSE = [f"DROP TRIGGER IF EXISTS setup_changed ON {table}" for table in WATCHED]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0010_appointment_drop_covered_indexes")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
