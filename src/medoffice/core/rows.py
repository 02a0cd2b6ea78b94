"""One model row inserted by a statement built once per model, for the hottest writes.

`Model.objects.create()` compiles its INSERT afresh on every call: for the 27-column
appointment that was the largest part of a booking's own CPU time. `insert_row` writes
the same values (each field's `pre_save` and `get_db_prep_save`, as the ORM does: defaults,
auto_now stamps, sealed fields, time zones) with a statement made once per model and
database. It sends no pre_save/post_save signals: use it only for models nothing listens to.
"""

from functools import cache

from django.db import connection
from django.db.models import Field, Model


@cache
def _statement(model: type[Model], vendor: str) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.pk)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # A model's own table and column names, quoted: nothing from outside.
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {pk}"  # noqa: S608
    return sql, fields


def insert_row(instance: Model) -> Model:
    """INSERT `instance` (a new row with a database-assigned primary key) and set its pk."""
    sql, fields = _statement(type(instance), connection.vendor)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
