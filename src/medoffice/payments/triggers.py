"""The database refuses to change or delete ledger entries and payments (BL-05).

Run by migration 0001; the test suite drops and re-creates the SQLite ones around
the flush of a transactional test (tests/conftest.py). Kept here, unchanged once
migrated: a change needs a new migration.
"""

TABLES = {"payments_ledgerentry": "ledger entries", "payments_payment": "payments"}
MESSAGE = "the ledger is append-only: post a reversal"

SQLITE = [
    f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}"
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION payments_refuse_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
] + [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
       FOR EACH ROW EXECUTE FUNCTION payments_refuse_change()"""
    for table in TABLES
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES
] + ["DROP FUNCTION IF EXISTS payments_refuse_change()"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply
