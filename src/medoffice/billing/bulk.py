"""Inserting many rows of one model at once, without making a model instance per row.

`bulk_create` builds an instance per row and compiles every value of every row through
the field machinery: for the tens of thousands of claims, lines and history rows of a
night's send that cost more than everything else together. `insert_rows` writes plain
dicts with one prepared INSERT and `executemany` in large batches: the columns not given
take the field's default (a callable default, like a public UUID, per row), and only the
columns whose values need converting for the database (dates and times, decimals, JSON,
UUIDs) go through the field's own conversion. No signals, no returned ids (read them back
by a unique column when needed). Used for the claims' own tables only.
"""

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connections, models, router

BATCH = 5000
# Values of these fields go to the driver as they are (ints, strings, booleans, None).
_PLAIN = (
    models.CharField, models.TextField, models.IntegerField, models.SmallIntegerField,
    models.BigIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField, models.BooleanField,
)  # fmt: skip


def _plain(field: models.Field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _plain(field.target_field) or isinstance(field.target_field, models.AutoField)
    return isinstance(field, _PLAIN) and not isinstance(field, models.AutoField)


def insert_rows(model: type[models.Model], rows: Iterable[dict], *, batch: int = BATCH) -> int:
    """Insert `rows` (dicts by field attname, e.g. `claim_id`) into `model`'s table; returns
    how many. Every row must give the same keys."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    given = set(first)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
    unknown = given - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no column(s) {', '.join(sorted(unknown))}")
    constants: dict[str, object] = {}
    per_row: dict[str, object] = {}
    for f in fields:
        if f.attname in given:
            continue
        if not f.has_default():
            value = f.get_default()  # "" for text, None for a nullable column
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
            constants[f.attname] = value
        elif callable(f.default):
            per_row[f.attname] = f.default
        else:
            constants[f.attname] = f.get_default()
    db = connections[router.db_for_write(model)]  # the wrapper itself, not the proxy
    ops = db.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
    prepare = [None if _plain(f) else f for f in fields]
    names = [f.attname for f in fields]
    constant_values = {
        name: (value if field is None else field.get_db_prep_save(value, db))
        for name, field, value in (
            (n, p, constants[n]) for n, p in zip(names, prepare, strict=True) if n in constants
        )
    }  # fmt: skip

    # Many rows share a value (the time of the run, a price, a date): converted once each.
    memos: list[dict] = [{} for _ in fields]

    def convert(field, memo: dict, value):
        try:
            return memo[value]
        except KeyError:
            memo[value] = converted = field.get_db_prep_save(value, db)
            return converted
        except TypeError:  # not hashable (JSON)
            return field.get_db_prep_save(value, db)

    plan = list(zip(names, prepare, memos, strict=True))

    def values(row: dict) -> tuple:
        out = []
        for name, field, memo in plan:
            if name in constant_values:
                out.append(constant_values[name])
                continue
            value = row[name] if name in row else per_row[name]()
            out.append(value if field is None or value is None else convert(field, memo, value))
        return tuple(out)

    count = 0
    source = _chain(first, iterator)
    with db.cursor() as cursor:
        while True:
            chunk = [values(row) for row in islice(source, batch)]
            if not chunk:
                break
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _chain(first, rest) -> Iterable:
    yield first
    yield from rest


def ids_by(model: type[models.Model], column: str, keys: Sequence, *, batch: int = 900) -> dict:
    """{value of a unique `column`: id} for the rows just inserted."""
    found = {}
    for start in range(0, len(keys), batch):
        chunk = keys[start : start + batch]
        found.update(model.objects.filter(**{f"{column}__in": chunk}).values_list(column, "id"))
    return found
