"""A token that changes with the scheduling set-up, kept by triggers (see SetupVersion).

Triggers rather than signals: bulk_create, queryset.update() and raw SQL send no signals,
and another process's change must be seen too. The token is random, not a counter, so a
rolled-back change cannot leave behind a value a later change would repeat.
"""

from django.db import migrations, models

# The tables the cached set-up is read from (schedule_setup.py).
WATCHED = (
    "scheduling_templateblock",
    "scheduling_templateblock_appointment_types",
    "scheduling_appointmenttype_providers",
    "scheduling_holiday",
    "scheduling_scheduleexception",
    "scheduling_room",
    "scheduling_equipment",
)
EVENTS = ("INSERT", "UPDATE", "DELETE")

# An UPDATE, and an INSERT only when the row is missing, rather than INSERT OR REPLACE:
# SQLite runs a trigger's statements under the conflict policy of the statement that fired
# it, so inside the INSERT OR IGNORE of a many-to-many add() a REPLACE would be ignored.
SQLITE = [
    f"""CREATE TRIGGER setup_changed_{table}_{event.lower()} AFTER {event} ON {table}
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
POSTGRES = [
    """CREATE OR REPLACE FUNCTION scheduling_setup_changed() RETURNS trigger AS $$
       BEGIN
         INSERT INTO scheduling_setupversion (id, token) VALUES (1, gen_random_uuid()::text)
           ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE TRIGGER setup_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
            ON {table} FOR EACH STATEMENT EXECUTE FUNCTION scheduling_setup_changed()"""
        for table in WATCHED
    ),
]
POSTGRES_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS setup_changed ON {table}" for table in WATCHED),
    "DROP FUNCTION IF EXISTS scheduling_setup_changed()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_urgent_holds_place_of_service")]

    operations = [
        migrations.CreateModel(
            name="SetupVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=36)),
            ],
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
