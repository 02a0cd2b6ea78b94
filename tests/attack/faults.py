"""Fault injection for WB-04: the database fails at the n-th statement of an operation.

`FailAt(n)` is a Django execute wrapper (`connection.execute_wrapper`, Django's documented
hook around every SQL statement a connection runs, savepoints included): statement n
raises OperationalError instead of reaching the database, as a dropped connection, a
full disk or a killed backend would. Nothing of our code is replaced; the operation
meets the error wherever it happens to be. `trials(op)` counts an operation's statements
in a rolled-back run, then fails it at each of them (or at an even sample when there are
more than `limit`), each trial in its own rolled-back savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, OperationalError, connection, transaction


class FailAt:
    def __init__(self, n: int):
        self.n = n
        self.seen = 0
        self.sql = ""

    def __call__(self, execute, sql, params, many, context):
        self.seen += 1
        if self.seen == self.n:
            self.sql = sql[:80]
            raise OperationalError(f"injected fault at statement {self.n}")
        return execute(sql, params, many, context)


class Count:
    def __init__(self):
        self.seen = 0

    def __call__(self, execute, sql, params, many, context):
        self.seen += 1
        return execute(sql, params, many, context)


def statements_of(op) -> int:
    """How many SQL statements `op()` runs (undone afterwards)."""
    counter = Count()
    with transaction.atomic():
        with connection.execute_wrapper(counter):
            op()
        transaction.set_rollback(True)
    return counter.seen


def points(total: int, limit: int) -> list[int]:
    """Every statement number when there are at most `limit`, else an even spread of
    `limit` of them from the first to the last."""
    if total <= limit:
        return list(range(1, total + 1))
    step = (total - 1) / (limit - 1)
    return sorted({1 + round(i * step) for i in range(limit)})


@dataclass
class Trial:
    at: int
    sql: str
    raised: BaseException | None
    result: object = None


def run_failing_at(n: int, op) -> Trial:
    """`op()` with statement `n` failing; what it raised (None if it coped)."""
    fault = FailAt(n)
    raised = result = None
    try:
        with connection.execute_wrapper(fault):
            result = op()
    except DatabaseError as exc:
        raised = exc
    return Trial(n, fault.sql, raised, result)
