"""`medoffice keys rotate` (AC-08): re-seal every sealed value under the current key."""

from dataclasses import dataclass, field

from django.db import transaction

from medoffice.core.audit import audit_record
from medoffice.core.models import TOTP_SEAL_LABEL, AuditAction, SealedTOTPDevice
from medoffice.core.sealing import (
    current_key_id,
    is_sealed,
    key_id_of,
    seal,
    seal_bytes,
    sealed_fields,
    unseal,
    unseal_bytes,
)

CHUNK = 500


@dataclass
class RotationReport:
    key_id: str
    resealed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.resealed.values())


def _raw_rows(model, column: str):
    """(pk, stored text) without opening the values: the converters are skipped."""
    return model.objects.order_by("pk").values_list("pk", column).iterator(chunk_size=CHUNK)


def keys_rotate() -> RotationReport:
    """Re-seal every value not sealed under the current key (or not sealed at all).

    Each value is opened with whichever configured key sealed it; one transaction per
    field, so an interrupted rotation leaves every value readable and can be run again.
    """
    current = current_key_id()
    report = RotationReport(key_id=current)
    for model, fld in sealed_fields():
        label = fld.seal_label
        count = 0
        with transaction.atomic():
            rows = model.objects.order_by("pk").values_list("pk", flat=True)
            for pk in rows.iterator(chunk_size=CHUNK):
                stored = _stored(model, fld, pk)
                if not stored or key_id_of(stored) == current:
                    continue
                plain = unseal(stored, label=label) if is_sealed(stored) else stored
                update = {fld.attname: plain}
                if fld.index_field:
                    update[fld.index_field] = fld.index_function(plain)
                _write_sealed(model, fld, pk, seal(plain, label=label), update)
                count += 1
        report.resealed[label] = count
    count = 0
    with transaction.atomic():
        for device in SealedTOTPDevice.objects.order_by("pk").select_for_update(of=("self",)):
            if device.key and key_id_of(device.key) != current:
                secret = (
                    unseal_bytes(device.key, label=TOTP_SEAL_LABEL)
                    if is_sealed(device.key)
                    else bytes.fromhex(device.key)
                )
                device.key = seal_bytes(secret, label=TOTP_SEAL_LABEL)
                device.save(update_fields=["key"])
                count += 1
    report.resealed[TOTP_SEAL_LABEL] = count
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE,
        object_type="core.fieldkey",
        object_id=current,
        category="security",
        detail=f"field keys rotated to {current}: {report.total} values re-sealed",
    )
    return report


def _stored(model, fld, pk) -> str:
    """The stored text of one value, read past the field's converter."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(fld.column)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def _write_sealed(model, fld, pk, sealed: str, update: dict) -> None:
    """Write the new sealed text (and the index) straight to the row."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    sets = [f"{connection.ops.quote_name(fld.column)} = %s"]
    params = [sealed]
    if fld.index_field:
        index = model._meta.get_field(fld.index_field)
        sets.append(f"{connection.ops.quote_name(index.column)} = %s")
        params.append(update[fld.index_field])
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} WHERE {pk_column} = %s",  # noqa: S608
            [*params, pk],
        )


def stored_key_ids() -> dict[str, int]:
    """How many stored values each key id sealed ('' = stored in clear)."""
    from django.db import connection

    counts: dict[str, int] = {}
    for model, fld in sealed_fields():
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(fld.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
            for (stored,) in cursor.fetchall():
                counts[key_id_of(stored)] = counts.get(key_id_of(stored), 0) + 1
    for key in SealedTOTPDevice.objects.values_list("key", flat=True):
        counts[key_id_of(key)] = counts.get(key_id_of(key), 0) + 1
    return counts
