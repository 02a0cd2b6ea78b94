"""The only writers of the code sets: releases, codes, reference tables, favourites, usage.

A release and all its codes are written in one transaction: a refused or failed load
leaves the database as it was. Loading a newer release closes the one before it (its
`effective_until` becomes the day before the new one starts), so each date of
service falls in exactly one release per code set.
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import F

from medoffice.coding import loaders
from medoffice.coding.errors import ImportRefusedError, ReleaseExistsError
from medoffice.coding.loaders import Icd10Record, ParseResult, RowError
from medoffice.coding.models import (
    CodeSetRelease,
    CodeSystem,
    CodeUsage,
    FavoriteCode,
    Icd10Code,
    Modifier,
    PlaceOfServiceCode,
    ProcedureCode,
    TypeOfService,
)
from medoffice.coding.reference import MODIFIERS, PLACES_OF_SERVICE, TYPES_OF_SERVICE
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Practice, Provider

logger = logging.getLogger(__name__)
BATCH = 5000


@dataclass
class ImportOutcome:
    release: CodeSetRelease
    imported: int
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0


def _release_create(
    *,
    system: str,
    version: str,
    effective_from: date,
    effective_until: date | None,
    source: str,
    replace: bool,
) -> CodeSetRelease:
    """Create the release row (inside the caller's transaction) and fit its neighbours' dates."""
    existing = CodeSetRelease.objects.select_for_update().filter(system=system, version=version)
    if existing.exists():
        if not replace:
            label = CodeSystem(system).label
            raise ReleaseExistsError(
                f"{label} {version} is already loaded; give --replace to load it again."
            )
        existing.delete()
    if effective_until is not None and effective_until < effective_from:
        raise ImportRefusedError(
            f"The release ends ({effective_until}) before it starts ({effective_from})."
        )
    clash = CodeSetRelease.objects.filter(system=system, effective_from=effective_from).first()
    if clash is not None:
        raise ImportRefusedError(
            f"{clash} already starts on {effective_from.isoformat()}: give another "
            "--effective-from, or --replace with its version."
        )
    release = CodeSetRelease(
        system=system,
        version=version,
        effective_from=effective_from,
        effective_until=effective_until,
        source=source[:200],
    )
    release.full_clean()
    release.save()
    _fit_periods(system)
    return release


def _fit_periods(system: str) -> None:
    """Each release ends at the latest the day before the next one starts."""
    releases = list(CodeSetRelease.objects.filter(system=system).order_by("effective_from"))
    for older, newer in zip(releases, releases[1:], strict=False):
        last_day = newer.effective_from - timedelta(days=1)
        if older.effective_until is None or older.effective_until > last_day:
            older.effective_until = last_day
            older.save(update_fields=["effective_until"])


def _audit_load(release: CodeSetRelease, count: int) -> None:
    audit_record(
        action=AuditAction.CREATE,
        obj=release,
        category="configuration",
        detail=f"{release}: {count} codes from {release.effective_from.isoformat()}",
    )


def icd10_release_load(
    *,
    version: str | None = None,
    effective_from: date | None = None,
    effective_until: date | None = None,
    records: Iterable[Icd10Record] | None = None,
    source: str | None = None,
    replace: bool = False,
) -> ImportOutcome:
    """Load ICD-10-CM (by default the installed simple-icd-10-cm's year) as one release.

    Without `records` the package is read; version and start default to its fiscal
    year (FY2026: "2026", from 2025-10-01).
    """
    if records is None:
        edition = loaders.icd10cm_package_edition()
        version = version or edition.version
        effective_from = effective_from or edition.effective_from
        source = source or edition.source
        records = loaders.icd10cm_records()
    if not version or effective_from is None:
        raise ImportRefusedError("Give the release's version and its first day.")
    rows = list(records)
    if not rows:
        raise ImportRefusedError("No codes to load.")
    with transaction.atomic():
        release = _release_create(
            system=CodeSystem.ICD10CM,
            version=version,
            effective_from=effective_from,
            effective_until=effective_until,
            source=source or "",
            replace=replace,
        )
        _icd10_insert(release, rows)
        _audit_load(release, len(rows))
    logger.debug("Loaded %s: %d codes", release, len(rows))
    return ImportOutcome(release=release, imported=len(rows))


def _icd10_insert(release: CodeSetRelease, rows: list[Icd10Record]) -> None:
    """98,000 rows: plain executemany, about four times faster than bulk_create.

    The records come from our own parser (codes checked against ICD10_CODE_RE,
    descriptions cut to their column), so model validation adds nothing here.
    """
    table = connection.ops.quote_name(Icd10Code._meta.db_table)
    columns = (
        "release_id", "code", "description", "billable", "chapter", "block", "notes", "sex",
        "age_min", "age_max",
    )  # fmt: skip
    # Table and column names come from the model; the values are bound parameters.
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                sql,
                [
                    (
                        release.pk,
                        r.code,
                        r.description,
                        r.billable,
                        r.chapter,
                        r.block,
                        json.dumps(r.notes),
                        r.sex,
                        r.age_min,
                        r.age_max,
                    )  # fmt: skip
                    for r in rows[start : start + BATCH]
                ],
            )


def _default_start(version: str, effective_from: date | None) -> date:
    """CPT and HCPCS years are calendar years: "2026" starts 2026-01-01."""
    if effective_from is not None:
        return effective_from
    if version.isdigit() and len(version) == 4:
        return date(int(version), 1, 1)
    raise ImportRefusedError(
        f"Version {version!r} is not a year: give --effective-from (the release's first day)."
    )


def _procedures_import(
    *,
    system: str,
    parsed: ParseResult,
    version: str,
    effective_from: date | None,
    accept_good_rows: bool,
    replace: bool,
    source: str,
    placeholder: bool = False,
) -> ImportOutcome:
    label = CodeSystem(system).label
    if parsed.errors and not accept_good_rows:
        raise ImportRefusedError(
            f"{len(parsed.errors)} bad row(s); nothing was imported. Correct the file, or give "
            "--accept-good-rows to import the other rows.",
            parsed.errors,
        )
    if not parsed.records:
        raise ImportRefusedError(f"The file holds no {label} codes.", parsed.errors)
    start = _default_start(version, effective_from)
    with transaction.atomic():
        release = _release_create(
            system=system,
            version=version,
            effective_from=start,
            effective_until=None,
            source=source,
            replace=replace,
        )
        ProcedureCode.objects.bulk_create(
            (
                ProcedureCode(
                    release=release,
                    code=r.code,
                    description=r.description,
                    long_description=r.long_description,
                    effective_from=r.effective_from,
                    terminated_on=r.terminated_on,
                    placeholder=placeholder,
                )
                for r in parsed.records
            ),
            batch_size=BATCH,
        )
        _audit_load(release, len(parsed.records))
    return ImportOutcome(
        release=release,
        imported=len(parsed.records),
        errors=parsed.errors,
        skipped=parsed.skipped,
    )


def hcpcs_release_import(
    *,
    data: bytes | str,
    version: str,
    effective_from: date | None = None,
    accept_good_rows: bool = False,
    replace: bool = False,
    source: str = "",
) -> ImportOutcome:
    """CMS's annual HCPCS file (fixed-width or CSV). Bad rows refuse the file unless accepted."""
    return _procedures_import(
        system=CodeSystem.HCPCS,
        parsed=loaders.parse_hcpcs(data),
        version=version,
        effective_from=effective_from,
        accept_good_rows=accept_good_rows,
        replace=replace,
        source=source,
    )


def cpt_release_import(
    *,
    data: bytes | str,
    version: str,
    effective_from: date | None = None,
    accept_good_rows: bool = False,
    replace: bool = False,
    source: str = "",
    placeholder: bool = False,
) -> ImportOutcome:
    """The practice's licensed CPT file (CSV). Bad rows refuse the file unless accepted."""
    return _procedures_import(
        system=CodeSystem.CPT,
        parsed=loaders.parse_cpt_csv(data),
        version=version,
        effective_from=effective_from,
        accept_good_rows=accept_good_rows,
        replace=replace,
        source=source,
        placeholder=placeholder,
    )


@transaction.atomic
def reference_tables_load() -> dict[str, int]:
    """Modifiers, places and types of service from reference.py: add or update (idempotent)."""
    for code, description in MODIFIERS:
        Modifier.objects.update_or_create(
            code=code, defaults={"description": description, "is_active": True}
        )
    for code, name, description in PLACES_OF_SERVICE:
        PlaceOfServiceCode.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    for code, description in TYPES_OF_SERVICE:
        TypeOfService.objects.update_or_create(code=code, defaults={"description": description})
    return {
        "modifiers": len(MODIFIERS),
        "places of service": len(PLACES_OF_SERVICE),
        "types of service": len(TYPES_OF_SERVICE),
    }


def favorite_add(
    *,
    practice: Practice,
    system: str,
    code: str,
    provider: Provider | None = None,
    specialty: str = "",
) -> FavoriteCode:
    """A provider's (or, with `specialty` and no provider, a specialty's) favourite code."""
    if system == CodeSystem.ICD10CM:
        code = loaders.normalize_icd10(code)
    favorite, _ = FavoriteCode.objects.get_or_create(
        practice=practice,
        provider=provider,
        specialty="" if provider is not None else specialty,
        system=system,
        code=code.strip().upper(),
    )
    return favorite


def code_usage_record(*, practice: Practice | int, system: str, code: str, times: int = 1):
    """Count a billed code (billing calls this per charge line); search ranks by it."""
    practice_id = practice if isinstance(practice, int) else practice.pk
    if system == CodeSystem.ICD10CM:
        code = loaders.normalize_icd10(code)
    with transaction.atomic():
        usage, created = CodeUsage.objects.get_or_create(
            practice_id=practice_id, system=system, code=code, defaults={"count": times}
        )
        if not created:
            CodeUsage.objects.filter(pk=usage.pk).update(count=F("count") + times)
