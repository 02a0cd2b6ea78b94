"""Pure decisions about a superbill as typed: its shape before anything is saved.

`superbill_check` turns what the clinician or coder entered (codes in any
case, with or without the ICD-10-CM dot; pointers as diagnosis numbers, letters
or codes) into a clean `Superbill`, or raises a ValidationError naming every
problem with its code: malformed codes, units of zero, a pointer to a diagnosis
not on the visit, too many diagnoses, pointers or modifiers. Whether a code
exists in the code sets is the services' check; whether it is valid on the date
of service is the scrubber's.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from medoffice.billing.codes import MODIFIER_PATTERN, is_procedure_form
from medoffice.billing.models import LETTERS, MAX_DIAGNOSES, MAX_MODIFIERS, MAX_POINTERS
from medoffice.coding.loaders import dotted, is_icd10_shaped, normalize_icd10

MAX_UNITS = 999


@dataclass(frozen=True)
class LineInput:
    code: str
    units: int | str = 1
    modifiers: tuple[str, ...] = ()
    # Diagnosis numbers (1-12), letters (A-L) or ICD-10-CM codes; empty: the first four.
    pointers: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class CleanLine:
    number: int
    code: str
    units: int
    modifiers: tuple[str, ...]
    pointers: tuple[int, ...]


@dataclass(frozen=True)
class Superbill:
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM without dots, in claim order
    lines: tuple[CleanLine, ...] = field(default_factory=tuple)


def default_pointers(diagnosis_count: int) -> tuple[int, ...]:
    """A line treats the first diagnoses, in order, unless told otherwise."""
    return tuple(range(1, min(diagnosis_count, MAX_POINTERS) + 1))


def _units(value) -> int | None:
    try:
        units = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return units


def _pointer(value, diagnoses: tuple[str, ...]) -> tuple[int | None, str]:
    """(diagnosis number or None, how it was written)."""
    if isinstance(value, int):
        return value, str(value)
    text = str(value).strip().upper()
    if text.isdigit():
        return int(text), text
    if len(text) == 1 and text in LETTERS:
        return LETTERS.index(text) + 1, text
    code = normalize_icd10(text)
    if code in diagnoses:
        return diagnoses.index(code) + 1, dotted(code)
    return None, dotted(code) if is_icd10_shaped(code) else text


def superbill_check(diagnoses, lines) -> Superbill:
    """The superbill as it will be saved, or ValidationError({"diagnoses"|"lines": [...]})."""
    errors: dict[str, list[str]] = {"diagnoses": [], "lines": []}
    codes: list[str] = []
    for raw in diagnoses:
        code = normalize_icd10(str(raw))
        if not code:
            continue
        if not is_icd10_shaped(code):
            errors["diagnoses"].append(
                f"{str(raw).strip()!r} is not an ICD-10-CM code (e.g. E11.9)."
            )
        elif code in codes:
            errors["diagnoses"].append(f"{dotted(code)} is listed twice.")
        else:
            codes.append(code)
    if len(codes) > MAX_DIAGNOSES:
        errors["diagnoses"].append(
            f"A claim holds at most {MAX_DIAGNOSES} diagnoses; {len(codes)} were given."
        )
    known = tuple(codes)
    clean: list[CleanLine] = []
    for number, line in enumerate(lines, start=1):
        code = str(line.code).strip().upper()
        name = f"Line {number} ({code or 'no code'})"
        if not is_procedure_form(code):
            errors["lines"].append(
                f"{name}: {code!r} is not a CPT or HCPCS code (five characters, e.g. 99213)."
            )
        units = _units(line.units)
        if units is None:
            errors["lines"].append(f"{name}: units must be a whole number.")
        elif units < 1:
            errors["lines"].append(f"{name}: units must be 1 or more (not {units}).")
        elif units > MAX_UNITS:
            errors["lines"].append(f"{name}: {units} units is more than {MAX_UNITS}.")
        modifiers = tuple(str(m).strip().upper() for m in line.modifiers if str(m).strip())
        bad = [m for m in modifiers if not MODIFIER_PATTERN.match(m)]
        if bad:
            errors["lines"].append(
                f"{name}: modifier {', '.join(bad)} is not two letters or digits."
            )
        if len(modifiers) > MAX_MODIFIERS:
            errors["lines"].append(f"{name}: at most {MAX_MODIFIERS} modifiers.")
        if len(set(modifiers)) != len(modifiers):
            errors["lines"].append(f"{name}: a modifier is listed twice.")
        pointers: list[int] = []
        for raw in line.pointers:
            if str(raw).strip() == "":
                continue
            number_, written = _pointer(raw, known)
            if number_ is None or not 1 <= number_ <= len(known):
                errors["lines"].append(
                    f"{name} points to diagnosis {written}, which is not on the visit "
                    f"(it has {len(known)} diagnos{'is' if len(known) == 1 else 'es'})."
                )
            elif number_ in pointers:
                errors["lines"].append(f"{name} points to diagnosis {written} twice.")
            else:
                pointers.append(number_)
        if len(pointers) > MAX_POINTERS:
            errors["lines"].append(f"{name}: at most {MAX_POINTERS} diagnosis pointers.")
        if not pointers:
            pointers = list(default_pointers(len(known)))
        clean.append(CleanLine(number, code, units or 0, modifiers, tuple(pointers)))
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)
    return Superbill(diagnoses=known, lines=tuple(clean))
