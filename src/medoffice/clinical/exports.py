"""The clinical record in the release packet and the FHIR transfer bundle.

Registered from ClinicalConfig.ready() through records' hooks
(`records.packet.register_section`, `records.fhir_export.register_contributor`), so the
release form offers these parts of the chart and the transfer carries them.

Scope (packet): dated entries inside the request's dates of service (problems and medications
whose period overlaps them, immunizations, vitals and results by
the day taken, notes by visit date); allergies always go (a recipient treating the patient
needs them). Only signed notes leave the practice, with their addenda. Behavioural-health
and substance-use notes are a section of their own that is released only when asked for
by name (42 CFR Part 2 wants a specific consent); the FHIR bundle never carries them.
"""

from datetime import date

from medoffice.clinical.models import (
    Addendum,
    Allergy,
    Immunization,
    Medication,
    Note,
    Problem,
    Result,
    Sensitivity,
    Vital,
)
from medoffice.clinical.states import NoteStatus
from medoffice.core.clock import today_at
from medoffice.formats.fhir import clinical as fhir
from medoffice.formats.pdf.records import Section

# A table row taller than a page cannot be laid out: long note text goes in pieces.
CHUNK = 1200
SIGNED = (NoteStatus.SIGNED, NoteStatus.AMENDED)


def _day(instant, zone) -> date:
    return instant.astimezone(zone).date()


def _pieces(text: str, size: int = CHUNK) -> list[str]:
    """Text cut at line or word ends into pieces of at most about `size` characters."""
    text = text.strip()
    out: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        if cut < size // 2:
            cut = text.rfind(" ", 0, size)
        if cut < size // 2:
            cut = size
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        out.append(text)
    return out


def _when(day: date | None) -> str:
    return f"{day:%m/%d/%Y}" if day else ""


# ---------------------------------------------------------------- packet sections


def _overlaps(scope, start: date, end: date | None) -> bool:
    """A period [start, end or open] meets the scope's dates."""
    begins_in_time = scope.date_to is None or start <= scope.date_to
    not_over = scope.date_from is None or end is None or end >= scope.date_from
    return begins_in_time and not_over


def problems_section(patient, scope) -> list[Section]:
    zone = patient.zone
    rows = tuple(
        (p.shown_code, p.description, p.get_status_display(), _when(p.onset), _when(p.resolved_on))
        for p in Problem.objects.filter(patient=patient).order_by("status", "-recorded_at")
        if _overlaps(scope, p.onset or _day(p.recorded_at, zone), p.resolved_on)
    )
    return [
        Section(
            title="Problem list",
            header=("Code", "Problem", "Status", "Onset", "Resolved"),
            rows=rows,
            empty_note="No problems recorded in the requested period.",
        )
    ]


def medications_section(patient, scope) -> list[Section]:
    rows = tuple(
        (
            m.name, m.dose, m.get_route_display(), m.frequency, _when(m.start_date),
            _when(m.stop_date), str(m.prescriber) if m.prescriber else m.prescriber_name,
        )
        for m in Medication.objects.filter(patient=patient)
        .select_related("prescriber").order_by("-start_date", "name")
        if _overlaps(scope, m.start_date, m.stop_date)
    )  # fmt: skip
    allergies = tuple(
        (a.substance, a.reaction, a.get_severity_display(), "yes" if a.verified else "no")
        for a in Allergy.objects.filter(patient=patient).order_by("substance")
    )
    return [
        Section(
            title="Medications",
            header=("Medication", "Dose", "Route", "Frequency", "Started", "Stopped", "Prescriber"),
            rows=rows,
            empty_note="No medications recorded in the requested period.",
        ),
        Section(
            title="Allergies",
            header=("Substance", "Reaction", "Severity", "Verified"),
            rows=allergies,
            empty_note="No known allergies recorded.",
        ),
    ]


def immunizations_section(patient, scope) -> list[Section]:
    rows = tuple(
        (_when(i.given_on), i.vaccine, i.cvx, i.lot, i.site)
        for i in Immunization.objects.filter(patient=patient).order_by("-given_on")
        if scope.covers(i.given_on)
    )
    return [
        Section(
            title="Immunizations",
            header=("Given", "Vaccine", "CVX", "Lot", "Site"),
            rows=rows,
            empty_note="No immunizations recorded in the requested period.",
        )
    ]


def results_section(patient, scope) -> list[Section]:
    zone = patient.zone
    vitals = tuple(
        (v.taken_at.astimezone(zone).strftime("%m/%d/%Y %I:%M %p"), v.name, f"{v.value} {v.unit}")
        for v in Vital.objects.filter(patient=patient).order_by("-taken_at")
        if scope.covers(_day(v.taken_at, zone))
    )
    results = tuple(
        (
            _when(_day(r.resulted_at, zone)),
            r.name + (f" (LOINC {r.loinc})" if r.loinc else ""),
            f"{r.value} {r.unit}".strip() + (f"\n{r.report}" if r.report else ""),
            r.reference_range,
            r.get_flag_display(),
            str(r.ordering_provider) if r.ordering_provider else "",
            _when(_day(r.reviewed_at, zone)) if r.reviewed_at else "not yet reviewed",
        )
        for r in Result.objects.filter(patient=patient)
        .select_related("ordering_provider").order_by("-resulted_at", "-id")
        if scope.covers(_day(r.resulted_at, zone))
    )  # fmt: skip
    return [
        Section(
            title="Vital signs",
            header=("Taken", "Vital sign", "Value"),
            rows=vitals,
            empty_note="No vital signs recorded in the requested period.",
        ),
        Section(
            title="Lab and imaging results",
            header=("Resulted", "Test", "Result", "Reference", "Flag", "Ordered by", "Reviewed"),
            rows=results,
            empty_note="No results in the requested period.",
        ),
    ]


def _signed_notes(patient, scope, *, sensitive: bool) -> list[Note]:
    notes = Note.objects.filter(patient=patient, status__in=SIGNED).select_related(
        "provider", "signed_by"
    )
    notes = (
        notes.exclude(sensitivity=Sensitivity.NORMAL)
        if sensitive
        else notes.filter(sensitivity=Sensitivity.NORMAL)
    )
    return [n for n in notes.order_by("visit_date", "id") if scope.covers(n.visit_date)]


def _addenda_by_note(notes: list[Note]) -> dict[int, list[Addendum]]:
    out: dict[int, list[Addendum]] = {}
    for addendum in Addendum.objects.filter(note__in=notes).select_related("author"):
        out.setdefault(addendum.note_id, []).append(addendum)
    for rows in out.values():
        rows.sort(key=lambda a: (a.signed_at, a.id))
    return out


def _note_facts(note: Note, addenda: list[Addendum], zone) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = [
        ("Visit date", _when(note.visit_date)),
        ("Provider", str(note.provider)),
        (
            "Signed",
            f"{note.signed_at.astimezone(zone):%m/%d/%Y %I:%M %p}"
            + (f" by {note.signed_by.get_full_name() or note.signed_by.username}"
               if note.signed_by else ""),
        ),
    ]  # fmt: skip
    for label, text in (
        ("Subjective", note.subjective),
        ("Objective", note.objective),
        ("Assessment", note.assessment),
        ("Plan", note.plan),
    ):
        for index, piece in enumerate(_pieces(text)):
            facts.append((label if index == 0 else f"{label} (cont.)", piece))
    for addendum in addenda:
        head = f"Addendum {addendum.signed_at.astimezone(zone):%m/%d/%Y}"
        if addendum.reason:
            head += f" ({addendum.reason})"
        for index, piece in enumerate(_pieces(addendum.text)):
            facts.append((head if index == 0 else f"{head} (cont.)", piece))
    return tuple(facts)


def _notes_sections(patient, scope, *, sensitive: bool) -> list[Section]:
    zone = patient.zone
    notes = _signed_notes(patient, scope, sensitive=sensitive)
    title = "Restricted visit note" if sensitive else "Visit note"
    if not notes:
        return [
            Section(
                title=f"{title}s",
                empty_note="No signed visit notes in the requested period.",
            )
        ]
    addenda = _addenda_by_note(notes)
    return [
        Section(
            title=f"{title}, {_when(n.visit_date)}"
            + (f" ({n.get_sensitivity_display()})" if sensitive else ""),
            facts=_note_facts(n, addenda.get(n.id, []), zone),
        )
        for n in notes
    ]


def notes_section(patient, scope) -> list[Section]:
    return _notes_sections(patient, scope, sensitive=False)


def sensitive_notes_section(patient, scope) -> list[Section]:
    return _notes_sections(patient, scope, sensitive=True)


# ---------------------------------------------------------------- FHIR contributor


def _note_text(note: Note, addenda: list[Addendum], zone) -> str:
    return "\n\n".join(f"{label}:\n{value}" for label, value in _note_facts(note, addenda, zone))


def problem_data(p: Problem) -> fhir.ProblemData:
    return fhir.ProblemData(
        id=str(p.public_id), code=p.dotted, description=p.description, status=p.status,
        recorded_at=p.recorded_at, onset=p.onset, resolved_on=p.resolved_on,
        source_system=p.source_system, source_code=p.source_code,
    )  # fmt: skip


def medication_data(m: Medication) -> fhir.MedicationData:
    """`m` with its prescriber selected."""
    return fhir.MedicationData(
        id=str(m.public_id), name=m.name, dose=m.dose, route=m.route,
        frequency=m.frequency, start=m.start_date, stop=m.stop_date,
        prescriber=str(m.prescriber) if m.prescriber else m.prescriber_name,
        rxnorm=m.rxnorm,
    )  # fmt: skip


def allergy_data(a: Allergy) -> fhir.AllergyData:
    return fhir.AllergyData(
        id=str(a.public_id), substance=a.substance, severity=a.severity,
        verified=a.verified, recorded_at=a.recorded_at, reaction=a.reaction,
    )  # fmt: skip


def immunization_data(i: Immunization) -> fhir.ImmunizationData:
    return fhir.ImmunizationData(
        id=str(i.public_id), cvx=i.cvx, vaccine=i.vaccine, given_on=i.given_on,
        lot=i.lot, site=i.site,
    )  # fmt: skip


def vital_data(v: Vital) -> fhir.ObservationData:
    """`v` with its encounter selected."""
    return fhir.ObservationData(
        id=str(v.public_id), category="vital-signs", name=v.name, taken_at=v.taken_at,
        value=str(v.value), loinc=v.loinc, unit=v.unit,
        encounter_id=str(v.encounter.public_id) if v.encounter_id else "",
    )  # fmt: skip


def result_data(r: Result) -> fhir.ObservationData:
    """`r` with its ordering provider selected."""
    return fhir.ObservationData(
        id=str(r.public_id), category="laboratory" if r.kind == "lab" else "imaging",
        name=r.name, taken_at=r.resulted_at, value=r.value, loinc=r.loinc, unit=r.unit,
        reference_range=r.reference_range, flag=r.flag, note=r.report,
        performer=str(r.ordering_provider) if r.ordering_provider else "",
    )  # fmt: skip


def note_data(note: Note, addenda: list[Addendum], zone) -> fhir.NoteData:
    return fhir.NoteData(
        id=str(note.public_id),
        title=f"Visit note {_when(note.visit_date)}",
        signed_at=note.signed_at,
        author=str(note.provider),
        text=_note_text(note, addenda, zone),
    )


def fhir_resources(patient) -> list[dict]:
    """The clinical record as FHIR R4 resources (ids are the rows' public ids)."""
    zone = patient.zone
    everything = _EverythingScope()
    problems = [
        problem_data(p)
        for p in Problem.objects.filter(patient=patient).order_by("recorded_at", "id")
    ]
    medications = [
        medication_data(m)
        for m in Medication.objects.filter(patient=patient)
        .select_related("prescriber")
        .order_by("start_date", "id")
    ]
    allergies = [
        allergy_data(a) for a in Allergy.objects.filter(patient=patient).order_by("substance", "id")
    ]
    immunizations = [
        immunization_data(i)
        for i in Immunization.objects.filter(patient=patient).order_by("given_on", "id")
    ]
    observations = [
        vital_data(v)
        for v in Vital.objects.filter(patient=patient)
        .select_related("encounter")
        .order_by("taken_at", "id")
    ] + [
        result_data(r)
        for r in Result.objects.filter(patient=patient)
        .select_related("ordering_provider")
        .order_by("resulted_at", "id")
    ]
    notes = _signed_notes(patient, everything, sensitive=False)
    addenda = _addenda_by_note(notes)
    return fhir.clinical_resources(
        str(patient.public_id),
        today=today_at(patient),
        problems=problems,
        medications=medications,
        allergies=allergies,
        immunizations=immunizations,
        observations=observations,
        notes=[note_data(n, addenda.get(n.id, []), zone) for n in notes],
    )


class _EverythingScope:
    def covers(self, day) -> bool:
        return True


def register() -> None:
    from medoffice.records.fhir_export import register_contributor
    from medoffice.records.packet import SectionSpec, register_section

    for spec in (
        SectionSpec("problems", "Problem list (ICD-10-CM)", problems_section, True),
        SectionSpec("medications", "Medications and allergies", medications_section, True),
        SectionSpec("immunizations", "Immunizations", immunizations_section, True),
        SectionSpec("results", "Vital signs and lab/imaging results", results_section, True),
        SectionSpec("notes", "Signed visit notes with addenda", notes_section, True),
        SectionSpec(
            "sensitive_notes",
            "Behavioural health and substance use notes (specific consent needed)",
            sensitive_notes_section,
            True,
        ),
    ):
        register_section(spec)
    register_contributor(fhir_resources)
