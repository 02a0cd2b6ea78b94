"""The ledger's two summaries (LedgerDay, LineBalance): kept, rebuilt and checked.

Kept: an AFTER INSERT trigger on the ledger adds each entry to its LedgerDay row and, for
an entry on a service line, to its LineBalance row (upsert), in the transaction that
writes the entry. The ledger is append-only (the database refuses UPDATE and DELETE), so
insertion is the only change there is, and every writer is covered: the ledger service
(payments/ledger.py: charges, payments, adjustments, transfers, write-offs, refunds,
recoupments, reversals), the ERA posting's bulk rows (payments/era.py, PostgreSQL COPY
included) and anything that inserts rows by hand.

Rebuilt: `rebuild(practice_id=None)` (`medoffice ledger rebuild-summaries`) replaces them
with the ledger's own sums. Checked: `problems(practice_id=None)` (part of `medoffice
ledger check`) compares every row with the ledger's sums and names what differs.

The grouping expressions are written once, here, for an entry `e` (`NEW` in the trigger)
and its line's charge `c`; amounts are summed as integer cents (exact on both databases).
"""

from __future__ import annotations

from django.db import connection

DAY_TABLE = "payments_ledgerday"
BALANCE_TABLE = "payments_linebalance"
DAY_KEY = ("practice_id", "effective_on", "location_id", "provider_id", "kind", "on_line")
BALANCE_KEY = (
    "practice_id", "patient_id", "party", "payer_id", "location_id", "provider_id",
    "date_of_service",
)  # fmt: skip
TRIGGER = "payments_ledgerentry_summaries"
FUNCTION = "payments_ledger_summaries"


def _day_values(e: str) -> list[str]:
    return [
        f"{e}.practice_id", f"{e}.effective_on", f"COALESCE({e}.location_id, 0)",
        f"COALESCE({e}.provider_id, 0)", f"{e}.kind", f"({e}.charge_id IS NOT NULL)",
    ]  # fmt: skip


def _balance_values(e: str) -> list[str]:
    return [
        f"{e}.practice_id", f"COALESCE({e}.patient_id, 0)", f"{e}.party",
        f"COALESCE({e}.payer_id, 0)", f"COALESCE({e}.location_id, 0)",
        f"COALESCE({e}.provider_id, 0)", "c.date_of_service",
    ]  # fmt: skip


def _cents(e: str) -> str:
    return f"CAST(ROUND({e}.amount * 100) AS BIGINT)"


def _columns(key) -> str:
    return ", ".join((*key, "amount_cents", "entries"))


def _upsert(table: str, key, qualify: bool) -> str:
    old = f"{table}." if qualify else ""
    return (
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        f"amount_cents = {old}amount_cents + excluded.amount_cents, "
        f"entries = {old}entries + excluded.entries"
    )


def _trigger_body(qualify: bool) -> str:
    day = (
        f"INSERT INTO {DAY_TABLE} ({_columns(DAY_KEY)}) "  # noqa: S608 - fixed names, placeholders only
        f"VALUES ({', '.join(_day_values('NEW'))}, {_cents('NEW')}, 1) "
        f"{_upsert(DAY_TABLE, DAY_KEY, qualify)};"
    )
    balance = (
        f"INSERT INTO {BALANCE_TABLE} ({_columns(BALANCE_KEY)}) "  # noqa: S608 - fixed names, placeholders only
        f"SELECT {', '.join(_balance_values('NEW'))}, {_cents('NEW')}, 1 "
        f"FROM billing_charge c WHERE c.id = NEW.charge_id "
        f"{_upsert(BALANCE_TABLE, BALANCE_KEY, qualify)};"
    )
    return day + "\n" + balance


SQLITE = [
    f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON payments_ledgerentry "
    f"BEGIN {_trigger_body(qualify=False)} END"
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {TRIGGER}"]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
       BEGIN {_trigger_body(qualify=True)} RETURN NULL; END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {TRIGGER} AFTER INSERT ON payments_ledgerentry
       FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()""",
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON payments_ledgerentry",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def _where(practice_id: int | None, alias: str = "") -> tuple[str, list]:
    if practice_id is None:
        return "", []
    return f" WHERE {alias}practice_id = %s", [practice_id]


def _day_sums(practice_id: int | None) -> tuple[str, list]:
    where, params = _where(practice_id, "e.")
    values = _day_values("e")
    return (
        f"SELECT {', '.join(values)}, SUM({_cents('e')}), COUNT(*) "  # noqa: S608 - fixed names, placeholders only
        f"FROM payments_ledgerentry e{where} GROUP BY {', '.join(values)}",
        params,
    )


def _balance_sums(practice_id: int | None) -> tuple[str, list]:
    where, params = _where(practice_id, "e.")
    values = _balance_values("e")
    return (
        f"SELECT {', '.join(values)}, SUM({_cents('e')}), COUNT(*) "  # noqa: S608 - fixed names, placeholders only
        f"FROM payments_ledgerentry e JOIN billing_charge c ON c.id = e.charge_id{where} "
        f"GROUP BY {', '.join(values)}",
        params,
    )


def rebuild(practice_id: int | None = None, *, using=None) -> tuple[int, int]:
    """Replace the summaries (of one practice, or all) with the ledger's sums; returns the
    number of LedgerDay and LineBalance rows written. Run it inside a transaction (the
    command does) so no posting lands between the delete and the insert."""
    conn = using or connection
    counts = []
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":  # no posting between the delete and the insert
            cursor.execute("LOCK TABLE payments_ledgerentry IN SHARE MODE")
        for table, key, sums in (
            (DAY_TABLE, DAY_KEY, _day_sums),
            (BALANCE_TABLE, BALANCE_KEY, _balance_sums),
        ):
            where, params = _where(practice_id)
            cursor.execute(f"DELETE FROM {table}{where}", params)  # noqa: S608 - fixed names, placeholders only
            select, params = sums(practice_id)
            cursor.execute(f"INSERT INTO {table} ({_columns(key)}) {select}", params)
            counts.append(cursor.rowcount)
    return counts[0], counts[1]


def _rows(cursor, sql: str, params: list) -> dict:
    cursor.execute(sql, params)
    out = {}
    for row in cursor.fetchall():
        *key, cents, entries = row
        # Compared as text: each database answers both queries with the same types.
        # (Django reads SQLite's declared bool column as True/False, the sum's as 1/0.)
        out[tuple(str(int(v)) if isinstance(v, bool) else str(v) for v in key)] = (
            int(cents),
            int(entries),
        )
    return out


def problems(practice_id: int | None = None) -> list[tuple[str, str]]:
    """(summary, what differs) for every summary row that is not the ledger's sum, is
    missing, or has no entries behind it."""
    found = []
    with connection.cursor() as cursor:
        for label, table, key, sums in (
            ("ledger day summary", DAY_TABLE, DAY_KEY, _day_sums),
            ("line balance summary", BALANCE_TABLE, BALANCE_KEY, _balance_sums),
        ):
            expected = _rows(cursor, *sums(practice_id))
            where, params = _where(practice_id)
            listed = f"SELECT {_columns(key)} FROM {table}{where}"  # noqa: S608 - fixed names
            stored = _rows(cursor, listed, params)
            for row_key in sorted(set(expected) | set(stored)):
                want, have = expected.get(row_key), stored.get(row_key)
                if want == have:
                    continue
                named = " ".join(f"{k}={v}" for k, v in zip(key, row_key, strict=True))
                if have is None:
                    found.append((label, f"{named}: missing (the ledger has {_say(want)})"))
                elif want is None:
                    found.append((label, f"{named}: {_say(have)} with no ledger entries"))
                else:
                    found.append((label, f"{named}: {_say(have)}, the ledger {_say(want)}"))
    return found


def _say(value: tuple[int, int]) -> str:
    cents, entries = value
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d} in {entries} entries"
