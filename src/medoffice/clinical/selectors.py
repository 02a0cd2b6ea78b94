"""Reads of the chart. The summary is a fixed number of indexed queries whatever the chart's
size: each list is one query, newest first, cut at a page; totals are counted on indexes.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from medoffice.billing.models import Encounter
from medoffice.clinical import rules
from medoffice.clinical.models import (
    Allergy,
    AmendmentRequest,
    Dictation,
    History,
    Immunization,
    LexiconTerm,
    Medication,
    Note,
    Problem,
    ProblemStatus,
    Result,
    Vital,
)
from medoffice.clinical.panels import PanelData, registered_panels
from medoffice.clinical.states import AmendmentStatus, DictationStatus, NoteStatus
from medoffice.core.clock import today_at
from medoffice.core.policy import has_permission
from medoffice.patients.models import Consent, ConsentKind, Coverage, CoverageStatus, Patient
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.states import AppointmentStatus

PAGE = 10
SHORT = 5  # encounters and immunizations: the latest few; their own pages hold the rest


@dataclass
class ChartSummary:
    problems: list = field(default_factory=list)
    medications: list = field(default_factory=list)
    allergies: list = field(default_factory=list)
    immunizations: list = field(default_factory=list)
    vitals: list = field(default_factory=list)
    results: list = field(default_factory=list)
    results_total: int = 0
    results_to_review: int = 0
    notes: list = field(default_factory=list)
    notes_total: int = 0
    encounters: list = field(default_factory=list)
    encounters_total: int = 0
    history: History | None = None
    open_amendments: int = 0
    panels: list = field(default_factory=list)  # (Panel, PanelData) the user may see


def chart_summary(
    patient: Patient, viewer, *, page: int = PAGE, panels: bool = True
) -> ChartSummary:
    """What the chart page shows first; each part only if the viewer's role may see it.
    `panels=False` leaves out other apps' panels (the API serves those apps' own lists)."""
    summary = ChartSummary()
    for name, value in _totals(patient, viewer).items():
        setattr(summary, name, value)
    if viewer.problems:
        summary.problems = list(
            Problem.objects.filter(patient=patient, status=ProblemStatus.ACTIVE).order_by(
                "-recorded_at"
            )[:25]
        )
        summary.encounters = _encounter_rows(patient, SHORT)
    if viewer.chart:
        summary.medications = list(
            Medication.objects.filter(patient=patient)
            .filter(Q(stop_date__isnull=True) | Q(stop_date__gte=today_at(patient)))
            .select_related("prescriber")
            .order_by("-start_date")[:25]
        )
        summary.allergies = list(Allergy.objects.filter(patient=patient).order_by("substance"))
        summary.immunizations = list(
            Immunization.objects.filter(patient=patient).order_by("-given_on")[:SHORT]
        )
        summary.vitals = latest_vitals(patient)
        summary.results = list(
            Result.objects.filter(patient=patient)
            .select_related("ordering_provider")
            .order_by("-resulted_at")[:page]
        )
        summary.history = History.objects.filter(patient=patient).first()
    if viewer.notes:
        summary.notes = list(
            Note.objects.filter(patient=patient)
            .select_related("provider")
            .defer("subjective", "objective", "assessment", "plan")
            .order_by("-visit_date", "-id")[:page]
        )
    for panel in registered_panels() if panels else ():
        if has_permission(viewer.user, panel.permission):
            summary.panels.append((panel, panel.read(patient, page, viewer.user)))
    return summary


def problem_list(patient: Patient) -> list[Problem]:
    """Every problem, active first (the API's list; the summary shows the active ones)."""
    return list(Problem.objects.filter(patient=patient).order_by("status", "-recorded_at"))


def _encounter_rows(patient: Patient, page: int) -> list:
    return list(
        Encounter.objects.filter(patient=patient)
        .select_related("provider")
        .only("public_id", "date_of_service", "status", "provider__last_name",
              "provider__first_name", "provider__credentials")
        .order_by("-date_of_service", "-id")[:page]
    )  # fmt: skip


def _count(rows) -> Coalesce:
    """COUNT(*) of `rows` belonging to the outer patient, as a scalar subquery."""
    per_patient = rows.filter(patient=OuterRef("pk")).order_by().values("patient")
    return Coalesce(Subquery(per_patient.annotate(n=Count("*")).values("n")), 0)


def _totals(patient: Patient, viewer) -> dict[str, int]:
    """Every count the summary shows, as far as the viewer may see it, in one query (each
    on its patient index): one round trip instead of one per count."""
    counts = {}
    if viewer.problems:
        counts["encounters_total"] = _count(Encounter.objects.all())
    if viewer.chart:
        counts["results_total"] = _count(Result.objects.all())
        counts["results_to_review"] = _count(Result.objects.filter(reviewed_at__isnull=True))
    if viewer.notes:
        counts["notes_total"] = _count(Note.objects.all())
    if viewer.problems or viewer.notes:
        counts["open_amendments"] = _count(
            AmendmentRequest.objects.filter(
                status__in=(AmendmentStatus.RECEIVED, AmendmentStatus.EXTENDED)
            )
        )
    if not counts:
        return {}
    return Patient.objects.filter(pk=patient.pk).values(**counts).get()


def latest_vitals(patient: Patient, *, look_back: int = 40) -> list[Vital]:
    """The newest reading of each vital sign, from the last `look_back` readings (one query)."""
    seen: dict[str, Vital] = {}
    for vital in Vital.objects.filter(patient=patient).order_by("-taken_at")[:look_back]:
        seen.setdefault(vital.loinc, vital)
    return list(seen.values())


def result_page(patient: Patient, *, number: int = 1, unreviewed_only: bool = False):
    rows = Result.objects.filter(patient=patient).select_related("ordering_provider", "reviewed_by")
    if unreviewed_only:
        rows = rows.filter(reviewed_at__isnull=True)
    return Paginator(rows.order_by("-resulted_at", "-id"), 25).get_page(number)


def note_page(patient: Patient, *, number: int = 1):
    rows = (
        Note.objects.filter(patient=patient)
        .select_related("provider", "signed_by")
        .defer("subjective", "objective", "assessment", "plan")
        .order_by("-visit_date", "-id")
    )
    return Paginator(rows, 25).get_page(number)


def note_with_addenda(note: Note) -> list:
    return list(note.addenda.select_related("author", "amendment"))


# ---------------------------------------------------------------- pre-visit preparation


@dataclass(frozen=True)
class PrepRow:
    appointment: Appointment
    missing: list[str]
    starts_local: datetime | None = None  # in the location's time zone


# Every civil day on Earth lies within UTC-12 .. UTC+14 of the same UTC day.
_WIDEST_OFFSETS = (timedelta(hours=14), timedelta(hours=12))


def _local_start(appointment: Appointment) -> datetime:
    return appointment.starts_at.astimezone(appointment.location.zone)


def previsit_list(*, practice_id: int, day: date) -> list[PrepRow]:
    """Tomorrow's (or `day`'s) booked patients and what each chart lacks; a fixed number of
    queries for the whole day: one per kind of fact, grouped by patient. `day` is each
    location's own calendar day (a practice may span time zones)."""
    utc_day = datetime.combine(day, time.min, tzinfo=UTC)
    ahead, behind = _WIDEST_OFFSETS
    candidates = (
        Appointment.objects.filter(
            location__practice_id=practice_id, starts_at__gte=utc_day - ahead,
            starts_at__lt=utc_day + timedelta(days=1) + behind,
            status=AppointmentStatus.BOOKED,
        )
        .select_related("patient", "provider", "location", "appointment_type")
        .order_by("starts_at", "id")
    )  # fmt: skip
    appointments = [a for a in candidates if _local_start(a).date() == day]
    appointments.sort(key=lambda a: (_local_start(a).replace(tzinfo=None), a.starts_at, a.pk))
    patient_ids = {a.patient_id for a in appointments}
    unsigned = dict(
        Note.objects.filter(patient_id__in=patient_ids, status=NoteStatus.DRAFT)
        .values_list("patient_id")
        .annotate(n=Count("id"))
    )
    to_review = dict(
        Result.objects.filter(patient_id__in=patient_ids, reviewed_at__isnull=True)
        .values_list("patient_id")
        .annotate(n=Count("id"))
    )
    coverages: dict[int, list[Coverage]] = {}
    for coverage in Coverage.objects.filter(patient_id__in=patient_ids, order=1).exclude(
        status=CoverageStatus.ENTERED_IN_ERROR
    ):
        coverages.setdefault(coverage.patient_id, []).append(coverage)
    consents: dict[int, list[Consent]] = {}
    for consent in Consent.objects.filter(
        patient_id__in=patient_ids,
        kind__in=(ConsentKind.TREATMENT, ConsentKind.PRIVACY_NOTICE),
    ):
        consents.setdefault(consent.patient_id, []).append(consent)
    rows = []
    for appointment in appointments:
        pid = appointment.patient_id
        mine = coverages.get(pid, [])
        active = [c for c in mine if c.is_active_on(day)]
        signed = consents.get(pid, [])
        facts = rules.ChartFacts(
            unsigned_notes=unsigned.get(pid, 0),
            results_to_review=to_review.get(pid, 0),
            has_active_coverage=bool(active),
            coverage_expired=bool(mine) and not active
            and any(c.effective_end and c.effective_end < day for c in mine),
            has_card_image=any(c.card_front for c in active),
            has_treatment_consent=any(
                c.kind == ConsentKind.TREATMENT and c.is_in_force_on(day) for c in signed
            ),
            has_privacy_notice=any(
                c.kind == ConsentKind.PRIVACY_NOTICE and c.is_in_force_on(day) for c in signed
            ),
        )  # fmt: skip
        rows.append(PrepRow(appointment, rules.missing_items(facts), _local_start(appointment)))
    return rows


# ---------------------------------------------------------------- queues


def amendment_list_open(*, practice_id: int) -> list[AmendmentRequest]:
    return list(
        AmendmentRequest.objects.filter(
            patient__practice_id=practice_id,
            status__in=(AmendmentStatus.RECEIVED, AmendmentStatus.EXTENDED),
        )
        .select_related("patient", "note")
        .order_by("due_on", "id")
    )


def amendment_list_for_patient(patient: Patient) -> list[AmendmentRequest]:
    return list(
        AmendmentRequest.objects.filter(patient=patient)
        .select_related("note", "decided_by")
        .order_by("-received_on", "-id")
    )


def dictation_queue(*, practice_id: int) -> list[Dictation]:
    """Dictations waiting for a transcriptionist or a clinician, oldest first."""
    return list(
        Dictation.objects.filter(patient__practice_id=practice_id)
        .exclude(status=DictationStatus.SIGNED)
        .select_related("patient", "provider", "transcriptionist")
        .order_by("uploaded_at")
    )


def turnaround_figures(*, practice_id: int, since: datetime) -> dict:
    """Median and longest upload-to-transcription time (hours) of dictations since `since`."""
    spans = sorted(
        (d.transcribed_at - d.uploaded_at).total_seconds() / 3600
        for d in Dictation.objects.filter(
            patient__practice_id=practice_id, transcribed_at__isnull=False, uploaded_at__gte=since
        ).only("uploaded_at", "transcribed_at")
    )
    if not spans:
        return {"count": 0, "median_hours": None, "longest_hours": None}
    middle = len(spans) // 2
    median = spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2
    return {"count": len(spans), "median_hours": round(median, 1),
            "longest_hours": round(spans[-1], 1)}  # fmt: skip


def term_suggestions(*, practice_id: int, prefix: str, limit: int = 10) -> list[str]:
    """Autocomplete for the transcription editor: the practice's lexicon first, then
    ICD-10-CM descriptions (the code sets loaded by the coding app) that start the same."""
    from medoffice.coding.models import Icd10Code
    from medoffice.coding.selectors import release_in_force

    prefix = prefix.strip()
    if len(prefix) < 3:
        return []
    words = list(
        LexiconTerm.objects.filter(practice_id=practice_id, term__istartswith=prefix)
        .order_by("term")
        .values_list("term", flat=True)[:limit]
    )
    release = release_in_force("icd10cm", timezone.localdate())
    if release is not None and len(words) < limit:
        for text in (
            Icd10Code.objects.filter(release=release, description__istartswith=prefix)
            .order_by("description")
            .values_list("description", flat=True)[: limit - len(words)]
        ):
            if text not in words:
                words.append(text)
    return words


__all__ = ["PAGE", "ChartSummary", "PanelData", "chart_summary", "previsit_list"]
