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
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet, UUIDField
from django.db.models.query import get_related_populators

_MARKER = "\x00medoffice-prepared-lookup\x00"


class _Plan:
    def __init__(self, queryset: QuerySet, stand_ins: tuple = (_MARKER,)):
        """`stand_ins`: the values `queryset` was built with, as the database gets them;
        each must appear exactly once among the compiled parameters."""
        compiler = queryset.query.get_compiler(using=connection.alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = []
        for stand_in in stand_ins:
            slots = [n for n, value in enumerate(self.params) if value == stand_in]
            if len(slots) != 1:
                raise ValueError("the lookup must take each value exactly once")
            self.slots.append(slots[0])
        self.slot = self.slots[0]
        self.compiler = compiler
        # What results_iter works out on every call, worked out once: the row converters
        # (text to UUID, dates, booleans...) of the selected columns.
        self.converters = compiler.get_converters(
            [s[0] for s in compiler.select[0 : compiler.col_count]]
        )
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
        return _first(plan, params)


def _first(plan: _Plan, params: list):
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if plan.converters:
        (row,) = plan.compiler.apply_converters([row], plan.converters)
    instance = plan.model.from_db(connection.alias, plan.init_list, row[plan.start : plan.end])
    for populator in plan.populators:
        populator.populate(row, instance)
    return instance


class PreparedFieldLookup:
    """`model`'s row whose `fields` equal the values given (a unique combination, such as
    a practice and a public id), with only the `only` columns loaded: the SQL compiled
    once per thread and database, each value prepared for the database by its field (so
    keys and UUIDs, not only text). `first(*values)` answers the instance or None."""

    def __init__(self, model, fields: tuple[str, ...], only: tuple[str, ...] = ()):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in fields]
        self.names = fields
        self.only = only
        self._local = threading.local()

    def _stand_ins(self) -> tuple:
        """A value no row has, of each field's type (distinct, so each is found once)."""
        values = []
        for n, field in enumerate(self.fields):
            target = getattr(field, "target_field", field)
            if isinstance(target, UUIDField):
                values.append(UUID(int=0xC0FFEE00 + n))
            else:
                values.append(-987_654_300 - n)
        return tuple(values)

    def _prepared(self, value, field):
        return field.get_db_prep_value(value, connection, prepared=False)

    def first(self, *values):
        plan = getattr(self._local, "plan", None)
        if plan is None or plan.compiler.connection is not connections[DEFAULT_DB_ALIAS]:
            stand_ins = self._stand_ins()
            queryset = self.model._default_manager.filter(
                **dict(zip(self.names, stand_ins, strict=True))
            )
            if self.only:
                queryset = queryset.only(*self.only)
            plan = self._local.plan = _Plan(
                queryset[:1],
                tuple(self._prepared(v, f) for v, f in zip(stand_ins, self.fields, strict=True)),
            )
        params = list(plan.params)
        for slot, value, field in zip(plan.slots, values, self.fields, strict=True):
            params[slot] = self._prepared(value, field)
        return _first(plan, params)
