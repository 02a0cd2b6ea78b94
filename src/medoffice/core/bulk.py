"""Inserting many rows of one model at once, for the few writers that make thousands.

`bulk_create` builds an instance per row and compiles every value of every row through
the ORM's SQL compiler: for the tens of thousands of claims, lines and history rows of a
night's send, or the ledger entries of a large ERA, that costs more than the rest of the
work together. Here one plan per call (columns, defaults, conversions) serves every row:

- `insert_rows(model, rows)` writes plain dicts by attname (e.g. `claim_id`). A column a
  row leaves out takes the field's default (a callable default, like a public UUID, is
  called per row; "" for a text field); rows may leave out different columns.
- `insert(objs)` writes unsaved model instances (their defaults come from Model.__init__,
  their foreign keys' ids must be set); `insert(objs, returning=True)` sets each one's
  primary key, in insertion order, as `bulk_create` does.
- `ids_by(model, column, keys)` reads back the ids of rows just inserted by a unique column.
- `insert_row(instance)` is the one-row case for the hottest single writes (a booking's
  appointment, its outbox row): `objects.create()` compiles its INSERT afresh on every call,
  which was the largest part of a booking's own CPU time; here the statement is built once
  per model and database, values prepared as the ORM does (`pre_save`, `get_db_prep_save`:
  defaults, auto_now stamps, sealed fields, time zones). It sends no signals: only for
  models nothing listens to.

Only the values that need it go through the field's own conversion for the database
(dates and times, decimals, JSON, UUIDs on SQLite), each distinct value once per call.
How the rows travel: on SQLite one prepared INSERT run by `executemany` (sqlite3 loops in
C); on PostgreSQL one `COPY ... FROM STDIN` per call (one statement, rows streamed, no SQL
parsed per row), and multi-row `INSERT ... VALUES ... RETURNING` when ids are wanted.
No signals, no `save()`, no `full_clean()`: the caller has validated, inside its own
transaction. Database triggers and constraints still apply.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import cache
from itertools import chain, islice
from operator import itemgetter
from uuid import UUID

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models, router

BATCH = 5000
# SQLite: from this many rows in one call, rows go in through a staging table (_write_staged).
STAGED_FROM = 200
# Values of these fields go to the driver as they are (ints, strings, booleans, None).
_PLAIN = (
    models.CharField, models.TextField, models.IntegerField, models.SmallIntegerField,
    models.BigIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField, models.BooleanField,
)  # fmt: skip
_REQUIRED = object()


_UUID_POOL = 16 * 4096
_random = {"pool": b"", "at": _UUID_POOL}
# UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, the version, 74 random bits.
_RANDOM_74 = (0xFFF << 64) | ((1 << 62) - 1)
_VERSION_7 = (7 << 76) | (1 << 63)  # version 7, RFC 4122 variant


def _ordered_uuid_int() -> int:
    at = _random["at"]
    if at >= _UUID_POOL:
        _random["pool"], at = os.urandom(_UUID_POOL), 0
    _random["at"] = at + 16
    random_bits = int.from_bytes(_random["pool"][at : at + 16]) & _RANDOM_74
    return (time.time_ns() // 1_000_000) << 80 | random_bits | _VERSION_7


def new_uuid() -> UUID:
    """A new time-ordered UUID (version 7: the millisecond, then 74 random bits, as
    unguessable as a public id needs), made cheaply (random bytes from os.urandom 64 KiB at
    a time, no argument checks). Time-ordered because a random key lands on a random page
    of its index: once the ledger holds a million rows, each new entry's random public id
    and posting read and dirty a page the cache does not hold (an ERA of 10,000 claims
    inserts ~100,000 entries), while a time-ordered one lands on the index's last page."""
    made = object.__new__(UUID)
    object.__setattr__(made, "int", _ordered_uuid_int())
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made


class _StoredUuid(str):
    """A new UUID already in the form a database without a UUID type stores (32
    lowercase hex digits, as Django writes it on SQLite): no UUID object made, nothing to
    convert. Only `_Plan` makes them, for the defaults it fills in."""

    __slots__ = ()


def _new_stored_uuid() -> _StoredUuid:
    return _StoredUuid(f"{_ordered_uuid_int():032x}")


def _staging_table(cursor, db, table: str, names: tuple[str, ...]) -> str:
    """This connection's temporary staging table for `table` with these columns, made if
    missing (asked every time: a rolled-back transaction takes a new one away). Without
    column types: no affinity, the values kept as given."""
    digest = hashlib.sha1(repr((table, names)).encode(), usedforsecurity=False).hexdigest()[:10]
    name = db.ops.quote_name(f"bulk_staged_{table}_{digest}")
    columns = ", ".join(db.ops.quote_name(n) for n in names)
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
    return name


def _plain(field: models.Field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _plain(field.target_field) or isinstance(field.target_field, models.AutoField)
    return isinstance(field, _PLAIN) and not isinstance(field, models.AutoField)


class _Plan:
    """What one call writes: the columns, how each value is converted, each default."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = False):
        self.model = model
        self.db = connections[router.db_for_write(model)]  # the wrapper, not the proxy
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        ops = self.db.ops
        self.table = ops.quote_name(model._meta.db_table)
        self.columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        self.names = [f.attname for f in self.fields]
        self.to_convert = [
            (index, self._converter(f)) for index, f in enumerate(self.fields) if not _plain(f)
        ]
        # One plan per set of keys (`_shape`), kept for the plan's life: `Rows.template`
        # completes a dict per claim line of an ERA, all of the same few shapes.
        self._shapes: dict[tuple, tuple] = {}

    def _converter(self, field: models.Field) -> Callable:
        db = self.db
        if isinstance(field, models.UUIDField) and not isinstance(field, models.ForeignKey):
            if db.features.has_native_uuid_field:
                return lambda value: value  # psycopg adapts a UUID itself

            def as_text(value):
                if value.__class__ is _StoredUuid:
                    return value
                return value.hex if isinstance(value, UUID) else field.get_db_prep_save(value, db)

            return as_text
        # Many rows share a value (the time of the run, a price, a date): converted once.
        memo: dict = {}

        def convert(value):
            try:
                return memo[value]
            except KeyError:
                memo[value] = converted = field.get_db_prep_save(value, db)
                return converted
            except TypeError:  # not hashable (JSON)
                return field.get_db_prep_save(value, db)

        return convert

    def _default(self, field: models.Field):
        """What a row that leaves `field` out gets: a value, a callable (per row), or
        _REQUIRED."""
        if field.primary_key:
            return _REQUIRED
        if field.has_default():
            if field.default is uuid.uuid4:
                # A new unique id, made faster and time-ordered (`new_uuid`: a ledger row
                # needs two); as text where the database has no UUID type.
                return new_uuid if self.db.features.has_native_uuid_field else _new_stored_uuid
            return field.default if callable(field.default) else field.get_default()
        value = field.get_default()  # "" for text, None for a nullable column
        return _REQUIRED if value is None and not field.null else value

    def _shape(self, shape: tuple) -> tuple:
        """How to make a row from a dict with these keys: (constant defaults, callable
        defaults, getter of every column in order)."""
        model = self.model.__name__
        unknown = set(shape) - set(self.names)
        if unknown:
            raise ValueError(f"{model} has no column(s) {', '.join(sorted(unknown))}")
        constants, callables = {}, []
        for field, name in zip(self.fields, self.names, strict=True):
            if name in shape:
                continue
            default = self._default(field)
            if default is _REQUIRED:
                raise ValueError(f"{model}.{name} needs a value")
            if callable(default):
                callables.append((name, default))
            else:
                constants[name] = default
        return constants, callables, itemgetter(*self.names)

    def _converted(self, values: tuple) -> Sequence:
        if not self.to_convert:
            return values
        out = list(values)  # the drivers take a list as well as a tuple
        for index, convert in self.to_convert:
            value = out[index]
            if value is not None:
                out[index] = convert(value)
        return out

    def from_dicts(self, rows: Iterable[dict]) -> Iterator[Sequence]:
        converted = self._converted
        for values in self.completed(rows):
            yield converted(values)

    def completed(self, rows: Iterable[dict]) -> Iterator[tuple]:
        """Each row's values in column order, defaults filled in, not yet converted."""
        # Rows of one call mostly give the same keys: one plan per set of keys, then the
        # row is completed and read in C (dict merge, itemgetter); only the few columns
        # that need it are converted in Python.
        shapes = self._shapes
        for row in rows:
            shape = tuple(row)
            plan = shapes.get(shape)
            if plan is None:
                plan = shapes[shape] = self._shape(shape)
            constants, callables, getter = plan
            if constants or callables:
                row = {**constants, **row}
                for name, default in callables:
                    row[name] = default()
            values = getter(row)
            yield values if isinstance(values, tuple) else (values,)

    def from_objects(self, objs: Sequence[models.Model]) -> Iterator[Sequence]:
        getter = itemgetter(*self.names)
        for obj in objs:
            values = getter(obj.__dict__)
            yield self._converted(values if isinstance(values, tuple) else (values,))

    def write(self, rows: Iterator[Sequence]) -> int:
        """Write the rows; returns how many."""
        count = 0
        with self.db.cursor() as cursor:
            if self.db.vendor == "postgresql":
                sql = f"COPY {self.table} ({self.columns}) FROM STDIN"
                # psycopg's own cursor: its errors wrapped as Django's (an IntegrityError
                # is django.db.IntegrityError here as everywhere else).
                with self.db.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                return count
            marks = ", ".join(["%s"] * len(self.fields))
            sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
            while chunk := list(islice(rows, BATCH)):
                if len(chunk) < STAGED_FROM:
                    cursor.executemany(sql, chunk)
                else:
                    self._write_staged(cursor, chunk)
                count += len(chunk)
        return count

    def _write_staged_returning(self, rows: list[Sequence], pk: str) -> list:
        """SQLite, many rows: staged as `_write_staged` does (one statement per BATCH
        instead of one per ~100 rows), their new keys read back by RETURNING. The keys of
        an AUTOINCREMENT table grow with each row one statement inserts, in the staging
        table's order: sorted, they are the rows' keys in order (RETURNING itself promises
        no order)."""
        keys: list = []
        with self.db.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                keys.extend(
                    sorted(self._write_staged(cursor, rows[start : start + BATCH], returning=pk))
                )
        return keys

    def _write_staged(self, cursor, chunk: list, returning: str = "") -> list:
        """SQLite: the rows into a temporary table of this connection first, then into the
        table by one INSERT ... SELECT. `executemany` runs the INSERT once per row, and each
        run of a statement on a table with a trigger (the ledger's summaries) opens a
        statement journal that copies every page the row touches first: a ledger row cost
        ~35 µs that way and ~13 µs staged (the trigger, constraints, foreign keys and
        indexes apply to each row exactly as before; ids are given in the rows' order).
        The staging table has no column types, so every value reaches the table's own
        column affinity as it was given."""
        staging = _staging_table(cursor, self.db, self.model._meta.db_table, tuple(self.names))
        marks = ", ".join(["%s"] * len(self.fields))
        cursor.execute(f"DELETE FROM {staging}")  # noqa: S608 (our own temporary table)
        cursor.executemany(f"INSERT INTO {staging} VALUES ({marks})", chunk)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {self.table} ({self.columns}) "  # noqa: S608 (names from the model)
            f"SELECT {self.columns} FROM {staging} ORDER BY rowid"
            + (f" RETURNING {returning}" if returning else "")
        )
        keys = [key for (key,) in cursor.fetchall()] if returning else []
        cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
        return keys

    def write_returning(self, rows: list[Sequence]) -> list:
        """Write the rows; returns their new primary keys in order."""
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        pk = self.db.ops.quote_name(self.model._meta.pk.column)
        if self.db.vendor == "sqlite" and len(rows) >= STAGED_FROM:
            return self._write_staged_returning(rows, pk)
        size = max(1, (self.db.features.max_query_params or 10_000) // len(self.fields))
        keys: list = []
        with self.db.cursor() as cursor:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                values = ", ".join([one] * len(chunk))
                sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {values} RETURNING {pk}"  # noqa: S608
                cursor.execute(sql, [v for row in chunk for v in row])
                keys.extend(key for (key,) in cursor.fetchall())
        return keys


def insert_rows(model: type[models.Model], rows: Iterable[dict]) -> int:
    """Insert `rows` (dicts by field attname) into `model`'s table; returns how many.
    A primary key is written only when the first row gives one."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    plan = _Plan(model, with_pk=model._meta.pk.attname in first)
    return plan.write(plan.from_dicts(chain([first], iterator)))


class _Template(list):
    __slots__ = ("fresh",)


class Rows:
    """Rows of one model built in column order, for a writer that makes many rows from a
    few templates (the ERA posting: ~10 ledger entries per claim line that differ in a few
    columns): `template(values)` completes a dict once (defaults as `insert_rows` gives
    them), each row is a copy of it with some positions set (`index[name]`), and `write`
    converts and inserts them. No dict, merge or lookup per row.

    With `per_row` (the names of the only columns a row sets after `fresh`), a template is
    converted for the database once, when made, and `write` converts only those columns
    (and the per-row defaults) of each row, in place: the line's dates, times and posting
    are not converted again for each of its entries."""

    def __init__(self, model: type[models.Model], *, per_row: Sequence[str] | None = None):
        self.plan = _Plan(model)
        self.index = {name: at for at, name in enumerate(self.plan.names)}
        self._fresh: dict[tuple, list] = {}
        self._changing: set[int] | None = None
        if per_row is not None:
            unknown = set(per_row) - set(self.index)
            if unknown:
                raise ValueError(f"{model.__name__} has no column(s) {', '.join(sorted(unknown))}")
            self._changing = {self.index[name] for name in per_row}

    def template(self, values: dict) -> _Template:
        """The row `values` make, defaults filled in; each row made from it (`fresh`) gets
        its own per-row defaults (a new public id) for the columns `values` leave out."""
        shape = tuple(values)
        fresh = self._fresh.get(shape)
        if fresh is None:
            fresh = self._fresh[shape] = [
                (at, default)
                for at, field in enumerate(self.plan.fields)
                if field.attname not in values and callable(default := self.plan._default(field))
            ]
            if self._changing is not None:
                self._changing.update(at for at, _ in fresh)
        values = next(self.plan.completed([values]))
        if self._changing is not None:
            values = self.plan._converted(values)
        template = _Template(values)
        template.fresh = fresh
        return template

    def fresh(self, template: _Template) -> list:
        """A new row from `template`: a copy with its per-row defaults made again."""
        row = template.copy()
        for at, default in template.fresh:
            row[at] = default()
        return row

    def write(self, rows: Iterable[Sequence]) -> int:
        if self._changing is None:
            return self.plan.write(map(self.plan._converted, rows))
        steps = [(at, convert) for at, convert in self.plan.to_convert if at in self._changing]

        def converted(row: list) -> list:
            for at, convert in steps:
                value = row[at]
                if value is not None:
                    row[at] = convert(value)
            return row

        return self.plan.write(map(converted, rows))


def insert_rows_returning(model: type[models.Model], rows: Iterable[dict]) -> list:
    """`insert_rows` that returns the new primary keys, in the order of the rows (for
    children that must name their parent, without a model instance per row)."""
    rows = list(rows)
    if not rows:
        return []
    plan = _Plan(model)
    return plan.write_returning(list(plan.from_dicts(rows)))


def insert(objs: Iterable[models.Model], *, returning: bool = False) -> list:
    """Insert unsaved instances of one model; with `returning`, set their primary keys.
    Returns the instances."""
    objs = list(objs)
    if not objs:
        return objs
    plan = _Plan(type(objs[0]))
    if not returning:
        plan.write(plan.from_objects(objs))
        return objs
    keys = plan.write_returning(list(plan.from_objects(objs)))
    alias = plan.db.alias
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = alias
    return objs


def ids_by(model: type[models.Model], column: str, keys: Sequence, *, batch: int = 900) -> dict:
    """{value of a unique `column`: id} for the rows just inserted."""
    found = {}
    for start in range(0, len(keys), batch):
        chunk = keys[start : start + batch]
        found.update(model.objects.filter(**{f"{column}__in": chunk}).values_list(column, "id"))
    return found


@cache
def _single_insert(
    model: type[models.Model], vendor: str
) -> tuple[str, tuple[models.Field, ...], bool]:
    """(statement, fields, whether the database assigns the key) for one row of `model`."""
    meta = model._meta
    assigned = meta.pk.db_returning  # an auto-incremented key; else the row brings its own
    fields = tuple(f for f in meta.local_concrete_fields if not (assigned and f is meta.pk))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # A model's own table and column names, quoted: nothing from outside.
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    if assigned:
        sql += f" RETURNING {pk}"
    return sql, fields, assigned


# Fields whose database value is the Python value itself when it is of the field's own
# plain type (their get_db_prep_save only checks it and hands it back): exact classes, so
# that a subclass that transforms its value (an encrypted field, say) is always prepared by
# the ORM, as is any value of another type (a str for an integer, a Decimal, a date).
_INTEGERS = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
)
_STRINGS = (
    models.CharField,
    models.TextField,
    models.URLField,
    models.EmailField,
    models.SlugField,
)
_PLAIN_TYPES = (
    {cls: str for cls in _STRINGS} | {cls: int for cls in _INTEGERS} | {models.BooleanField: bool}
)
# Fields that store None as NULL without a word (their preparation hands None back).
_NULL_AS_IS = frozenset(
    {*_PLAIN_TYPES, models.DateTimeField, models.DateField, models.UUIDField,
     models.DecimalField}
)  # fmt: skip


@cache
def _plain_type(field: models.Field) -> type | None:
    """The value type `field` stores as it is, or None: always prepared by the ORM."""
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return _plain_type(field.target_field)
    return _PLAIN_TYPES.get(type(field))


@cache
def _null_as_is(field: models.Field) -> bool:
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return _null_as_is(field.target_field)
    return type(field) in _NULL_AS_IS


def _db_value(field: models.Field, instance: models.Model):
    value = field.pre_save(instance, True)
    if value is None:
        if _null_as_is(field):
            return None
    elif type(value) is (plain := _plain_type(field)) and (
        plain is not int or connection.vendor == "sqlite"
    ):  # PostgreSQL's backend wraps integers in psycopg's sized types: left to it
        return value
    elif type(value) is datetime and type(field) is models.DateTimeField and value.tzinfo:
        # What the backends' adapt_datetimefield_value makes of an aware time, without the
        # checks around it: PostgreSQL takes it as it is; SQLite stores the naive time in
        # the connection's zone (UTC) as text.
        if connection.vendor == "postgresql":
            return value
        if connection.vendor == "sqlite" and settings.USE_TZ:
            return str(value.astimezone(connection.timezone).replace(tzinfo=None))
    return field.get_db_prep_save(value, connection)


@cache
def _value_steps(model: type[models.Model], vendor: str) -> tuple[tuple, ...]:
    """`_db_value` worked out once per field of `model`: (field, attname, whether its
    pre_save does more than read the attribute (time stamps), the value type stored as it
    is or None, whether None is stored as it is, whether it is a plain DateTimeField).
    A booking inserts four rows of 10-27 columns: asking the field's type, its hash and
    the connection's vendor for every value was most of insert_row's own time."""
    _sql, fields, _assigned = _single_insert(model, vendor)
    steps = []
    for field in fields:
        plain = _plain_type(field)
        if plain is int and vendor != "sqlite":
            plain = None  # PostgreSQL's backend wraps integers in psycopg's sized types
        steps.append(
            (
                field,
                field.attname,
                type(field).pre_save is not models.Field.pre_save,
                plain,
                _null_as_is(field),
                type(field) is models.DateTimeField,
            )
        )
    return tuple(steps)


def _row_values(instance: models.Model, db) -> list:
    """The values of `instance`'s INSERT, each prepared as `_db_value` prepares it."""
    vendor = db.vendor
    values: list = []
    append = values.append
    for field, attname, stamped, plain, null_as_is, when in _value_steps(type(instance), vendor):
        value = field.pre_save(instance, True) if stamped else getattr(instance, attname)
        if value is None:
            if null_as_is:
                append(None)
                continue
        elif type(value) is plain:
            append(value)
            continue
        elif when and type(value) is datetime and value.tzinfo:
            if vendor == "postgresql":
                append(value)
                continue
            if vendor == "sqlite" and settings.USE_TZ:
                append(str(value.astimezone(db.timezone).replace(tzinfo=None)))
                continue
        append(field.get_db_prep_save(value, db))
    return values


def insert_row(instance: models.Model) -> models.Model:
    """INSERT `instance` as objects.create() would (its fields prepared by the ORM, no
    signals), the statement built once per model; sets the pk a database assigns. A model
    whose key is not auto-incremented (a UUID default, a key the caller sets) inserts it.
    Each value is prepared as `_db_value` prepares it, by steps worked out once per model
    (`_value_steps`; tests/core/test_bulk_row.py compares the two)."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: not asked through the proxy
    sql, _fields, assigned = _single_insert(type(instance), db.vendor)
    values = _row_values(instance, db)
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        if assigned:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = db.alias
    return instance


@contextmanager
def bigger_sqlite_cache(kib: int = 262_144):
    """Keep more of the growing tables and indexes in memory while a large batch goes in
    (SQLite; a no-op elsewhere). SQLite's default page cache is 2 MiB: a transaction that
    writes ~100,000 rows into a table with a dozen indexes spills dirty pages to the WAL
    and reads them back (an ERA of 10,000 claims: 0.6 s more CPU, 4 s more wall clock).
    Pages are allocated as used; the size is put back after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        # The batch is done (or already failed) here: a failure to put the size back leaves
        # only a larger cache on this connection, never a reason to report the batch failed.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache_size}")
