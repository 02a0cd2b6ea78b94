"""Read queries of a fixed shape, compiled once: for the lookups every API request makes.

The ORM compiles a queryset's SQL afresh on every evaluation; for a lookup joined over a
few tables (a bearer token with its user and staff profile) that compilation costs
several times the query itself, on every request. `PreparedLookup(build)` compiles
`build(marker)` once per database (the marker stands where the request's value goes,
e.g. `ApiToken.objects.filter(digest=marker)`), and `first(value)` runs that SQL with
the value in the marker's place and makes the instance as the ORM's own iterator does
(its row converters, `from_db`, select_related objects populated). Only plain text
values: the marker must reach the SQL parameters unchanged (a text column).
"""

import threading
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_MARKER = "\x00medoffice-prepared-lookup\x00"


class _Plan:
    def __init__(self, queryset: QuerySet):
        compiler = queryset.query.get_compiler(using=connection.alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        slots = [n for n, value in enumerate(self.params) if value == _MARKER]
        if len(slots) != 1:
            raise ValueError("the lookup must take its value exactly once, as plain text")
        self.slot = slots[0]
        self.compiler = compiler
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, connection.alias)


class PreparedLookup:
    """One plan per thread (the compiler keeps the connection it compiled for, and each
    thread has its own)."""

    def __init__(self, build: Callable[[str], QuerySet]):
        self.build = build
        self._local = threading.local()

    def first(self, value: str):
        """The first row's instance for `value`, or None (LIMIT 1: for unique lookups)."""
        plan = getattr(self._local, "plan", None)
        if plan is None or plan.compiler.connection is not connections[DEFAULT_DB_ALIAS]:
            plan = self._local.plan = _Plan(self.build(_MARKER)[:1])
        params = list(plan.params)
        params[plan.slot] = value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        (row,) = plan.compiler.results_iter([[row]])
        instance = plan.model.from_db(connection.alias, plan.init_list, row[plan.start : plan.end])
        for populator in plan.populators:
            populator.populate(row, instance)
        return instance
