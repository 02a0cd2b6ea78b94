"""Is this new registration someone we already know? Ranked candidates with reasons.

A candidate shares the date of birth (or the same date with day and month
swapped, a common typing slip) and has a similar name (nicknames, typos,
transpositions, first/last swapped), or shares a phone number and either a
similar name or the date of birth.
"""

from dataclasses import dataclass
from datetime import date

from medoffice.patients.models import Patient, PatientStatus
from medoffice.patients.names import name_similarity

NAME_MATCH = 0.85
_LIMIT = 200


@dataclass(frozen=True)
class DuplicateCandidate:
    patient: Patient
    score: float
    reasons: tuple[str, ...]


def _dob_variants(dob: date) -> list[date]:
    variants = [dob]
    if dob.day <= 12 and dob.day != dob.month:
        variants.append(dob.replace(month=dob.day, day=dob.month))
    return variants


def duplicate_candidates(
    *,
    practice_id: int,
    first_name: str,
    last_name: str,
    dob: date,
    phones: list[str],
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    base = Patient.objects.filter(practice_id=practice_id).exclude(status=PatientStatus.MERGED)
    if exclude_id is not None:
        base = base.exclude(id=exclude_id)
    phone_set = {p for p in phones if p}
    # One indexed query per column, not one OR (which SQLite answers by walking the practice).
    branches = [base.filter(dob__in=_dob_variants(dob))]
    if phone_set:
        branches += [
            base.filter(**{f"{column}__in": sorted(phone_set)})
            for column in ("mobile_phone", "home_phone", "work_phone")
        ]
    candidates: dict[int, Patient] = {}
    for branch in branches:
        for patient in branch[:_LIMIT]:
            candidates.setdefault(patient.id, patient)
    found = []
    for patient in candidates.values():
        similarity = name_similarity(first_name, last_name, patient.first_name, patient.last_name)
        same_dob = patient.dob == dob
        swapped_dob = not same_dob and patient.dob in _dob_variants(dob)
        same_phone = bool(phone_set & set(patient.phones))
        reasons = []
        if similarity >= NAME_MATCH:
            reasons.append("similar name" if similarity < 0.999 else "same name")
        if same_dob:
            reasons.append("same date of birth")
        if swapped_dob:
            reasons.append("date of birth with day and month swapped")
        if same_phone:
            reasons.append("same phone number")
        name_ok = similarity >= NAME_MATCH
        if (name_ok and (same_dob or swapped_dob)) or (same_phone and (name_ok or same_dob)):
            score = (
                similarity
                + (0.5 if same_dob else 0.3 if swapped_dob else 0)
                + (0.3 if same_phone else 0)
            )
            found.append(DuplicateCandidate(patient, round(score, 3), tuple(reasons)))
    found.sort(key=lambda c: -c.score)
    return found[:10]
