"""PostgreSQL row triggers do not fire on TRUNCATE: refuse emptying the audit trail too (AU-03).

SQLite has no TRUNCATE; its DELETE trigger (0002) already covers `DELETE FROM`.
"""

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
]
POSTGRES_REVERSE = ["DROP TRIGGER IF EXISTS audit_event_no_truncate ON core_auditevent"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE))]
