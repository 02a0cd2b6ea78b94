"""The database itself refuses to change or delete a stock movement: the ledger is
append-only, corrections are new movements (adjustments, put-backs)."""

from django.db import migrations

MESSAGE = "stock movements are never changed or deleted: add an adjustment"
SQLITE = [
    f"""CREATE TRIGGER inventory_move_no_update BEFORE UPDATE ON inventory_stockmovement
       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER inventory_move_no_delete BEFORE DELETE ON inventory_stockmovement
       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_move_no_update",
    "DROP TRIGGER IF EXISTS inventory_move_no_delete",
]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION inventory_move_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER inventory_move_append_only BEFORE UPDATE OR DELETE
       ON inventory_stockmovement FOR EACH ROW EXECUTE FUNCTION inventory_move_refuse()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_move_append_only ON inventory_stockmovement",
    "DROP FUNCTION IF EXISTS inventory_move_refuse()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
