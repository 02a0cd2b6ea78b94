"""What the database holds, to compare before and after an attack: every table's rows.

`fingerprint(exclude=...)` reads every table of the project (raw SQL, ordered by its
primary key) into {table: digest of its rows}, so "nothing changed" is checked on the
content of every table, not only on row counts. `exclude` names the tables an operation
is documented to write even when it refuses (the record of a rejected file, the audit).
"""

import hashlib

from django.db import connection

AUDIT = ("core_auditevent", "core_auditchainhead")


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def fingerprint(*, exclude=()) -> dict[str, tuple[int, str]]:
    """{table: (row count, SHA-256 of its rows in primary-key order)}."""
    result = {}
    with connection.cursor() as cursor:
        for table in _tables():
            if table in exclude or table.startswith("sqlite_"):
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608 - table names
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


def changed(before: dict, after: dict) -> dict:
    """The tables whose content differs: {table: (rows before, rows after)}."""
    return {t: (before.get(t, (0,))[0], after.get(t, (0,))[0])
            for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)}  # fmt: skip


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]
