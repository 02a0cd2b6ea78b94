"""Loading the practice's NCCI tables (PTP edit pairs, MUE unit limits) from CMS files.

The file is parsed whole first (formats/ncci.py); a file with any bad row loads
nothing and the error names every bad line. A table of the same kind and
version is replaced in the same transaction, so the scrubber never sees half
of one.
"""

import hashlib
from datetime import date

from django.db import transaction
from django.utils import timezone

from medoffice.billing.errors import NcciFileError
from medoffice.billing.models import MueLimit, NcciKind, NcciTable, PtpEdit
from medoffice.formats.ncci import NcciParseError, parse_mue, parse_ptp

BATCH = 5000


def ncci_load(
    *, kind: str, data: bytes, version: str, effective_from: date, source: str = ""
) -> NcciTable:
    if kind not in NcciKind.values:
        raise NcciFileError([f"unknown kind {kind!r}: ptp or mue"])
    if not version.strip():
        raise NcciFileError(["name the version (e.g. 2026-Q1)"])
    try:
        rows = parse_ptp(data) if kind == NcciKind.PTP else parse_mue(data)
    except NcciParseError as exc:
        raise NcciFileError(exc.problems) from exc
    with transaction.atomic():
        NcciTable.objects.filter(kind=kind, version=version.strip()).delete()
        table = NcciTable.objects.create(
            kind=kind, version=version.strip(), effective_from=effective_from,
            source=source[:200], sha256=hashlib.sha256(data).hexdigest(), rows=len(rows),
            loaded_at=timezone.now(),
        )  # fmt: skip
        if kind == NcciKind.PTP:
            PtpEdit.objects.bulk_create(
                (
                    PtpEdit(
                        table=table,
                        column1=r.column1,
                        column2=r.column2,
                        effective_on=r.effective_on,
                        deleted_on=r.deleted_on,
                        modifier_indicator=r.modifier_indicator,
                        rationale=r.rationale,
                    )  # fmt: skip
                    for r in rows
                ),
                batch_size=BATCH,
            )
        else:
            MueLimit.objects.bulk_create(
                (
                    MueLimit(
                        table=table,
                        code=r.code,
                        max_units=r.max_units,
                        adjudication=r.adjudication,
                        rationale=r.rationale,
                    )  # fmt: skip
                    for r in rows
                ),
                batch_size=BATCH,
            )
    return table
