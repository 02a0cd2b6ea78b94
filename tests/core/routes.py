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

    @property
    def api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"

    def url(self, world, *, other: bool = False) -> str:
        if self.target is None:
            with_query = self.query and not getattr(world, "paths_only", False)
            return reverse(self.name) + (f"?{self.query(world)}" if with_query else "")
        obj = getattr(world, f"other_{self.target}" if other else self.target)
        kwargs = {"public_id": obj.public_id}
        if self.name == "patients:coverage-card":
            kwargs["side"] = "front"
        return reverse(self.name, kwargs=kwargs)

    def call(self, client, world, *, other: bool = False, **extra):
        url = self.url(world, other=other)
        data = self.body(world) if self.body else None
        if self.method == "GET":
            return client.get(url, **extra)
        if self.api:
            method = getattr(client, self.method.lower())
            return method(url, data=data or {}, content_type="application/json", **extra)
        return client.post(url, data=data or {}, **extra)


def body_of(response) -> str:
    """The response text, also for streamed answers (CSV, card images)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def _patient_edit(world) -> dict:
    return form_data(world.patient, PATIENT_FORM_FIELDS, preferred_name="Jack")


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
    return {"kind": "treatment", "signed_on": timezone.localdate().isoformat()}


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


ROUTES: tuple[Route, ...] = (
    # Web UI
    Route("patients:patient-search", "GET", "patients.view_patient", phi=False),
    Route("patients:patient-search", "POST", "patients.view_patient",
          body=lambda w: {"q": "Smith"}),
    Route("patients:patient-register", "GET", "patients.add_patient", phi=False),
    Route("patients:patient-register", "POST", "patients.add_patient",
          body=lambda w: dict(NEW_PATIENT), ok=302),
    Route("patients:patient-detail", "GET", "patients.view_patient", "patient"),
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
    Route("patients:coverage-card", "GET", "patients.view_coverage", "coverage"),
    Route("core:home", "GET", AUTHENTICATED, phi=False),
    Route("core:audit-list", "GET", "core.view_auditevent", phi=False),
    Route("core:audit-export", "GET", "core.export_auditevent", phi=False),
    # REST API
    Route("api:patient-list", "POST", "patients.add_patient", body=lambda w: dict(NEW_PATIENT),
          ok=201),
    Route("api:patient-search", "POST", "patients.view_patient", body=lambda w: {"q": "Smith"}),
    Route("api:patient-detail", "GET", "patients.view_patient", "patient"),
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
          "outside_document"),
    # Messages to patients
    Route("messaging:message-list", "GET", "messaging.view_message", "patient"),
    # Billing: encounters (diagnoses: never the front desk's), charges, the coder's queue
    Route("billing:encounter-list", "GET", "billing.view_encounter"),
    Route("billing:queue", "GET", "billing.view_coding_queue"),
    Route("billing:code-search", "GET", "billing.change_encounter", phi=False,
          query=_code_query),
    Route("billing:encounter-detail", "GET", "billing.view_encounter", "encounter"),
    Route("billing:encounter-save", "POST", "billing.change_encounter", "encounter",
          body=_superbill_form, ok=302),
    Route("billing:encounter-sign", "POST", "billing.sign_encounter", "encounter", ok=302),
    Route("billing:encounter-amend", "POST", "billing.amend_encounter", "signed_encounter",
          body=_correction_form, ok=302),
    Route("billing:encounter-pdf", "GET", "billing.view_encounter", "encounter"),
    Route("billing:encounter-receipt", "GET", "billing.view_charge", "signed_encounter"),
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
          phi=False),
    Route("inventory:equipment-list", "GET", "inventory.view_equipmentrecord", phi=False),
    Route("inventory:equipment-detail", "GET", "inventory.view_equipmentrecord",
          "equipment_record", phi=False),
    Route("inventory:equipment-upkeep", "POST", "inventory.change_equipmentrecord",
          "equipment_record", phi=False, ok=302,
          body=lambda w: {"plan": w.equipment_record.plans.get().pk, "done_on": "2026-01-10"}),
    Route("inventory:equipment-ticket", "POST", "inventory.add_serviceticket",
          "equipment_record", phi=False, ok=302, body=lambda w: {"problem": "Cable frayed"}),
    Route("inventory:ticket-move", "POST", "inventory.change_serviceticket", "ticket",
          phi=False, ok=302, body=lambda w: {"status": "called"}),
    Route("inventory:count-start", "POST", "inventory.add_cyclecount", phi=False, ok=302,
          body=lambda w: {"location": w.appointment.location_id}),
    Route("inventory:count-detail", "GET", "inventory.add_cyclecount", "cycle_count",
          phi=False),
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
)  # fmt: skip

# Public routes that authenticate their caller themselves (a gateway's signature or shared
# secret, never a staff session): with no credential every caller, signed in or not, gets
# 403 problem JSON and nothing changes. Their own tests (tests/messaging) cover the rest.
WEBHOOKS: tuple[Route, ...] = (
    Route("messaging:sms-inbound", "POST", PUBLIC, phi=False, ok=403,
          body=lambda w: {"From": "+12175550142", "Body": "C", "MessageSid": "SMroute"}),
)  # fmt: skip

DETAIL_ROUTES = tuple(r for r in ROUTES if r.target is not None)
PHI_READS = tuple(r for r in ROUTES if r.phi and (r.method == "GET" or "search" in r.name))
