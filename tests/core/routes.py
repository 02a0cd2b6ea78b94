"""The catalogue of routes the core security tests drive: one entry per (route, method).

`permission` is what docs/SECURITY.md and the role table say the route needs; a test
checks it against the policy each view declares, so this list cannot drift from the code.
`body(world)` builds a request that succeeds for an allowed role; `ok` is its status.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from medoffice.core.policy import AUTHENTICATED, PUBLIC
from tests.clock import office_today
from tests.patients.conftest import registration_form

PATIENT_FORM_FIELDS = (
    "first_name", "middle_name", "last_name", "suffix", "preferred_name", "previous_last_name",
    "dob", "sex_at_birth", "gender_identity", "pronouns", "address1", "address2", "city",
    "state", "zip_code", "mobile_phone", "home_phone", "work_phone", "email",
    "preferred_language", "needs_interpreter", "preferred_contact_method",
    "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
    "guarantor_relationship", "guarantor_name", "guarantor_dob", "guarantor_phone",
    "guarantor_address", "primary_care_provider", "home_location", "mrn",
)  # fmt: skip
COVERAGE_FORM_FIELDS = (
    "payer", "plan_name", "member_id", "group_number", "order", "relationship",
    "subscriber_first_name", "subscriber_last_name", "subscriber_dob", "subscriber_sex",
    "effective_start", "effective_end", "copay", "status",
)  # fmt: skip


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def form_data(instance, names, **changes) -> dict:
    """POST data for a form editing `instance`, with `changes` applied; False booleans left out."""
    data = {}
    for name in names:
        value = changes.get(name, getattr(instance, name))
        if value is False:
            continue
        data[name] = "on" if value is True else _form_value(value)
    return data


NEW_PATIENT = registration_form()


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    permission: str
    target: str | None = None  # "patient", "coverage", "appointment", "encounter"...: in the URL
    body: Callable[[Any], dict] | None = None
    ok: int = 200
    phi: bool = True  # reads/writes patient data (audited, IDOR-probed)
    query: Callable[[Any], str] | None = None  # a query string, for GET routes that need one
    kwargs: tuple[tuple[str, str], ...] = ()  # more URL arguments, e.g. (("queue", "denials"),)
    multipart: bool = False  # an API route that takes a file upload (multipart/form-data)
    # What a GET answers (ANSWERS): "" is a full HTML page ("json" for an API route); give
    # it for anything else (a PDF, a CSV, an htmx fragment...). Pages get the page checks
    # (CSP nonce on every script, tests/core/test_headers.py); the rest their type.
    answers: str = ""
    # URL arguments computed from the world (FHIR ids of schedules, slots, versions...).
    path_args: Callable[[Any], dict] | None = None

    @property
    def answer(self) -> str:
        return self.answers or ("json" if self.api or self.fhir else "page")

    @property
    def api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def fhir(self) -> bool:
        """A FHIR route: JSON bodies, refusals as OperationOutcome (not problem JSON)."""
        return self.name.startswith("fhir:")

    @property
    def searches(self) -> bool:
        """It answers a search (audited as a query, not a read)."""
        return "search" in self.name or (
            self.fhir and self.name.endswith("-type") and self.method == "GET"
        )

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"

    def url(self, world, *, other: bool = False) -> str:
        if self.path_args is not None:
            return reverse(self.name, kwargs=self.path_args(world))
        if self.target is None:
            with_query = self.query and not getattr(world, "paths_only", False)
            path = reverse(self.name, kwargs=dict(self.kwargs) or None)
            return path + (f"?{self.query(world)}" if with_query else "")
        obj = getattr(world, f"other_{self.target}" if other else self.target)
        kwargs = {"public_id": obj.public_id, **dict(self.kwargs)}
        if self.name == "patients:coverage-card":
            kwargs["side"] = "front"
        if self.name == "clinical:entry-add":
            kwargs["kind"] = "allergy"
        return reverse(self.name, kwargs=kwargs)

    def call(self, client, world, *, other: bool = False, **extra):
        url = self.url(world, other=other)
        data = self.body(world) if self.body else None
        if self.method == "GET":
            return client.get(url, **extra)
        if self.method == "DELETE":
            return client.delete(url, **extra)
        if self.fhir and self.name.endswith("-search"):  # POST _search: a form
            return client.post(url, data=data or {}, **extra)
        if (self.api or self.fhir) and not self.multipart:
            method = getattr(client, self.method.lower())
            return method(url, data=data or {}, content_type="application/json", **extra)
        return client.post(url, data=data or {}, **extra)


# What a route may answer, and the Content-Type that answer starts with.
ANSWERS = {
    "page": "text/html",  # a whole page: security headers, scripts carrying the nonce
    "fragment": "text/html",  # a piece of a page fetched by htmx (no scripts of its own)
    "json": "application/",  # application/json, application/fhir+json
    "csv": "text/csv",
    "pdf": "application/pdf",
    "image": "image/",
    "audio": "audio/",
    "file": "",  # a stored file sent as it is (any type)
}


def body_of(response) -> str:
    """The response text, also for streamed answers (CSV, card images)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def _patient_edit(world) -> dict:
    return form_data(world.patient, PATIENT_FORM_FIELDS, preferred_name="Jack")


def _fhir_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    empty = b'{"resourceType": "Bundle", "type": "collection", "entry": []}'
    return SimpleUploadedFile("empty.json", empty, content_type="application/fhir+json")


def _csv_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.core.conftest import CSV_EXPORT

    return SimpleUploadedFile("export.csv", CSV_EXPORT, content_type="text/csv")


def _csv_columns() -> dict:
    from medoffice.imports.csv_import import auto_match, read_csv
    from tests.core.conftest import CSV_EXPORT

    columns = auto_match(read_csv(CSV_EXPORT)[0])
    return {"name": "route"} | {f"col_{name}": header for name, header in columns.items()}


def _coverage_add(world) -> dict:
    return {
        "payer": world.payer.pk,
        "member_id": "W22222222",
        "order": 2,
        "relationship": "18",
        "effective_start": "2024-01-01",
    }


def _coverage_edit(world) -> dict:
    return form_data(world.coverage, COVERAGE_FORM_FIELDS, plan_name="Gold PPO")


def _consent_add(world) -> dict:
    return {"kind": "treatment", "signed_on": office_today().isoformat()}


def _merge(world) -> dict:
    return {"duplicate_mrn": world.duplicate.mrn, "confirm": "on"}


def _ui_reschedule(world) -> dict:
    from medoffice.scheduling.selectors import find_slots

    appointment = world.appointment
    slot = find_slots(appointment_type=appointment.appointment_type, limit=1)[0]
    return {
        "starts_at": slot.starts_at.isoformat(),
        "slot_provider": slot.provider_id,
        "slot_location": slot.location_id,
    }


def _book_at_time(world) -> dict:
    from medoffice.scheduling.selectors import find_slots

    appointment = world.appointment
    slot = find_slots(appointment_type=appointment.appointment_type, limit=1)[0]
    return {
        "at": slot.starts_at.isoformat(), "provider": slot.provider_id,
        "location": str(appointment.location.public_id),
        "patient": str(world.duplicate.public_id),
        "appointment_type": appointment.appointment_type.pk,
    }  # fmt: skip


def _book_at_time_query(world) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in _book_at_time(world).items()
                      if k in ("at", "provider", "location")})  # fmt: skip


def _outside_document(world) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    return {"title": "Report", "file": pdf}


def _equipment_document(world) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("manual.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    return {"kind": "manual", "title": "Operator manual", "file": pdf}


def _api_booking(world) -> dict:
    from tests.core.conftest import visit_time

    appointment = world.appointment
    return {
        "patient": str(world.patient.public_id),
        "appointment_type": str(appointment.appointment_type.public_id),
        "provider": appointment.provider.npi,
        "location": str(appointment.location.public_id),
        "starts_at": visit_time(hours=3).isoformat(),
        "override": True,
    }


def _ui_booking(world) -> dict:
    from medoffice.scheduling.selectors import find_slots

    kind = world.appointment.appointment_type
    slot = find_slots(appointment_type=kind, limit=1, patient_id=world.patient.id)[0]
    return {
        "appointment_type": kind.pk,
        "starts_at": slot.starts_at.isoformat(),
        "slot_provider": slot.provider_id,
        "slot_location": slot.location_id,
    }


def _api_reschedule(world) -> dict:
    from tests.core.conftest import visit_time

    return {"starts_at": visit_time(hours=26).isoformat(), "override": True}


def _code_query(world) -> str:
    day = world.encounter.date_of_service.isoformat()
    return f"kind=diagnosis&q=E11&day={day}"


def _superbill_form(world) -> dict:
    return {"dx": ["E119", "I10"], "svc": ["99213"], "units-99213": "1", "ptr-99213": "A B"}


def _correction_form(world) -> dict:
    return {"dx": ["E119"], "svc": ["99214"], "units-99214": "1", "reason": "Level of service"}


def _api_coverage_add(world) -> dict:
    return {
        "payer": world.payer.payer_id,
        "member_id": "W33333333",
        "order": 2,
        "relationship": "18",
        "effective_start": "2024-01-01",
    }


def _dictation_file(world) -> dict:
    from tests.clinical.factories import wav_upload

    return {"audio": wav_upload()}


def _api_result(world) -> dict:
    return {
        "name": "Hemoglobin A1c", "loinc": "4548-4", "value": "7.2", "unit": "%",
        "reference_range": "4.0-5.6", "flag": "H", "resulted_at": timezone.now().isoformat(),
        "ordering_provider": world.appointment.provider.npi,
    }  # fmt: skip


_NOTE_FORM = {"subjective": "Cough", "objective": "", "assessment": "URI", "plan": "Fluids",
              "sensitivity": "normal"}  # fmt: skip


def _scan(name: str = "scan.pdf"):
    """A real (small) PDF upload for the records routes."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Scanned page")
    canvas.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _document_form(world) -> dict:
    return {"file": _scan(), "category": "correspondence", "title": "Letter",
            "document_date": "2025-01-02"}  # fmt: skip


def _log_form(world) -> dict:
    return {"channel": "phone", "direction": "in", "party": "Patient", "topic": "administrative",
            "subject": "Directions", "summary": "Asked for parking directions."}  # fmt: skip


def _send_form(world) -> dict:
    return {"channel": "email", "to": "patient@example.org", "party": "Patient",
            "subject": "Forms", "body": "Your forms are attached.",
            "documents": [world.document.pk]}  # fmt: skip


def _roi_form(world) -> dict:
    return {"requester_kind": "patient", "requester_name": "John Smith",
            "purpose": "Personal copy", "basis": "access", "sections": ["demographics"],
            "delivery_method": "pickup"}  # fmt: skip


def _disclosure_form(world) -> dict:
    return {"recipient_name": "County health department", "description": "Immunizations",
            "purpose": "Public health reporting", "basis": "public_health",
            "delivery_method": "fax", "disclosed_at": "2026-01-05T10:00"}  # fmt: skip


def _transfer_out_form(world) -> dict:
    return {"party_name": "Lakeside Family Practice", "reason": "Patient moved",
            "sections": ["demographics"], "delivery_method": "mail"}  # fmt: skip


def _transfer_in_form(world) -> dict:
    return {"party_name": "Valley Clinic", "reason": "New patient", "received_on": "2026-01-05",
            "category": "outside_records", "files": [_scan()]}  # fmt: skip


def _referral_form(world) -> dict:
    return {"direction": "out", "other_name": "Dr. Rivera", "reason": "Knee pain",
            "diagnoses": "M25.561", "urgency": "routine"}  # fmt: skip


def _extend_form(world) -> dict:
    from datetime import timedelta

    return {"new_due_on": (world.roi_request.due_on + timedelta(days=10)).isoformat(),
            "reason": "Records stored off site"}  # fmt: skip


def _identity_form(world) -> dict:
    return {"method": "photo_id", "detail": "IL licence", "passed": "yes"}


def _authorization_form(world) -> dict:
    return {"file": _scan("auth.pdf"), "signed_on": "2026-01-02", "expires_on": "2099-01-01"}


ROUTES: tuple[Route, ...] = (
    # Web UI
    Route("patients:patient-search", "GET", "patients.view_patient", phi=False),
    Route("patients:patient-search", "POST", "patients.view_patient",
          body=lambda w: {"q": "Smith"}),
    Route("patients:patient-register", "GET", "patients.add_patient", phi=False),
    Route("patients:patient-register", "POST", "patients.add_patient",
          body=lambda w: dict(NEW_PATIENT), ok=302),
    Route("patients:patient-detail", "GET", "patients.view_patient", "patient"),
    Route("patients:patient-ssn", "GET", "patients.reveal_patient_ssn", "patient",
          answers="fragment"),
    Route("patients:patient-edit", "GET", "patients.change_patient", "patient"),
    Route("patients:patient-edit", "POST", "patients.change_patient", "patient",
          body=_patient_edit, ok=302),
    Route("patients:patient-merge", "GET", "patients.merge_patient", "patient"),
    Route("patients:patient-merge", "POST", "patients.merge_patient", "patient", body=_merge,
          ok=302),
    Route("patients:coverage-list", "GET", "patients.view_coverage", "patient"),
    Route("patients:coverage-add", "GET", "patients.add_coverage", "patient"),
    Route("patients:coverage-add", "POST", "patients.add_coverage", "patient",
          body=_coverage_add, ok=302),
    Route("patients:consent-list", "GET", "patients.view_consent", "patient"),
    Route("patients:consent-add", "GET", "patients.add_consent", "patient"),
    Route("patients:consent-add", "POST", "patients.add_consent", "patient", body=_consent_add,
          ok=302),
    Route("patients:consent-revoke", "POST", "patients.change_consent", "consent", ok=302),
    Route("patients:coverage-edit", "GET", "patients.change_coverage", "coverage"),
    Route("patients:coverage-edit", "POST", "patients.change_coverage", "coverage",
          body=_coverage_edit, ok=302),
    Route("patients:coverage-card", "GET", "patients.view_coverage", "coverage", answers="image"),
    Route("core:home", "GET", AUTHENTICATED, phi=False),
    Route("core:audit-list", "GET", "core.view_auditevent", phi=False),
    Route("core:audit-export", "GET", "core.export_auditevent", phi=False, answers="csv"),
    # REST API
    Route("api:patient-list", "POST", "patients.add_patient", body=lambda w: dict(NEW_PATIENT),
          ok=201),
    Route("api:patient-search", "POST", "patients.view_patient", body=lambda w: {"q": "Smith"}),
    Route("api:patient-detail", "GET", "patients.view_patient", "patient"),
    Route("api:patient-ssn", "GET", "patients.reveal_patient_ssn", "patient"),
    Route("api:patient-detail", "PATCH", "patients.change_patient", "patient",
          body=lambda w: {"preferred_name": "Jack"}),
    Route("api:coverage-list", "GET", "patients.view_coverage", "patient"),
    Route("api:coverage-list", "POST", "patients.add_coverage", "patient",
          body=_api_coverage_add, ok=201),
    Route("api:coverage-detail", "GET", "patients.view_coverage", "coverage"),
    Route("api:coverage-detail", "PATCH", "patients.change_coverage", "coverage",
          body=lambda w: {"plan_name": "Gold PPO"}),
    Route("api:payer-list", "GET", "patients.view_coverage", phi=False),
    Route("api:code-search", "GET", "coding.view_icd10code", phi=False,
          query=lambda w: "q=type+2+diabetes"),
    Route("api:code-suggest", "POST", "coding.view_icd10code", phi=False,
          body=lambda w: {"text": "Type 2 diabetes, uncontrolled; essential hypertension"}),
    Route("api:slot-list", "GET", "scheduling.add_appointment", phi=False,
          query=lambda w: f"appointment_type={w.appointment.appointment_type.public_id}"),
    Route("api:appointment-list", "POST", "scheduling.add_appointment", body=_api_booking,
          ok=201),
    Route("api:appointment-detail", "GET", "scheduling.view_appointment", "appointment"),
    Route("api:appointment-reschedule", "POST", "scheduling.change_appointment", "appointment",
          body=_api_reschedule),
    Route("api:appointment-status", "POST", "scheduling.change_appointment", "appointment",
          body=lambda w: {"status": "cancelled", "reason": "Patient called"}),
    Route("api:patient-appointment-list", "GET", "scheduling.view_appointment", "patient"),
    Route("api:appointment-check-in", "POST", "scheduling.change_appointment",
          "todays_appointment", body=lambda w: {"demographics_verified": True}, ok=201),
    Route("api:appointment-step", "POST", "scheduling.change_appointment", "appointment",
          body=lambda w: {"step": "confirmed", "via": "phone"}),
    Route("api:waitlist-list", "GET", "scheduling.view_appointment"),
    Route("api:waitlist-list", "POST", "scheduling.add_appointment",
          body=lambda w: {"patient": str(w.patient.public_id), "priority": 2,
                          "appointment_type": str(w.appointment.appointment_type.public_id)},
          ok=201),
    # Scheduling screens
    Route("scheduling:appointment-list", "GET", "scheduling.view_appointment", "patient"),
    Route("scheduling:day-board", "GET", "scheduling.view_appointment"),
    Route("scheduling:appointment-book", "GET", "scheduling.add_appointment", "patient"),
    Route("scheduling:appointment-book", "POST", "scheduling.add_appointment", "patient",
          body=_ui_booking, ok=302),
    Route("scheduling:appointment-detail", "GET", "scheduling.view_appointment", "appointment"),
    Route("scheduling:appointment-check-in", "GET", "scheduling.change_appointment",
          "todays_appointment"),
    Route("scheduling:appointment-check-in", "POST", "scheduling.change_appointment",
          "todays_appointment", body=lambda w: {"demographics_verified": "on",
                                                "copay_collected": "0"}, ok=302),
    Route("scheduling:appointment-step", "POST", "scheduling.change_appointment",
          "todays_appointment", body=lambda w: {"step": "noshow"}, ok=302),
    Route("scheduling:appointment-cancel", "POST", "scheduling.change_appointment",
          "appointment", body=lambda w: {"reason": "Patient cancelled"}, ok=302),
    Route("scheduling:appointment-reschedule", "GET", "scheduling.change_appointment",
          "appointment"),
    Route("scheduling:appointment-reschedule", "POST", "scheduling.change_appointment",
          "appointment", body=_ui_reschedule, ok=302),
    Route("scheduling:waitlist", "GET", "scheduling.view_appointment"),
    Route("scheduling:dashboard", "GET", "scheduling.view_appointment"),
    Route("scheduling:week", "GET", "scheduling.view_appointment"),
    Route("scheduling:book-at-time", "GET", "scheduling.add_appointment", phi=False,
          query=_book_at_time_query),
    Route("scheduling:book-at-time", "POST", "scheduling.add_appointment",
          body=_book_at_time, ok=302),
    Route("scheduling:waitlist-add", "GET", "scheduling.add_appointment", "patient"),
    Route("scheduling:waitlist-add", "POST", "scheduling.add_appointment", "patient",
          body=lambda w: {"appointment_type": w.appointment.appointment_type.pk, "priority": 3},
          ok=302),
    Route("scheduling:waitlist-remove", "POST", "scheduling.change_appointment",
          "waitlist_entry", ok=302),
    Route("scheduling:outside-list", "GET", "scheduling.view_outsideappointment", "patient"),
    Route("scheduling:outside-add", "GET", "scheduling.add_outsideappointment", "patient"),
    Route("scheduling:outside-add", "POST", "scheduling.add_outsideappointment", "patient",
          body=lambda w: {"kind": "specialist", "service": "Cardiology consult",
                          "facility": "Heart Center", "status": "requested"}, ok=302),
    Route("scheduling:outside-edit", "GET", "scheduling.change_outsideappointment",
          "outside_visit"),
    Route("scheduling:outside-edit", "POST", "scheduling.change_outsideappointment",
          "outside_visit", body=lambda w: {"kind": "imaging", "service": "MRI left knee",
                                           "facility": "Valley Imaging", "status": "scheduled"},
          ok=302),
    Route("scheduling:outside-document-add", "POST", "scheduling.change_outsideappointment",
          "outside_visit", body=_outside_document, ok=302),
    Route("scheduling:outside-document", "GET", "scheduling.view_outsideappointment",
          "outside_document", answers="pdf"),
    # Messages to patients
    Route("messaging:message-list", "GET", "messaging.view_message", "patient"),
    # Billing: encounters (diagnoses: never the front desk's), charges, the coder's queue
    Route("billing:encounter-list", "GET", "billing.view_encounter"),
    Route("billing:queue", "GET", "billing.view_coding_queue"),
    Route("billing:code-search", "GET", "billing.change_encounter", phi=False,
          query=_code_query, answers="fragment"),
    Route("billing:encounter-detail", "GET", "billing.view_encounter", "encounter"),
    Route("billing:encounter-save", "POST", "billing.change_encounter", "encounter",
          body=_superbill_form, ok=302),
    Route("billing:encounter-sign", "POST", "billing.sign_encounter", "encounter", ok=302),
    Route("billing:encounter-amend", "POST", "billing.amend_encounter", "signed_encounter",
          body=_correction_form, ok=302),
    Route("billing:encounter-pdf", "GET", "billing.view_encounter", "encounter", answers="pdf"),
    Route("billing:encounter-receipt", "GET", "billing.view_charge", "signed_encounter",
          answers="pdf"),
    Route("api:encounter-list", "GET", "billing.view_encounter"),
    Route("api:encounter-detail", "GET", "billing.view_encounter", "encounter"),
    Route("api:encounter-superbill", "PUT", "billing.change_encounter", "encounter",
          body=lambda w: {"diagnoses": ["E11.9", "I10"], "lines": [{"code": "99213"}]}),
    Route("api:encounter-sign", "POST", "billing.sign_encounter", "encounter"),
    Route("api:encounter-amend", "POST", "billing.amend_encounter", "signed_encounter",
          body=lambda w: {"reason": "Level of service", "diagnoses": ["E11.9"],
                          "lines": [{"code": "99214"}]}),
    Route("api:encounter-charge-list", "GET", "billing.view_charge", "signed_encounter"),
    Route("api:charge-list", "GET", "billing.view_charge"),
    # The billers' work on claims after they go out (tests/billing/test_claim_work.py).
    Route("billing:claim-work-home", "GET", "billing.view_claim_queues", phi=False, ok=302),
    Route("billing:claim-queue", "GET", "billing.view_claim_queues",
          kwargs=(("queue", "denials"),)),
    Route("billing:claim-work", "GET", "billing.view_claim_queues", "work_claim"),
    Route("billing:claim-note", "POST", "billing.work_claim", "work_claim",
          body=lambda w: {"text": "Called the payer"}, ok=302),
    Route("billing:claim-assign", "POST", "billing.work_claim", "work_claim",
          body=lambda w: {"follow_up_on": "2026-12-01"}, ok=302),
    Route("billing:claim-close", "POST", "billing.work_claim", "work_claim",
          body=lambda w: {"reason": "written off"}, ok=302),
    Route("billing:claim-status-request", "POST", "billing.work_claim", "work_claim", ok=302),
    Route("billing:appeal-start", "POST", "billing.add_appeal", "work_claim", ok=302),
    Route("billing:claim-cms1500-pdf", "GET", "billing.print_claim", "work_claim", answers="pdf"),
    Route("billing:paper-claims", "GET", "billing.print_claim", phi=False, ok=302),
    Route("billing:paper-claims-mailed", "POST", "billing.print_claim", phi=False, ok=302),
    Route("billing:appeal-detail", "GET", "billing.view_appeal", "appeal"),
    Route("billing:appeal-letter-pdf", "GET", "billing.view_appeal", "appeal", answers="pdf"),
    Route("billing:appeal-update", "POST", "billing.change_appeal", "appeal",
          kwargs=(("step", "edit"),), ok=302,
          body=lambda w: {"subject": "Appeal", "body": "Please pay.", "enclosures": ""}),
    Route("api:claim-queue", "GET", "billing.view_claim_queues", kwargs=(("queue", "denials"),)),
    Route("api:claim-work", "GET", "billing.view_claim_queues", "work_claim"),
    Route("api:claim-note", "POST", "billing.work_claim", "work_claim", ok=201,
          body=lambda w: {"text": "Called the payer"}),
    Route("api:claim-status-request", "POST", "billing.work_claim", "work_claim", ok=409),
    Route("api:claim-appeal-create", "POST", "billing.add_appeal", "work_claim", ok=201),
    Route("api:appeal-detail", "GET", "billing.view_appeal", "appeal"),
    Route("api:code-explain", "GET", AUTHENTICATED, phi=False,
          query=lambda w: "adjustment=CO-16&remark=M76"),
    # Claims and the clearinghouse exchange. Sending and checking for answers work on many
    # patients at once: audited per batch and per file (and per claim in ClaimEvent), not per
    # patient; batches and files list no patient.
    Route("billing:claim-list", "GET", "billing.view_claim"),
    Route("billing:claim-detail", "GET", "billing.view_claim", "claim"),
    Route("billing:claim-resend", "POST", "billing.send_claimbatch", "claim", ok=302),
    Route("billing:claim-correct", "POST", "billing.correct_claim", "claim", ok=302,
          body=lambda w: {"frequency": "7", "reason": "Wrong units"}),
    Route("billing:claims-send", "POST", "billing.send_claimbatch", ok=302, phi=False),
    Route("billing:responses-check", "POST", "billing.send_claimbatch", ok=302, phi=False),
    Route("billing:batch-list", "GET", "billing.view_claimbatch", phi=False),
    Route("billing:exchange-file", "GET", "billing.view_claimbatch", "exchange_file", phi=False,
          answers="file"),
    Route("api:claim-list", "GET", "billing.view_claim"),
    Route("api:claim-detail", "GET", "billing.view_claim", "claim"),
    Route("api:claim-resend", "POST", "billing.send_claimbatch", "claim", ok=409),
    Route("api:claim-correct", "POST", "billing.correct_claim", "claim", ok=201,
          body=lambda w: {"frequency": "8", "reason": "Billed in error"}),
    Route("api:claims-send", "POST", "billing.send_claimbatch", phi=False),
    Route("api:claims-responses", "POST", "billing.send_claimbatch", phi=False),
    Route("api:batch-list", "GET", "billing.view_claimbatch", phi=False),
    # Eligibility (270/271): front desk, billers, office manager
    Route("eligibility:check-list", "GET", "eligibility.view_eligibilitycheck"),
    Route("eligibility:check-detail", "GET", "eligibility.view_eligibilitycheck",
          "eligibility_check"),
    Route("eligibility:coverage-checks", "GET", "eligibility.view_eligibilitycheck", "coverage"),
    Route("eligibility:coverage-check-run", "POST", "eligibility.run_eligibilitycheck",
          "coverage", body=lambda w: {"service_date": "2026-03-02"}, ok=302),
    Route("eligibility:appointment-check-run", "POST", "eligibility.run_eligibilitycheck",
          "appointment", ok=302),
    Route("api:eligibility-check-list", "GET", "eligibility.view_eligibilitycheck"),
    Route("api:eligibility-check-list", "POST", "eligibility.run_eligibilitycheck",
          body=lambda w: {"coverage": str(w.coverage.public_id), "service_date": "2026-03-02"},
          ok=201),
    Route("api:eligibility-check-detail", "GET", "eligibility.view_eligibilitycheck",
          "eligibility_check"),
    # The chart (clinical): minimum necessary by role, notes locked on signing
    Route("clinical:chart", "GET", "clinical.view_problem", "patient"),
    Route("clinical:problem-add", "POST", "clinical.change_problem", "patient",
          body=lambda w: {"code": "I10", "status": "active"}, ok=302),
    Route("clinical:entry-add", "GET", "clinical.change_chart", "patient"),
    Route("clinical:entry-add", "POST", "clinical.change_chart", "patient",
          body=lambda w: {"allergy-substance": "Latex", "allergy-severity": "mild"}, ok=302),
    Route("clinical:note-new", "POST", "clinical.change_note", "patient", ok=302),
    Route("clinical:result-list", "GET", "clinical.view_chart", "patient"),
    Route("clinical:amendment-add", "POST", "clinical.change_amendmentrequest", "patient",
          body=lambda w: {"received_on": office_today().isoformat(),
                          "requested_change": "Wrong date of birth in the note"}, ok=302),
    Route("clinical:dictation-upload", "POST", "clinical.add_dictation", "patient",
          body=_dictation_file, ok=302),
    Route("clinical:break-glass", "GET", "clinical.break_glass", "patient"),
    Route("clinical:break-glass", "POST", "clinical.break_glass", "patient",
          body=lambda w: {"reason": "Collapsed in the waiting room"}, ok=302),
    Route("clinical:note-detail", "GET", "clinical.view_note", "note"),
    Route("clinical:note-save", "POST", "clinical.change_note", "draft_note",
          body=lambda w: dict(_NOTE_FORM), ok=302),
    Route("clinical:note-sign", "POST", "clinical.sign_note", "draft_note", ok=302),
    Route("clinical:note-addendum", "POST", "clinical.sign_note", "note",
          body=lambda w: {"text": "Result reviewed with the patient."}, ok=302),
    Route("clinical:result-review", "POST", "clinical.review_result", "result",
          body=lambda w: {"comment": "Discussed"}, ok=302),
    # The day of the world's booked visit, so the list has our patient on it.
    Route("clinical:previsit", "GET", "clinical.view_previsit",
          query=lambda w: "day=" + w.appointment.starts_at.astimezone(
              w.appointment.location.zone).date().isoformat()),  # fmt: skip
    Route("clinical:amendment-list", "GET", "clinical.view_amendmentrequest"),
    Route("clinical:amendment-decide", "POST", "clinical.change_amendmentrequest", "amendment",
          body=lambda w: {"decision": "extend", "text": "Records are at the old office"},
          ok=302),
    Route("clinical:dictation-queue", "GET", "clinical.view_note"),
    Route("clinical:term-suggest", "GET", "clinical.transcribe_dictation", phi=False,
          query=lambda w: "q=hyper", answers="json"),
    Route("clinical:dictation-detail", "GET", "clinical.view_note", "dictation"),
    Route("clinical:dictation-audio", "GET", "clinical.view_note", "dictation", answers="audio"),
    Route("clinical:dictation-transcribe", "POST", "clinical.transcribe_dictation", "dictation",
          body=lambda w: {"transcript": "S: Cough for a week."}, ok=302),
    Route("clinical:dictation-sign", "POST", "clinical.sign_note", "transcribed_dictation",
          ok=302),
    Route("clinical:emergency-review", "GET", "clinical.review_emergencyaccess"),
    Route("clinical:emergency-reviewed", "POST", "clinical.review_emergencyaccess",
          "emergency_grant", body=lambda w: {"comment": "Confirmed with the ER"}, ok=302),
    Route("api:chart-summary", "GET", "clinical.view_problem", "patient"),
    Route("api:problem-list", "GET", "clinical.view_problem", "patient"),
    Route("api:problem-list", "POST", "clinical.change_problem", "patient",
          body=lambda w: {"code": "E11.9"}, ok=201),
    Route("api:result-list", "GET", "clinical.view_chart", "patient"),
    Route("api:result-list", "POST", "clinical.add_result", "patient", body=_api_result, ok=201),
    Route("api:result-review", "POST", "clinical.review_result", "result"),
    Route("api:note-list", "GET", "clinical.view_note", "patient"),
    Route("api:note-list", "POST", "clinical.change_note", "patient",
          body=lambda w: {"assessment": "Sprain", "plan": "Rest"}, ok=201),
    Route("api:note-detail", "GET", "clinical.view_note", "note"),
    Route("api:note-detail", "PATCH", "clinical.change_note", "draft_note",
          body=lambda w: {"plan": "Labs in 6 weeks"}),
    Route("api:note-sign", "POST", "clinical.sign_note", "draft_note"),
    Route("api:note-addendum", "POST", "clinical.sign_note", "note",
          body=lambda w: {"text": "Patient called: better."}, ok=201),
    # Records: documents, communications log, release of information, transfers, referrals
    Route("records:document-list", "GET", "records.view_document", "patient"),
    Route("records:document-add", "POST", "records.add_document", "patient",
          body=_document_form, ok=302),
    Route("records:document-detail", "GET", "records.view_document", "document"),
    Route("records:document-file", "GET", "records.view_document", "document", answers="pdf"),
    # FHIR reads of the clinical and financial types (the rest: tests/interop/fhir/).
    Route("fhir:Encounter-instance", "GET", "billing.view_encounter", "encounter",
          answers="json"),
    Route("fhir:Claim-instance", "GET", "billing.view_claim", "claim", answers="json"),
    Route("fhir:DocumentReference-instance", "GET", "records.view_document", "document",
          answers="json"),
    # The document's file for FHIR clients (interop/fhir/binary.py): raw without FHIR Accept.
    Route("fhir:Binary-instance", "GET", "records.view_document", "document", answers="pdf"),
    Route("fhir:ServiceRequest-instance", "GET", "records.view_referral", "referral",
          answers="json"),
    Route("records:communication-list", "GET", "records.view_communication", "patient"),
    Route("records:communication-add", "POST", "records.add_communication", "patient",
          body=_log_form, ok=302),
    Route("records:communication-send", "POST", "records.add_communication", "patient",
          body=_send_form, ok=302),
    Route("records:communication-answer", "POST", "records.answer_communication",
          "communication", body=lambda w: {"answer": "Stop them; come in tomorrow."}, ok=302),
    Route("records:communication-done", "POST", "records.change_communication",
          "communication", ok=302),
    Route("records:inbox", "GET", "records.view_communication"),
    Route("records:roi-queue", "GET", "records.view_roirequest"),
    Route("records:release-list", "GET", "records.view_roirequest", "patient"),
    Route("records:roi-add", "GET", "records.add_roirequest", "patient"),
    Route("records:roi-add", "POST", "records.add_roirequest", "patient", body=_roi_form,
          ok=302),
    Route("records:disclosure-add", "POST", "records.release_roirequest", "patient",
          body=_disclosure_form, ok=302),
    Route("records:accounting-pdf", "GET", "records.view_disclosure", "patient", answers="pdf"),
    Route("records:transfer-out", "POST", "records.add_recordtransfer", "patient",
          body=_transfer_out_form, ok=302),
    Route("records:transfer-in", "POST", "records.add_recordtransfer", "patient",
          body=_transfer_in_form, ok=302),
    Route("records:transfer-send", "POST", "records.change_recordtransfer", "transfer", ok=302),
    Route("records:transfer-packet-pdf", "GET", "records.view_recordtransfer", "transfer",
          answers="pdf"),
    Route("records:transfer-bundle", "GET", "patients.export_patient", "transfer", answers="json"),
    Route("records:roi-detail", "GET", "records.view_roirequest", "roi_request"),
    Route("records:roi-identity", "POST", "records.change_roirequest", "roi_request",
          body=_identity_form, ok=302),
    Route("records:roi-authorization", "POST", "records.change_roirequest", "roi_request",
          body=_authorization_form, ok=302),
    Route("records:roi-extend", "POST", "records.change_roirequest", "roi_request",
          body=_extend_form, ok=302),
    Route("records:roi-close", "POST", "records.change_roirequest", "roi_request",
          body=lambda w: {"status": "denied", "reason": "Not our patient's records"}, ok=302),
    Route("records:roi-prepare", "POST", "records.change_roirequest", "roi_request", ok=302),
    Route("records:roi-packet-pdf", "GET", "records.view_roirequest", "roi_request", answers="pdf"),
    Route("records:roi-release", "POST", "records.release_roirequest", "roi_request", ok=302),
    Route("records:referral-list", "GET", "records.view_referral", "patient"),
    Route("records:referral-add", "POST", "records.add_referral", "patient",
          body=_referral_form, ok=302),
    Route("records:referral-detail", "GET", "records.view_referral", "referral"),
    Route("records:referral-send", "POST", "records.change_referral", "draft_referral", ok=302),
    Route("records:referral-schedule", "POST", "records.change_referral", "referral_in",
          body=lambda w: {"scheduled_for": "2026-12-01T09:00"}, ok=302),
    Route("records:referral-consult", "POST", "records.change_referral", "referral",
          body=lambda w: {"file": _scan("consult.pdf"), "document_date": "2026-01-10"}, ok=302),
    Route("records:referral-status", "POST", "records.change_referral", "referral_in",
          body=lambda w: {"status": "cancelled"}, ok=302),
    Route("records:referral-letter-pdf", "GET", "records.view_referral", "referral", answers="pdf"),
    Route("api:patient-document-list", "GET", "records.view_document", "patient"),
    Route("api:patient-document-list", "POST", "records.add_document", "patient",
          body=_document_form, ok=201, multipart=True),
    Route("api:document-detail", "GET", "records.view_document", "document"),
    Route("api:document-file", "GET", "records.view_document", "document"),
    Route("api:patient-communication-list", "GET", "records.view_communication", "patient"),
    Route("api:patient-communication-list", "POST", "records.add_communication", "patient",
          body=_log_form, ok=201),
    Route("api:communication-answer", "POST", "records.answer_communication", "communication",
          body=lambda w: {"answer": "Stop them; come in tomorrow."}),
    Route("api:patient-roi-list", "GET", "records.view_roirequest", "patient"),
    Route("api:patient-roi-list", "POST", "records.add_roirequest", "patient", body=_roi_form,
          ok=201),
    Route("api:roi-detail", "GET", "records.view_roirequest", "roi_request"),
    Route("api:roi-identity", "POST", "records.change_roirequest", "roi_request",
          body=lambda w: {"method": "photo_id", "detail": "IL licence", "passed": True}, ok=201),
    Route("api:roi-prepare", "POST", "records.change_roirequest", "roi_request"),
    Route("api:roi-release", "POST", "records.release_roirequest", "roi_request", ok=201),
    Route("api:patient-disclosure-list", "GET", "records.view_disclosure", "patient"),
    Route("api:patient-referral-list", "GET", "records.view_referral", "patient"),
    Route("api:patient-referral-list", "POST", "records.add_referral", "patient",
          body=lambda w: {"direction": "out", "other_name": "Dr. Rivera",
                          "reason": "Knee pain", "diagnoses": ["M25.561"]}, ok=201),
    Route("api:referral-detail", "GET", "records.view_referral", "referral"),
    Route("api:referral-status", "POST", "records.change_referral", "referral_in",
          body=lambda w: {"status": "cancelled"}),
    Route("api:patient-fhir-export", "GET", "patients.export_patient", "patient"),
    # The supply closet, purchasing and the equipment register: no patient data.
    Route("inventory:stock-list", "GET", "inventory.view_item", phi=False),
    Route("inventory:item-detail", "GET", "inventory.view_item", "item", phi=False),
    Route("inventory:item-move", "POST", "inventory.add_stockmovement", "item", phi=False,
          body=lambda w: {"action": "adjust", "location": w.appointment.location_id,
                          "quantity": "3", "reason": "count"}, ok=302),
    Route("inventory:reorder", "GET", "inventory.add_purchaseorder", phi=False),
    Route("inventory:reorder", "POST", "inventory.add_purchaseorder", phi=False, ok=302),
    Route("inventory:order-list", "GET", "inventory.view_purchaseorder", phi=False),
    Route("inventory:order-detail", "GET", "inventory.view_purchaseorder", "sent_order",
          phi=False),
    Route("inventory:order-submit", "POST", "inventory.add_purchaseorder", "draft_order",
          phi=False, ok=302),
    Route("inventory:order-approve", "POST", "inventory.approve_purchaseorder",
          "awaiting_order", phi=False, ok=302),
    Route("inventory:order-send", "POST", "inventory.change_purchaseorder", "approved_order",
          phi=False, ok=302),
    Route("inventory:order-receive", "POST", "inventory.receive_purchaseorder", "sent_order",
          phi=False, ok=302, body=lambda w: {
              f"line_{w.sent_order.lines.get().id}_0": w.sent_order.lines.get().id,
              f"qty_{w.sent_order.lines.get().id}_0": "4"}),
    Route("inventory:order-close", "POST", "inventory.change_purchaseorder", "received_order",
          phi=False, ok=302),
    Route("inventory:order-pdf", "GET", "inventory.view_purchaseorder", "sent_order",
          phi=False, answers="pdf"),
    Route("inventory:equipment-list", "GET", "inventory.view_equipmentrecord", phi=False),
    Route("inventory:equipment-detail", "GET", "inventory.view_equipmentrecord",
          "equipment_record", phi=False),
    Route("inventory:equipment-upkeep", "POST", "inventory.change_equipmentrecord",
          "equipment_record", phi=False, ok=302,
          body=lambda w: {"plan": w.equipment_record.plans.get().pk, "done_on": "2026-01-10"}),
    Route("inventory:equipment-document-add", "POST", "inventory.change_equipmentrecord",
          "equipment_record", phi=False, ok=302,
          body=_equipment_document),
    Route("inventory:equipment-document", "GET", "inventory.view_equipmentrecord",
          "equipment_document", phi=False, answers="file"),
    Route("inventory:equipment-ticket", "POST", "inventory.add_serviceticket",
          "equipment_record", phi=False, ok=302, body=lambda w: {"problem": "Cable frayed"}),
    Route("inventory:ticket-move", "POST", "inventory.change_serviceticket", "ticket",
          phi=False, ok=302, body=lambda w: {"status": "called"}),
    Route("inventory:count-start", "POST", "inventory.add_cyclecount", phi=False, ok=302,
          body=lambda w: {"location": w.appointment.location_id}),
    Route("inventory:count-detail", "GET", "inventory.add_cyclecount", "cycle_count",
          phi=False),
    Route("inventory:vendor-list", "GET", "inventory.view_vendor", phi=False),
    Route("inventory:vendor-add", "POST", "inventory.add_vendor", phi=False, ok=302,
          body=lambda w: {"name": "Lakeside Biomedical", "services": "Calibration"}),
    Route("inventory:vendor-detail", "GET", "inventory.view_vendor", "vendor", phi=False),
    Route("inventory:vendor-price", "POST", "inventory.add_vendorprice", "vendor", phi=False,
          ok=302, body=lambda w: {"item": w.item.public_id, "unit_price": "7.95",
                                  "effective_on": "2026-02-01", "vendor_sku": "RS-1"}),
    # HL7 v2 interfaces: the message log and the review queue of held inbound messages.
    Route("interop:message-log", "GET", "interop.view_interfacemessage"),
    Route("interop:inbound-detail", "GET", "interop.view_interfacemessage", "inbound_message"),
    Route("interop:review-queue", "GET", "interop.review_inboundmessage"),
    Route("interop:review-detail", "GET", "interop.review_inboundmessage", "inbound_message"),
    Route("interop:inbound-match", "POST", "interop.review_inboundmessage", "inbound_message",
          body=lambda w: {"mrn": w.patient.mrn}, ok=302),
    Route("interop:inbound-dismiss", "POST", "interop.review_inboundmessage", "inbound_message",
          body=lambda w: {"reason": "Not one of our patients"}, ok=302),
    Route("worklist:task-list", "GET", AUTHENTICATED, phi=False),
    Route("reports:dashboard", "GET", "reports.view_dashboard", phi=False),
    Route("reports:figure", "GET", "reports.view_dashboard", phi=False,
          query=lambda w: "key=appointments"),
    Route("reports:journal", "GET", "reports.export_journal", phi=False,
          query=lambda w: "period=2026-01"),
    Route("api:item-list", "GET", "inventory.view_item", phi=False),
    Route("api:item-stock", "GET", "inventory.view_item", "item", phi=False),
    Route("api:item-movements", "POST", "inventory.add_stockmovement", "item", phi=False,
          ok=201, body=lambda w: {"action": "adjust", "quantity": 2, "reason": "count",
                                  "location": str(w.appointment.location.public_id)}),
    Route("api:order-list", "GET", "inventory.view_purchaseorder", phi=False),
    Route("api:order-list", "POST", "inventory.add_purchaseorder", phi=False, ok=201,
          body=lambda w: {"vendor": str(w.draft_order.vendor.public_id),
                          "location": str(w.appointment.location.public_id),
                          "lines": [{"item": str(w.item.public_id), "quantity": 5}]}),
    Route("api:order-detail", "GET", "inventory.view_purchaseorder", "sent_order", phi=False),
    Route("api:order-receive", "POST", "inventory.receive_purchaseorder", "sent_order",
          phi=False, body=lambda w: {"receipts": [
              {"line": w.sent_order.lines.get().id, "quantity": 3}]}),
    Route("api:order-approve", "POST", "inventory.approve_purchaseorder", "awaiting_order",
          phi=False),
    Route("api:equipment-list", "GET", "inventory.view_equipmentrecord", phi=False),
    Route("api:task-list", "GET", AUTHENTICATED, phi=False),
    # The privacy officer's program: no chart data, but every change audited.
    Route("privacy:home", "GET", "privacy.view_riskassessment", phi=False),
    Route("privacy:assessment-list", "GET", "privacy.view_riskassessment", phi=False),
    Route("privacy:assessment-start", "POST", "privacy.add_riskassessment", phi=False, ok=302,
          body=lambda w: {"year": "2031"}),
    Route("privacy:assessment-detail", "GET", "privacy.view_riskassessment", "risk_assessment",
          phi=False),
    Route("privacy:assessment-complete", "POST", "privacy.change_riskassessment",
          "risk_assessment", phi=False, ok=302),
    Route("privacy:answer-edit", "GET", "privacy.change_riskassessment", "risk_answer",
          phi=False),
    Route("privacy:answer-edit", "POST", "privacy.change_riskassessment", "risk_answer",
          phi=False, ok=302, body=lambda w: {"status": "in_place"}),
    Route("privacy:incident-list", "GET", "privacy.view_securityincident", phi=False),
    Route("privacy:incident-add", "GET", "privacy.add_securityincident", phi=False),
    Route("privacy:incident-add", "POST", "privacy.add_securityincident", phi=False, ok=302,
          body=lambda w: {"title": "Phishing e-mail", "description": "Clicked a link",
                          "discovered_at": "2026-03-02T09:30"}),
    Route("privacy:incident-detail", "GET", "privacy.view_securityincident", "incident",
          phi=False),
    Route("privacy:incident-edit", "GET", "privacy.change_securityincident", "incident",
          phi=False),
    Route("privacy:incident-edit", "POST", "privacy.change_securityincident", "incident",
          phi=False, ok=302,
          body=lambda w: {"title": "Lost laptop", "description": "Left on a train",
                          "discovered_at": "2026-03-02T09:30"}),
    Route("privacy:incident-scope", "POST", "privacy.change_securityincident", "incident",
          phi=False, ok=302),
    Route("privacy:incident-assess", "POST", "privacy.change_securityincident", "incident",
          phi=False, ok=302, body=lambda w: {"decision": "pending"}),
    Route("privacy:incident-notices", "POST", "privacy.change_securityincident", "incident",
          phi=False, ok=302, body=lambda w: {"individuals_notified_on": "2026-03-20"}),
    Route("privacy:incident-letters", "GET", "privacy.view_securityincident", "incident",
          phi=False, answers="pdf"),
    Route("privacy:incident-export", "GET", "privacy.view_securityincident", "incident",
          phi=False, answers="csv"),
    Route("privacy:workforce", "GET", "privacy.view_trainingrecord", phi=False),
    Route("privacy:training-add", "POST", "privacy.add_trainingrecord", phi=False, ok=302,
          body=lambda w: {"user": w.privacy_staff.pk, "course": "HIPAA security 2026",
                          "completed_on": "2026-01-10", "valid_until": "2027-01-10"}),
    Route("privacy:policy-add", "POST", "privacy.add_privacypolicy", phi=False, ok=302,
          body=lambda w: {"title": "Acceptable use", "version": "2",
                          "effective_on": "2026-06-01"}),
    Route("privacy:my-policies", "GET", AUTHENTICATED, phi=False),
    Route("privacy:policy-ack", "POST", AUTHENTICATED, "policy", phi=False, ok=302),
    Route("privacy:baa-list", "GET", "privacy.view_businessassociate", phi=False),
    Route("privacy:baa-add", "GET", "privacy.add_businessassociate", phi=False),
    Route("privacy:baa-add", "POST", "privacy.add_businessassociate", phi=False, ok=302,
          body=lambda w: {"vendor": "Cloud Fax", "services": "Fax", "phi_shared": "Faxes"}),
    Route("privacy:baa-edit", "GET", "privacy.change_businessassociate", "business_associate",
          phi=False),
    Route("privacy:baa-edit", "POST", "privacy.change_businessassociate",
          "business_associate", phi=False, ok=302,
          body=lambda w: {"vendor": "Shred Co", "services": "Shredding",
                          "phi_shared": "Paper records", "signed_on": "2026-01-01",
                          "expires_on": "2029-01-01"}),
    # ERA posting and the suspense queue (payments). The ERA screens show names as the
    # payer sent them: audited as reads of the ERA file, not of one patient.
    Route("payments:era-list", "GET", "payments.view_ledger", phi=False),
    Route("payments:era-upload", "POST", "payments.import_era", phi=False, ok=302,
          body=lambda w: {"file": _era_upload("ROUTE-UPLOAD")}),
    Route("payments:era-detail", "GET", "payments.view_ledger", "era_file", phi=False),
    # Imports from other systems: the runs, a FHIR Bundle upload, one run's report. The
    # reports name no patient (source ids and our MRNs): audited as reads of the run.
    Route("imports:run-list", "GET", "imports.import_records", phi=False),
    Route("imports:fhir-upload", "POST", "imports.import_records", phi=False, ok=302,
          body=lambda w: {"file": _fhir_upload(), "source": "route-test"}),
    Route("imports:run-detail", "GET", "imports.import_records", "import_run", phi=False),
    Route("imports:fhir-decision", "POST", "imports.import_records", "import_run", phi=False,
          ok=302, body=lambda w: {"source_id": "0b3e6f0a-1111-4c1e-9c1e-000000000001",
                                  "new": "on"}),
    Route("imports:csv-upload", "POST", "imports.import_records", phi=False, ok=302,
          body=lambda w: {"file": _csv_upload()}),
    Route("imports:csv-map", "GET", "imports.import_records", "csv_run", phi=False),
    Route("imports:csv-map", "POST", "imports.import_records", "csv_run", phi=False, ok=302,
          body=lambda w: _csv_columns()),
    Route("imports:csv-commit", "POST", "imports.import_records", "csv_run", phi=False, ok=302),
    Route("accounts:receipt-pdf", "GET", "accounts.view_accounts", "desk_payment", answers="pdf"),
    # The world's patient has no consent to e-mail: refused with the reason (422).
    Route("accounts:receipt-send", "POST", "accounts.collect_payment", "desk_payment", ok=422),
    Route("accounts:statement-pdf", "GET", "accounts.view_accounts", "statement", answers="pdf"),
    # Patient accounts (accounts): the account page, desk payments, plans, refunds. The day's
    # close and the statement run are the practice's (no one patient): audited, not PHI here.
    Route("accounts:patient-account", "GET", "accounts.view_accounts", "patient"),
    Route("accounts:payment-take", "GET", "accounts.collect_payment", "patient"),
    Route("accounts:payment-take", "POST", "accounts.collect_payment", "patient", ok=302,
          body=lambda w: {"amount": "10", "method": "cash",
                          "location": w.appointment.location.pk}),
    Route("accounts:plan-create", "POST", "accounts.manage_plans", "patient", ok=302,
          body=lambda w: _plan_body()),
    Route("accounts:plan-cancel", "POST", "accounts.manage_plans", "plan", ok=302),
    Route("accounts:refund-request", "POST", "accounts.request_refund", "patient", ok=302,
          body=lambda w: {**_payer_refund_body(w), "payer": w.payer.public_id}),
    Route("accounts:refund-list", "GET", "accounts.request_refund"),
    Route("accounts:refund-decide", "POST", "accounts.approve_refund", "refund_request", ok=302,
          body=lambda w: {"decision": "approve", "reference": "R-1"}),
    Route("accounts:day-close", "GET", "accounts.close_day", phi=False),
    Route("accounts:day-close", "POST", "accounts.close_day", phi=False, ok=302,
          body=lambda w: {"location": w.appointment.location.pk, "day": "2026-03-03",
                          "cash": "10", "check": "", "card": "0"}),
    Route("accounts:day-close-detail", "GET", "accounts.close_day", "day_close", phi=False),
    Route("accounts:deposit-slip-pdf", "GET", "accounts.close_day", "day_close", phi=False,
          answers="pdf"),
    Route("accounts:statement-run", "GET", "accounts.run_statements", phi=False),
    Route("accounts:statement-run-send", "POST", "accounts.run_statements", phi=False, ok=302,
          body=lambda w: {"cycle": ""}),
    Route("api:patient-account", "GET", "accounts.view_accounts", "patient"),
    Route("api:patient-payment-list", "POST", "accounts.collect_payment", "patient", ok=201,
          body=lambda w: {"amount": "10", "method": "cash",
                          "location": str(w.appointment.location.public_id)}),
    Route("api:patient-statement-list", "GET", "accounts.view_accounts", "patient"),
    Route("api:patient-plan-list", "GET", "accounts.view_accounts", "patient"),
    Route("api:patient-plan-list", "POST", "accounts.manage_plans", "patient", ok=201,
          body=lambda w: {**_plan_body(), "count": 2}),
    Route("api:patient-refund-list", "GET", "accounts.view_accounts", "patient"),
    Route("api:patient-refund-list", "POST", "accounts.request_refund", "patient", ok=201,
          body=lambda w: {**_payer_refund_body(w), "payer": w.payer.payer_id}),
    Route("api:refund-decision", "POST", "accounts.approve_refund", "refund_request",
          body=lambda w: {"decision": "approve", "reference": "R-2"}),
    Route("api:statement-run", "POST", "accounts.run_statements", phi=False,
          body=lambda w: {"dry_run": True}),
    Route("payments:suspense-list", "GET", "payments.work_suspense", phi=False),
    Route("payments:suspense-match", "POST", "payments.work_suspense", "suspense_item",
          phi=False, ok=302, body=lambda w: {"claim": w.claim.patient_control_number,
                                             "line": 1}),
    Route("payments:suspense-close", "POST", "payments.work_suspense", "suspense_item",
          phi=False, ok=302, body=lambda w: {"note": "not ours: returned to the payer"}),
    Route("api:era-list", "GET", "payments.view_ledger", phi=False),
    Route("api:era-list", "POST", "payments.import_era", phi=False, ok=201, multipart=True,
          body=lambda w: {"file": _era_upload("ROUTE-API-UPLOAD")}),
    Route("api:era-detail", "GET", "payments.view_ledger", "era_file", phi=False),
    Route("api:patient-ledger", "GET", "payments.view_ledger", "patient"),
    Route("api:suspense-list", "GET", "payments.work_suspense", phi=False),
    Route("api:suspense-match", "POST", "payments.work_suspense", "suspense_item", phi=False,
          body=lambda w: {"claim": w.claim.patient_control_number, "line": 1}),
)  # fmt: skip


def _plan_body() -> dict:
    return {"total": "50.00", "frequency": "monthly", "first_due": "2026-12-01", "count": "2"}


def _payer_refund_body(world) -> dict:
    """$5 of the $10 the payer overpaid on the world's credit line, by check."""
    return {"amount": "5", "method": "check", "reason": "payer overpaid",
            "line": str(world.credit_line.public_id)}  # fmt: skip


def _era_upload(trace: str):
    """An 835 (a claim we never sent, so its line goes to suspense) as an upload."""
    from decimal import Decimal
    from types import SimpleNamespace

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.payments.conftest import claim_payment, era_bytes, service

    line = SimpleNamespace(code="99214", amount=Decimal("180.00"), modifier_list=[], units=1,
                           date_of_service=date(2026, 1, 6), control_number="")  # fmt: skip
    data = era_bytes([claim_payment(None, [service(line, "100.00", ("CO", "45", "80.00"))])],
                     trace=trace)  # fmt: skip
    return SimpleUploadedFile(f"{trace}.835", data, content_type="application/edi-x12")


# Public routes that authenticate their caller themselves (a gateway's signature or shared
# secret, never a staff session): with no credential every caller, signed in or not, gets
# 403 problem JSON and nothing changes. Their own tests (tests/messaging) cover the rest.
WEBHOOKS: tuple[Route, ...] = (
    Route("messaging:sms-inbound", "POST", PUBLIC, phi=False, ok=403,
          body=lambda w: {"From": "+12175550142", "Body": "C", "MessageSid": "SMroute"}),
)  # fmt: skip


# --- FHIR (interop/fhir/): every type's search, POST _search, read and vread ---


def _fhir_row_id(world, kind: str) -> str:
    """The id of one of the world's rows of FHIR type `kind` (any UUID for the policy walk)."""
    import uuid

    if getattr(world, "paths_only", False):
        return str(uuid.uuid4())
    appointment = world.appointment
    if kind in ("Practitioner", "PractitionerRole"):
        return str(appointment.provider.public_id)
    if kind == "Location":
        return str(appointment.location.public_id)
    if kind == "Organization":
        return str(world.payer.public_id)
    if kind == "Schedule":
        from medoffice.interop.fhir.resources.schedule import schedule_id

        return schedule_id(appointment.provider, appointment.location)
    if kind == "Slot":
        return _fhir_slot(world).id
    return str({"Patient": world.patient, "Coverage": world.coverage,
                "Appointment": appointment}[kind].public_id)  # fmt: skip


def _fhir_slot(world):
    from medoffice.interop.fhir.resources.schedule import ProviderSchedule, schedule_id
    from medoffice.interop.fhir.resources.slot import FoundSlot
    from medoffice.scheduling.selectors import Preferences, find_slots

    appointment = world.appointment
    kind = appointment.appointment_type
    provider, location = appointment.provider, appointment.location
    slot = find_slots(appointment_type=kind, limit=1,
                      prefs=Preferences(provider_ids=(provider.pk,)))[0]  # fmt: skip
    schedule = ProviderSchedule(schedule_id(provider, location), provider, location)
    return FoundSlot(schedule, kind, slot.starts_at, slot.ends_at)


def _fhir_version(world, kind: str) -> dict:
    from medoffice.interop.fhir import registry

    resource_id = _fhir_row_id(world, kind)
    if getattr(world, "paths_only", False):
        return {"public_id": resource_id, "version": "1"}
    rt = registry.get(kind)
    row = _fhir_row(world, kind)
    return {"public_id": resource_id, "version": rt.version_of(row, rt.to_resource(row))}


def _fhir_row(world, kind: str):
    from medoffice.core.models import Location, Provider
    from medoffice.interop.fhir.resources.schedule import ProviderSchedule, schedule_id

    appointment = world.appointment
    if kind in ("Practitioner", "PractitionerRole"):
        return Provider.objects.select_related("practice").get(pk=appointment.provider_id)
    if kind == "Location":
        return Location.objects.select_related("practice").get(pk=appointment.location_id)
    if kind == "Schedule":
        provider, location = appointment.provider, appointment.location
        return ProviderSchedule(schedule_id(provider, location), provider, location)
    if kind == "Slot":  # as the API reads it back: free or not, by asking the finder
        from datetime import timedelta

        from medoffice.interop.fhir.resources.slot import FoundSlot, _still_free

        found = _fhir_slot(world)
        kind, starts = found.appointment_type, found.starts_at
        return FoundSlot(found.schedule, kind, starts,
                         starts + timedelta(minutes=kind.duration_minutes),
                         free=_still_free(found.schedule, kind, starts))  # fmt: skip
    return {"Patient": world.patient, "Coverage": world.coverage, "Organization": world.payer,
            "Appointment": appointment}[kind]  # fmt: skip


def _fhir_patient_update(world) -> dict:
    from medoffice.interop.fhir import registry

    resource = registry.get("Patient").to_resource(world.patient)
    resource["name"][0]["given"] = ["Jack"]
    return resource


def _fhir_coverage(world, **changes) -> dict:
    from medoffice.interop.fhir import registry

    resource = registry.get("Coverage").to_resource(world.coverage)
    return resource | changes


def _fhir_booking(world) -> dict:
    slot = _fhir_slot(world)
    return {
        "resourceType": "Appointment", "status": "booked",
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "participant": [{"actor": {"reference": f"Patient/{world.duplicate.public_id}"},
                         "status": "accepted"}],
    }  # fmt: skip


def _fhir_cancel(world) -> dict:
    from medoffice.interop.fhir import registry

    resource = registry.get("Appointment").to_resource(world.appointment)
    return resource | {"status": "cancelled", "cancelationReason": {"text": "patient called"}}


FHIR_NEW_PATIENT = {
    "resourceType": "Patient",
    "name": [{"use": "official", "family": "Newcomb", "given": ["Nora"]}],
    "gender": "female", "birthDate": "1979-08-09",
    "address": [{"use": "home", "line": ["7 Birch St"], "city": "Springfield", "state": "IL",
                 "postalCode": "62704"}],
}  # fmt: skip
FHIR_READ = {
    "Patient": "patients.view_patient", "Coverage": "patients.view_coverage",
    "Appointment": "scheduling.view_appointment", "Slot": "scheduling.add_appointment",
    "Practitioner": AUTHENTICATED, "PractitionerRole": AUTHENTICATED,
    "Organization": AUTHENTICATED, "Location": AUTHENTICATED, "Schedule": AUTHENTICATED,
}  # fmt: skip
FHIR_PHI = frozenset({"Patient", "Coverage", "Appointment"})


def _fhir_reads(kind: str) -> tuple[Route, ...]:
    permission, phi = FHIR_READ[kind], kind in FHIR_PHI
    return (
        Route(f"fhir:{kind}-type", "GET", permission, phi=phi, answers="json"),
        Route(f"fhir:{kind}-search", "POST", permission, phi=phi, answers="json"),
        Route(f"fhir:{kind}-instance", "GET", permission, phi=phi, answers="json",
              path_args=lambda w: {"public_id": _fhir_row_id(w, kind)}),
        Route(f"fhir:{kind}-vread", "GET", permission, phi=phi, answers="json",
              path_args=lambda w: _fhir_version(w, kind)),
    )  # fmt: skip


FHIR_ROUTES: tuple[Route, ...] = (
    Route("fhir:metadata", "GET", PUBLIC, phi=False, answers="json"),
    *(route for kind in FHIR_READ for route in _fhir_reads(kind)),
    Route("fhir:Patient-type", "POST", "patients.add_patient", ok=201, answers="json",
          body=lambda w: dict(FHIR_NEW_PATIENT)),
    Route("fhir:Patient-instance", "PUT", "patients.change_patient", answers="json",
          path_args=lambda w: {"public_id": _fhir_row_id(w, "Patient")},
          body=_fhir_patient_update),
    Route("fhir:Appointment-type", "POST", "scheduling.add_appointment", ok=201,
          answers="json", body=_fhir_booking),
    Route("fhir:Coverage-type", "POST", "patients.add_coverage", ok=201, answers="json",
          body=lambda w: {k: v for k, v in _fhir_coverage(w, order=3).items() if k != "id"}),
    Route("fhir:Coverage-instance", "PUT", "patients.change_coverage", answers="json",
          path_args=lambda w: {"public_id": _fhir_row_id(w, "Coverage")},
          body=lambda w: _fhir_coverage(w, period={"start": "2020-01-01"})),
    Route("fhir:Appointment-instance", "PUT", "scheduling.change_appointment", answers="json",
          path_args=lambda w: {"public_id": _fhir_row_id(w, "Appointment")},
          body=_fhir_cancel),
)  # fmt: skip
# The metadata is public: it is walked with the webhooks' kind of public routes.
ROUTES = ROUTES + tuple(r for r in FHIR_ROUTES if r.permission != PUBLIC)
# SMART on FHIR (interop/smart, docs/fhir.md): the OAuth 2.0 endpoints, the discovery
# documents and the FHIR routes SMART adds. They authenticate their callers themselves (an
# OAuth client, a bearer token; the approval page a signed-in user): `ok` is what an
# anonymous caller gets, and tests/interop/smart drives them with real apps and tokens.
_NO_SUCH = (("public_id", "00000000-0000-4000-8000-000000000000"),)
SMART: tuple[Route, ...] = (
    Route("oauth2_provider:authorize", "GET", AUTHENTICATED, phi=False, ok=302),
    Route("oauth2_provider:token", "POST", PUBLIC, phi=False, ok=400, answers="json"),
    Route("oauth2_provider:revoke-token", "POST", PUBLIC, phi=False, ok=400, answers="json"),
    Route("oauth2_provider:introspect", "POST", PUBLIC, phi=False, ok=403),
    Route("oauth2_provider:oidc-connect-discovery-info", "GET", PUBLIC, phi=False,
          answers="json"),
    Route("oauth2_provider:jwks-info", "GET", PUBLIC, phi=False, answers="json"),
    Route("oauth2_provider:user-info", "GET", PUBLIC, phi=False, ok=401, answers="json"),
    Route("smart-configuration", "GET", PUBLIC, phi=False, answers="json"),
    Route("smart:fhir-smart-configuration", "GET", PUBLIC, phi=False, answers="json"),
    Route("smart:export", "GET", PUBLIC, ok=401, answers="json"),
    Route("smart:export-patients", "GET", PUBLIC, ok=401, answers="json"),
    Route("smart:export-group", "GET", PUBLIC, ok=401, answers="json",
          kwargs=(("group_id", "00000000-0000-4000-8000-000000000000"),)),
    Route("smart:export-status", "GET", PUBLIC, ok=401, answers="json", kwargs=_NO_SUCH),
    Route("smart:export-status", "DELETE", PUBLIC, ok=401, answers="json", kwargs=_NO_SUCH),
    Route("smart:export-file", "GET", PUBLIC, ok=401, answers="json", kwargs=_NO_SUCH),
    # Group (a provider's panel), a FHIR API type (interop/fhir/resources/group.py).
    Route("fhir:Group-type", "GET", "patients.view_patient", ok=401, answers="json"),
    Route("fhir:Group-search", "POST", "patients.view_patient", ok=401, answers="json"),
    Route("fhir:Group-instance", "GET", "patients.view_patient", ok=401, answers="json",
          kwargs=_NO_SUCH),
    Route("fhir:Group-vread", "GET", "patients.view_patient", ok=401, answers="json",
          kwargs=(*_NO_SUCH, ("version", "1"))),
)  # fmt: skip

DETAIL_ROUTES = tuple(r for r in ROUTES if r.target is not None)
PHI_READS = tuple(r for r in ROUTES if r.phi and (r.method == "GET" or "search" in r.name))
