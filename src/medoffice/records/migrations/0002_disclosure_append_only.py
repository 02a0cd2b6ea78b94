"""The database refuses to change a disclosure row (PR-01): corrections are new rows.

Deletes are refused by the model (and every foreign key to a disclosure protects it);
a DELETE trigger would also block the test database's flush, so there is none.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER records_disclosure_no_update BEFORE UPDATE ON records_disclosure
       BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS records_disclosure_no_update"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION records_disclosure_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'disclosures are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER records_disclosure_no_update BEFORE UPDATE ON records_disclosure
       FOR EACH ROW EXECUTE FUNCTION records_disclosure_refuse_change()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS records_disclosure_no_update ON records_disclosure",
    "DROP FUNCTION IF EXISTS records_disclosure_refuse_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("records", "0001_documents_communications_release_referrals")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
