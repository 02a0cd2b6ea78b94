"""The release packet and the FHIR export: the chart, read for one scope, as records for the
pure PDF and FHIR codecs (formats/pdf/records.py, formats/fhir/).

Sections are a registry: this app registers demographics, insurance, visits and
documents; other apps (the clinical record) add theirs with `register_section`,
and the release form offers every section registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from medoffice.formats.pdf.records import Attachment, Letterhead, Section, image_to_pdf
from medoffice.patients.models import Patient
from medoffice.records.files import read_verified
from medoffice.records.models import Document, DocumentCategory, DocumentKind
from medoffice.records.rules import in_scope


@dataclass(frozen=True)
class Scope:
    date_from: date | None = None
    date_to: date | None = None

    def covers(self, day: date | None) -> bool:
        return in_scope(day, self.date_from, self.date_to)

    def label(self) -> str:
        if not self.date_from and not self.date_to:
            return "All dates"
        start = f"{self.date_from:%m/%d/%Y}" if self.date_from else "the first visit"
        end = f"{self.date_to:%m/%d/%Y}" if self.date_to else "today"
        return f"{start} to {end}"


@dataclass(frozen=True)
class SectionSpec:
    key: str
    label: str
    build: Callable[[Patient, Scope], list[Section]]
    clinical: bool = False  # holds clinical information (diagnoses, notes, results)


SECTIONS: dict[str, SectionSpec] = {}


def register_section(spec: SectionSpec) -> None:
    SECTIONS[spec.key] = spec


def section_choices() -> list[tuple[str, str]]:
    return [(spec.key, spec.label) for spec in SECTIONS.values()]


def letterhead_for(patient: Patient) -> Letterhead:
    practice = patient.practice
    location = patient.home_location or practice.locations.order_by("id").first()
    lines = []
    if location:
        lines.append(f"{location.address1}, {location.city}, {location.state} {location.zip_code}")
        if location.phone:
            lines.append(f"Phone {location.phone}")
    if practice.group_npi:
        lines.append(f"NPI {practice.group_npi}")
    return Letterhead(practice=practice.name, lines=tuple(lines))


def _local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def _demographics(patient: Patient, scope: Scope) -> list[Section]:
    p = patient
    name = " ".join(part for part in (p.first_name, p.middle_name, p.last_name, p.suffix) if part)
    address = ", ".join(
        part for part in (p.address1, p.address2, p.city, f"{p.state} {p.zip_code}") if part
    )
    facts = [
        ("Name", name),
        ("Date of birth", f"{p.dob:%m/%d/%Y}"),
        ("Sex at birth", p.get_sex_at_birth_display()),
        ("MRN", p.mrn),
        ("Address", address),
        ("Phones", ", ".join(p.phones) or "none on file"),
        ("E-mail", p.email or "none on file"),
        ("Preferred language", p.get_preferred_language_display()),
    ]
    if p.primary_care_provider:
        facts.append(("Primary care", str(p.primary_care_provider)))
    return [Section(title="Demographics", facts=tuple(facts))]


def _insurance(patient: Patient, scope: Scope) -> list[Section]:
    rows = tuple(
        (
            c.get_order_display(),
            c.payer.name,
            c.member_id,
            c.group_number or "",
            f"{c.effective_start:%m/%d/%Y}"
            + (f" to {c.effective_end:%m/%d/%Y}" if c.effective_end else ""),
            c.get_status_display(),
        )
        for c in patient.coverages.select_related("payer")
    )
    return [
        Section(
            title="Insurance",
            header=("Order", "Payer", "Member id", "Group", "Effective", "Status"),
            rows=rows,
            empty_note="No insurance on file.",
        )
    ]


def _visits(patient: Patient, scope: Scope) -> list[Section]:
    from medoffice.billing.models import Encounter
    from medoffice.scheduling.models import Appointment

    zone = patient.zone
    appointments = [
        a
        for a in Appointment.objects.filter(patient=patient)
        .select_related("provider", "appointment_type", "location")
        .order_by("starts_at")
        if scope.covers(_local_day(a.starts_at, zone))
    ]
    appointment_rows = tuple(
        (
            a.starts_at.astimezone(a.location.zone).strftime("%m/%d/%Y %I:%M %p"),
            a.appointment_type.name,
            str(a.provider),
            a.get_status_display(),
        )
        for a in appointments
    )
    encounters = [
        e
        for e in Encounter.objects.filter(patient=patient)
        .exclude(status="void")
        .select_related("provider")
        .prefetch_related("diagnoses", "lines")
        .order_by("date_of_service", "id")
        if scope.covers(e.date_of_service)
    ]
    encounter_rows = tuple(
        (
            f"{e.date_of_service:%m/%d/%Y}",
            str(e.provider),
            "; ".join(f"{d.dotted} {d.description}".strip() for d in e.diagnoses.all()),
            ", ".join(
                f"{line.code} x{line.units}"
                for line in e.lines.all()
                if line.retired_in_version is None
            ),
        )
        for e in encounters
    )
    return [
        Section(
            title="Appointments",
            header=("When", "Visit", "Provider", "Status"),
            rows=appointment_rows,
        ),
        Section(
            title="Encounters (diagnoses and services)",
            header=("Date of service", "Provider", "Diagnoses (ICD-10-CM)", "Services"),
            rows=encounter_rows,
        ),
    ]


def _documents_listing(patient: Patient, scope: Scope) -> list[Section]:
    rows = tuple(
        (f"{d.document_date:%m/%d/%Y}", d.get_category_display(), d.title, str(d.pages))
        for d in packet_documents(patient, scope)
    )
    return [
        Section(
            title="Documents enclosed",
            header=("Dated", "Category", "Title", "Pages"),
            rows=rows,
            empty_note="No documents on file in the requested period.",
        )
    ]


register_section(SectionSpec("demographics", "Demographics", _demographics))
register_section(SectionSpec("insurance", "Insurance", _insurance))
register_section(
    SectionSpec("visits", "Appointments and encounters (diagnoses, services)", _visits, True)
)
register_section(SectionSpec("documents", "Documents filed to the chart", _documents_listing, True))

# Papers about the request itself never go out with the chart.
_NOT_RELEASED = (DocumentCategory.AUTHORIZATION, DocumentCategory.LEGAL)


def packet_documents(patient: Patient, scope: Scope) -> list[Document]:
    documents = (
        Document.objects.filter(patient=patient)
        .exclude(category__in=_NOT_RELEASED)
        .order_by("document_date", "id")
    )
    return [d for d in documents if scope.covers(d.document_date)]


def document_as_pdf(document: Document) -> bytes:
    data = read_verified(document.file, document.sha256)
    return data if document.kind == DocumentKind.PDF else image_to_pdf(data)


def build_sections(patient: Patient, keys: list[str], scope: Scope) -> list[Section]:
    sections: list[Section] = []
    for key in keys:
        spec = SECTIONS.get(key)
        if spec is not None:
            sections.extend(spec.build(patient, scope))
    return sections


def build_attachments(patient: Patient, keys: list[str], scope: Scope) -> list[Attachment]:
    if "documents" not in keys:
        return []
    return [
        Attachment(title=d.title, document_date=d.document_date, pdf=document_as_pdf(d))
        for d in packet_documents(patient, scope)
    ]


def describe(keys: list[str], scope: Scope, *, pages: int | None = None) -> str:
    """The disclosure's description of what was sent: sections, dates, pages."""
    labels = [SECTIONS[k].label for k in keys if k in SECTIONS]
    text = "; ".join(labels) + f" ({scope.label()})"
    if pages:
        text += f", {pages} pages"
    return text[:500]
