"""The database itself refuses to change a charge: corrections are reversals (new rows)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER billing_charge_no_update BEFORE UPDATE ON billing_charge
       BEGIN SELECT RAISE(ABORT, 'charges are never changed: reverse them'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS billing_charge_no_update"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION billing_charge_refuse_update() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'charges are never changed: reverse them'; END; $$
       LANGUAGE plpgsql""",
    """CREATE TRIGGER billing_charge_no_update BEFORE UPDATE ON billing_charge
       FOR EACH ROW EXECUTE FUNCTION billing_charge_refuse_update()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS billing_charge_no_update ON billing_charge",
    "DROP FUNCTION IF EXISTS billing_charge_refuse_update()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_encounters")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
