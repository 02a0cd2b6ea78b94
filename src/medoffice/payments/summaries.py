"""The ledger's summaries (LedgerDay, LineBalance, LinePayerDay): kept, rebuilt, checked.

Kept: an AFTER INSERT trigger on the ledger adds the new entries to their rows (upsert),
in the transaction that writes them. The ledger is append-only (the database refuses
UPDATE and DELETE), so insertion is the only change there is, and every writer is
covered: the ledger service (payments/ledger.py: charges, payments, adjustments,
transfers, write-offs, refunds, recoupments, reversals), the ERA posting's bulk rows
(payments/era.py, PostgreSQL COPY included) and anything that inserts rows by hand.

- PostgreSQL (migration 0005): one trigger FOR EACH STATEMENT reads the statement's new
  entries as a transition table and upserts their sums, grouped: a COPY of 100,000 ERA
  entries costs three grouped upserts instead of 300,000 single ones.
- SQLite has no statement triggers: one trigger FOR EACH ROW upserts the three rows of
  each entry, unless the connection's transaction has deferred it (`deferred()`, used by
  the ERA posting for a whole file): then the entries written meanwhile are summed and
  upserted once, grouped, at its end, with the same expressions, in the same transaction.
  A row in `payments_summarydeferral` is the switch (only the writing transaction sees
  it, and it is gone before that commits).

Rebuilt: `rebuild(practice_id=None)` (`medoffice ledger rebuild-summaries`) replaces them
with the ledger's own sums. Checked: `problems(practice_id=None)` (part of `medoffice
ledger check`) compares every row with the ledger's sums and names what differs.

Each summary is written once, here, as grouping expressions and summed values over an
entry `e` (`NEW` in the trigger) and, when it needs the line, its charge `c`; amounts are
integer cents (exact on both databases), ids plain integers (0: none).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class Summary:
    label: str
    table: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    by_line: bool  # joined to the line's charge `c` (only entries on a line)
    condition: str = ""  # which entries count, over `e` (written with {e})

    def key_sql(self, e: str) -> list[str]:
        return [expression.format(e=e) for expression in _KEYS[self.table]]

    def value_sql(self, e: str) -> list[str]:
        return [expression.format(e=e) for expression in _VALUES[self.table]]

    def source(
        self, e: str, entries: str = "payments_ledgerentry", hint: str = ""
    ) -> tuple[str, str]:
        """(FROM ..., WHERE ...) for entry alias `e` (NEW in a row trigger: no FROM of it)
        over the table (or transition table) `entries`, with an index `hint` for it."""
        tables = [] if e == "NEW" else [f"{entries} {e}{hint}"]
        conditions = [self.condition.format(e=e)] if self.condition else []
        if self.by_line:
            tables.append("billing_charge c")
            conditions.append(f"c.id = {e}.charge_id")
        where = " AND ".join(conditions) or "1 = 1"
        return (f" FROM {', '.join(tables)}" if tables else ""), where

    @property
    def columns(self) -> str:
        return ", ".join((*self.key, *self.values))


_CENTS = "CAST(ROUND({e}.amount * 100) AS BIGINT)"
_KEYS = {
    "payments_ledgerday": (
        "{e}.practice_id", "{e}.effective_on", "COALESCE({e}.location_id, 0)",
        "COALESCE({e}.provider_id, 0)", "{e}.kind", "({e}.charge_id IS NOT NULL)",
    ),
    "payments_linebalance": (
        "{e}.practice_id", "COALESCE({e}.patient_id, 0)", "{e}.party",
        "COALESCE({e}.payer_id, 0)", "COALESCE({e}.location_id, 0)",
        "COALESCE({e}.provider_id, 0)", "c.date_of_service",
    ),
    "payments_linepayerday": (
        "{e}.practice_id", "{e}.effective_on", "{e}.charge_id", "COALESCE({e}.payer_id, 0)",
        "COALESCE({e}.location_id, 0)", "COALESCE({e}.provider_id, 0)", "c.code",
    ),
}  # fmt: skip
# An adjudication: the payer's own payment, contractual adjustment or denial on the line,
# not a reversal (what the denial rate counts); a payment: any insurance payment entry.
_ADJUDICATION = (
    "({e}.party = 'insurance' AND {e}.reverses_id IS NULL "
    "AND {e}.kind IN ('ins_payment', 'contractual', 'denial'))"
)
_VALUES = {
    "payments_ledgerday": (_CENTS, "1"),
    "payments_linebalance": (_CENTS, "1"),
    "payments_linepayerday": (
        f"CASE WHEN {_ADJUDICATION} THEN 1 ELSE 0 END",
        f"CASE WHEN {_ADJUDICATION} AND {{e}}.kind = 'denial' THEN 1 ELSE 0 END",
        f"CASE WHEN {{e}}.kind = 'ins_payment' THEN {_CENTS} ELSE 0 END",
        "CASE WHEN {e}.kind = 'ins_payment' THEN 1 ELSE 0 END",
    ),
}  # fmt: skip

LEDGER_DAY = Summary(
    "ledger day summary", "payments_ledgerday",
    ("practice_id", "effective_on", "location_id", "provider_id", "kind", "on_line"),
    ("amount_cents", "entries"), by_line=False,
)  # fmt: skip
LINE_BALANCE = Summary(
    "line balance summary", "payments_linebalance",
    ("practice_id", "patient_id", "party", "payer_id", "location_id", "provider_id",
     "date_of_service"),
    ("amount_cents", "entries"), by_line=True,
)  # fmt: skip
LINE_PAYER_DAY = Summary(
    "line payer day summary", "payments_linepayerday",
    ("practice_id", "effective_on", "charge_id", "payer_id", "location_id", "provider_id",
     "code"),
    ("adjudications", "denials", "paid_cents", "paid_entries"), by_line=True,
    condition=f"({_ADJUDICATION} OR {{e}}.kind = 'ins_payment')",
)  # fmt: skip
SUMMARIES = (LEDGER_DAY, LINE_BALANCE, LINE_PAYER_DAY)


def _upsert(summary: Summary, qualify: bool) -> str:
    old = f"{summary.table}." if qualify else ""
    sets = ", ".join(f"{v} = {old}{v} + excluded.{v}" for v in summary.values)
    return f"ON CONFLICT ({', '.join(summary.key)}) DO UPDATE SET {sets}"


def _insert_new(summary: Summary, qualify: bool) -> str:
    tables, where = summary.source("NEW")
    return (
        f"INSERT INTO {summary.table} ({summary.columns}) "  # noqa: S608 - fixed names
        f"SELECT {', '.join(summary.key_sql('NEW') + summary.value_sql('NEW'))}{tables} "
        f"WHERE {where} {_upsert(summary, qualify)};"
    )


def _trigger_name(summary: Summary) -> str:
    return f"{summary.table}_keep"


def sqlite_trigger(*summaries: Summary) -> list[str]:
    return [
        f"CREATE TRIGGER {_trigger_name(s)} AFTER INSERT ON payments_ledgerentry "
        f"BEGIN {_insert_new(s, qualify=False)} END"
        for s in summaries
    ]


def sqlite_trigger_reverse(*summaries: Summary) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_trigger_name(s)}" for s in summaries]


def postgres_trigger(*summaries: Summary) -> list[str]:
    statements = []
    for s in summaries:
        statements += [
            f"""CREATE OR REPLACE FUNCTION {_trigger_name(s)}() RETURNS trigger AS $$
               BEGIN {_insert_new(s, qualify=True)} RETURN NULL; END; $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {_trigger_name(s)} AFTER INSERT ON payments_ledgerentry
               FOR EACH ROW EXECUTE FUNCTION {_trigger_name(s)}()""",
        ]
    return statements


def postgres_trigger_reverse(*summaries: Summary) -> list[str]:
    statements = []
    for s in summaries:
        statements += [
            f"DROP TRIGGER IF EXISTS {_trigger_name(s)} ON payments_ledgerentry",
            f"DROP FUNCTION IF EXISTS {_trigger_name(s)}()",
        ]
    return statements


# Migration 0005 replaces the per-summary row triggers of 0003 and 0004 with one trigger.
KEEP = "payments_ledger_summaries_keep"
DEFERRAL = "payments_summarydeferral"


def _insert_grouped(summary: Summary, entries: str, condition: str = "", hint: str = "") -> str:
    """Upsert the sums of the entries in `entries` (a table or transition table), grouped
    by the summary's key; `condition` (over `e`) narrows which entries."""
    select, _ = _sums(summary, None, entries=entries, condition=condition, hint=hint)
    return (
        f"INSERT INTO {summary.table} ({summary.columns}) {select} "  # noqa: S608 - fixed names
        f"{_upsert(summary, qualify=True)}"
    )


def sqlite_deferrable_trigger(*summaries: Summary) -> list[str]:
    body = " ".join(_insert_new(s, qualify=False) for s in summaries)
    return [
        f"CREATE TRIGGER {KEEP} AFTER INSERT ON payments_ledgerentry "  # noqa: S608 - fixed names
        f"WHEN NOT EXISTS (SELECT 1 FROM {DEFERRAL}) BEGIN {body} END"
    ]


def postgres_statement_trigger(*summaries: Summary) -> list[str]:
    body = " ".join(_insert_grouped(s, "new_entries") + ";" for s in summaries)
    return [
        f"""CREATE OR REPLACE FUNCTION {KEEP}() RETURNS trigger AS $$
           BEGIN {body} RETURN NULL; END; $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER {KEEP} AFTER INSERT ON payments_ledgerentry
           REFERENCING NEW TABLE AS new_entries
           FOR EACH STATEMENT EXECUTE FUNCTION {KEEP}()""",
    ]


KEEP_SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {KEEP}"]
KEEP_POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS {KEEP} ON payments_ledgerentry",
    f"DROP FUNCTION IF EXISTS {KEEP}()",
]


@contextmanager
def deferred(using=None):
    """Inside: the ledger entries this connection writes are added to the summaries once,
    grouped, at the end (SQLite; on PostgreSQL the statement trigger already does so per
    statement, and this is a plain savepoint). For a writer of many entries in one
    transaction (an ERA file: ~10 entries per claim payment, each of which the row trigger
    would upsert three times). The block runs in a savepoint: if it fails, its entries go
    with it and nothing is left deferred. Re-entrant."""
    conn = using or connection
    if conn.vendor != "sqlite" or getattr(conn, "_medoffice_summaries_deferred", False):
        with transaction.atomic(using=conn.alias):
            yield
        return
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            # The switch and the last id in one statement: it takes SQLite's write lock, so
            # no other connection adds entries between the id read here and ours.
            cursor.execute(
                f"INSERT INTO {DEFERRAL} (after_id) "  # noqa: S608 - fixed names
                "SELECT COALESCE(MAX(id), 0) FROM payments_ledgerentry"
            )
            cursor.execute(f"SELECT MAX(after_id) FROM {DEFERRAL}")  # noqa: S608
            after = cursor.fetchone()[0]
        conn._medoffice_summaries_deferred = True
        try:
            yield
        finally:
            conn._medoffice_summaries_deferred = False
        with conn.cursor() as cursor:
            cursor.execute(f"DELETE FROM {DEFERRAL}")  # noqa: S608 - fixed name
            for summary in SUMMARIES:
                # NOT INDEXED: the new entries by their id range (rowid), the lines' charges
                # by id. Left to itself SQLite read the whole ledger_day index (to group in
                # its order) or every charge with its entries through ledger_line: with the
                # ledger at a million rows that took longer than posting the file.
                cursor.execute(
                    _insert_grouped(
                        summary, "payments_ledgerentry", "{e}.id > %s", hint=" NOT INDEXED"
                    ),
                    [after],
                )


def _sums(
    summary: Summary,
    practice_id: int | None,
    *,
    entries: str = "payments_ledgerentry",
    condition: str = "",
    hint: str = "",
) -> tuple[str, list]:
    """The summary's rows computed from the ledger (or the entries in `entries`, narrowed
    by `condition` over `e`): SELECT key..., value sums..."""
    tables, where = summary.source("e", entries, hint)
    if condition:
        where += " AND " + condition.format(e="e")
    params = []
    if practice_id is not None:
        where += " AND e.practice_id = %s"
        params.append(practice_id)
    keys = summary.key_sql("e")
    sums = [f"SUM({value})" for value in summary.value_sql("e")]
    return (
        f"SELECT {', '.join(keys + sums)}{tables} "  # noqa: S608 - fixed names
        f"WHERE {where} GROUP BY {', '.join(keys)}",
        params,
    )


def _scope(practice_id: int | None) -> tuple[str, list]:
    if practice_id is None:
        return "", []
    return " WHERE practice_id = %s", [practice_id]


def rebuild(
    practice_id: int | None = None, *, using=None, only: tuple[Summary, ...] = SUMMARIES
) -> dict[str, int]:
    """Replace the summaries (of one practice, or all) with the ledger's sums; returns the
    rows written per table. Run it inside a transaction (the command does) so no posting
    lands between the delete and the insert."""
    conn = using or connection
    written = {}
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":  # no posting between the delete and the insert
            cursor.execute("LOCK TABLE payments_ledgerentry IN SHARE MODE")
        for summary in only:
            where, params = _scope(practice_id)
            cursor.execute(f"DELETE FROM {summary.table}{where}", params)  # noqa: S608 - fixed names
            select, params = _sums(summary, practice_id)
            cursor.execute(f"INSERT INTO {summary.table} ({summary.columns}) {select}", params)
            written[summary.table] = cursor.rowcount
    return written


def _rows(cursor, sql: str, params: list, width: int) -> dict:
    cursor.execute(sql, params)
    out = {}
    for row in cursor.fetchall():
        # Compared as text: each database answers both queries with the same types (but
        # Django reads SQLite's declared bool column as True/False, the sum's as 1/0).
        key = tuple(str(int(v)) if isinstance(v, bool) else str(v) for v in row[:width])
        out[key] = tuple(int(v) for v in row[width:])
    return out


def problems(practice_id: int | None = None) -> list[tuple[str, str]]:
    """(summary, what differs) for every summary row that is not the ledger's sum, is
    missing, or has no entries behind it."""
    found = []
    with connection.cursor() as cursor:
        for summary in SUMMARIES:
            width = len(summary.key)
            expected = _rows(cursor, *_sums(summary, practice_id), width)
            where, params = _scope(practice_id)
            listed = f"SELECT {summary.columns} FROM {summary.table}{where}"  # noqa: S608 - fixed names
            stored = _rows(cursor, listed, params, width)
            for row_key in sorted(set(expected) | set(stored)):
                want, have = expected.get(row_key), stored.get(row_key)
                if want == have:
                    continue
                named = " ".join(f"{k}={v}" for k, v in zip(summary.key, row_key, strict=True))
                if have is None:
                    what = f"missing (the ledger has {_say(summary, want)})"
                elif want is None:
                    what = f"{_say(summary, have)} with no ledger entries"
                else:
                    what = f"{_say(summary, have)}, the ledger {_say(summary, want)}"
                found.append((summary.label, f"{named}: {what}"))
    return found


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _say(summary: Summary, values: tuple[int, ...]) -> str:
    if summary.values == ("amount_cents", "entries"):
        return f"{_money(values[0])} in {values[1]} entries"
    return ", ".join(
        f"{name} {_money(v) if name.endswith('cents') else v}"
        for name, v in zip(summary.values, values, strict=True)
    )


# What the migrations install (payments 0003: the first two; 0004: the third).
SQLITE = sqlite_trigger(LEDGER_DAY, LINE_BALANCE)
SQLITE_REVERSE = sqlite_trigger_reverse(LEDGER_DAY, LINE_BALANCE)
POSTGRES = postgres_trigger(LEDGER_DAY, LINE_BALANCE)
POSTGRES_REVERSE = postgres_trigger_reverse(LEDGER_DAY, LINE_BALANCE)

# What migration 0005 installs in place of the above (one trigger for the three summaries).
KEEP_SQLITE = sqlite_deferrable_trigger(*SUMMARIES)
KEEP_POSTGRES = postgres_statement_trigger(*SUMMARIES)
