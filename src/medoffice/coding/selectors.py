"""Reads of the code sets: which release is in force on a date, and is a code valid then."""

from datetime import date

from django.db.models import Q
from django.db.models.functions import Length

from medoffice.coding.errors import (
    CodeMalformedError,
    CodeNotBillableError,
    CodeUnknownError,
    NoReleaseError,
)
from medoffice.coding.loaders import (
    CPT_CODE_RE,
    HCPCS_CODE_RE,
    dotted,
    is_icd10_shaped,
    normalize_icd10,
)
from medoffice.coding.models import CodeSetRelease, CodeSystem, Icd10Code, ProcedureCode


def release_in_force(system: str, on: date) -> CodeSetRelease | None:
    """The release of `system` whose period holds `on` (the latest start if two claim it)."""
    return (
        CodeSetRelease.objects.filter(system=system, effective_from__lte=on)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))
        .order_by("-effective_from")
        .first()
    )


def release_list(system: str | None = None):
    releases = CodeSetRelease.objects.all()
    if system:
        releases = releases.filter(system=system)
    return releases.order_by("system", "effective_from")


def _require_release(system: str, on: date) -> CodeSetRelease:
    release = release_in_force(system, on)
    if release is None:
        label = CodeSystem(system).label
        raise NoReleaseError(f"No {label} release is loaded for {on.isoformat()}.")
    return release


def icd10_check(text: str, *, on: date, billable: bool = True) -> Icd10Code:
    """The ICD-10-CM code `text` ("E11.9" or "E119") as in force on the date of service.

    Raises CodeMalformedError, NoReleaseError, CodeUnknownError (saying when it was
    valid, if another release has it) or, with billable=True, CodeNotBillableError.
    """
    code = normalize_icd10(text)
    if not is_icd10_shaped(code):
        raise CodeMalformedError(
            f"{text.strip()[:20]!r} is not an ICD-10-CM code: a letter, a digit, then 1 to 5 "
            "letters or digits, e.g. E11.9."
        )
    release = _require_release(CodeSystem.ICD10CM, on)
    found = Icd10Code.objects.filter(release=release, code=code).first()
    if found is None:
        elsewhere = (
            Icd10Code.objects.filter(code=code, release__system=CodeSystem.ICD10CM)
            .exclude(release=release)
            .select_related("release")
            .order_by("-release__effective_from")
            .first()
        )
        where = f" (it is in ICD-10-CM {elsewhere.release.version})" if elsewhere else ""
        raise CodeUnknownError(
            f"{dotted(code)} is not in ICD-10-CM {release.version}, in force on "
            f"{on.isoformat()}{where}."
        )
    if billable and not found.billable:
        raise CodeNotBillableError(
            f"{found.dotted} is a category, not billable: choose a more specific code "
            f"({found.dotted}x)."
        )
    return found


def icd10_children(code: Icd10Code, limit: int = 50) -> list[Icd10Code]:
    """The billable codes under a category (what to choose instead of it), general first."""
    return list(
        Icd10Code.objects.filter(
            release_id=code.release_id, code__startswith=code.code, billable=True
        ).order_by(Length("code"), "code")[:limit]
    )


def procedure_check(text: str, *, on: date) -> ProcedureCode:
    """A HCPCS Level II (letter first) or CPT (digits) code as in force on `on`."""
    code = text.strip().upper()
    if HCPCS_CODE_RE.match(code):
        system = CodeSystem.HCPCS
    elif CPT_CODE_RE.match(code):
        system = CodeSystem.CPT
    else:
        raise CodeMalformedError(
            f"{text.strip()[:20]!r} is neither a CPT code (5 digits, or 4 digits and F/T/U) nor "
            "a HCPCS Level II code (a letter and 4 digits)."
        )
    release = _require_release(system, on)
    found = ProcedureCode.objects.filter(release=release, code=code).first()
    label = CodeSystem(system).label
    if found is None:
        raise CodeUnknownError(f"{code} is not in {label} {release.version}.")
    if found.effective_from and on < found.effective_from:
        raise CodeUnknownError(f"{code} takes effect on {found.effective_from.isoformat()}.")
    if found.terminated_on and on > found.terminated_on:
        raise CodeUnknownError(f"{code} was terminated on {found.terminated_on.isoformat()}.")
    return found
