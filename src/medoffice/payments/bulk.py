"""A lean bulk insert for the ERA posting's many rows (ledger entries, adjudications, ...).

`insert(objs)` writes unsaved model instances as `bulk_create` would (same columns, same
values as the ORM stores them), without building the ORM's SQL per batch: one prepared
INSERT run with `executemany`. `insert(objs, returning=True)` sets each object's primary
key (multi-row VALUES ... RETURNING, in insertion order, as `bulk_create` relies on).
Instances must have their defaults (set by Model.__init__) and their foreign keys' ids set;
no signals, no `save()`. Used inside the caller's transaction.
"""

from __future__ import annotations

from django.db import connection


def _adapter(field, vendor: str):
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda v: field.get_db_prep_save(v, connection)
    if vendor != "sqlite":
        return None  # psycopg adapts UUID, Decimal, dates and aware datetimes itself
    if kind == "UUIDField":
        return lambda v: None if v is None else v.hex
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    return None  # Decimal: the backend registers its own sqlite3 adapter


def _plan(model):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    vendor = connection.vendor
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return fields, [(f.attname, _adapter(f, vendor)) for f in fields], table, columns


def _rows(objs, getters) -> list[tuple]:
    rows = []
    for obj in objs:
        values = obj.__dict__
        rows.append(
            tuple(values[name] if adapt is None else adapt(values[name]) for name, adapt in getters)
        )
    return rows


def insert(objs, *, returning: bool = False) -> list:
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    fields, getters, table, columns = _plan(model)
    rows = _rows(objs, getters)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", rows)  # noqa: S608
            return objs
        pk = connection.ops.quote_name(model._meta.pk.column)
        limit = connection.features.max_query_params or 10_000
        size = max(1, limit // len(fields))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} "  # noqa: S608
            cursor.execute(sql + f"RETURNING {pk}", [v for row in chunk for v in row])
            for obj, (key,) in zip(objs[start : start + size], cursor.fetchall(), strict=True):
                obj.pk = key
                obj._state.adding = False
                obj._state.db = connection.alias
    return objs


def insert_rows(model, rows: list[dict], *, returning: bool = False) -> list:
    """Like `insert`, from plain dicts of attnames (e.g. "account_id") instead of instances:
    fields left out get their default (a callable default, like a UUID, per row). Returns
    the new primary keys when `returning`."""
    if not rows:
        return []
    fields, getters, table, columns = _plan(model)
    # The ORM's own default per field: a callable default per row, "" for a text field.
    defaults = [(f.attname, f._get_default) for f in fields]
    values = []
    for row in rows:
        for name, default in defaults:
            if name not in row:
                row[name] = default()
        values.append(
            tuple(row[name] if adapt is None else adapt(row[name]) for name, adapt in getters)
        )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    keys = []
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one}", values)  # noqa: S608
            return keys
        pk = connection.ops.quote_name(model._meta.pk.column)
        size = max(1, (connection.features.max_query_params or 10_000) // len(fields))
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} "  # noqa: S608
            cursor.execute(sql + f"RETURNING {pk}", [v for row in chunk for v in row])
            keys.extend(key for (key,) in cursor.fetchall())
    return keys
