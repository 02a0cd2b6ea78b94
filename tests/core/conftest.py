"""Fixtures for the core security tests: a small world of our patients and another practice's."""

import contextlib
import importlib
import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.client import ClientHandler
from django.utils import timezone

from medoffice.billing import services as billing_services
from medoffice.billing.models import Appeal, Encounter
from medoffice.billing.rules import LineInput
from medoffice.coding.models import (
    CodeSetRelease,
    FeeSchedule,
    FeeScheduleEntry,
    Icd10Code,
    ProcedureCode,
)
from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Location, Provider
from medoffice.core.testing import force_login_verified
from medoffice.eligibility import services as eligibility_services
from medoffice.eligibility.models import EligibilityCheck
from medoffice.patients import services as patient_services
from medoffice.patients.models import Consent, Coverage, Patient, Payer
from medoffice.scheduling import services as scheduling_services
from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    OutsideAppointment,
    OutsideDocument,
    TemplateBlock,
    WaitlistEntry,
)
from medoffice.scheduling.outside import outside_document_add, outside_visit_add
from medoffice.scheduling.waitlist import waitlist_add
from tests.clock import office_today
from tests.conftest import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

_triggers = importlib.import_module("medoffice.core.migrations.0006_audit_retention_checkpoint")
_truncate = importlib.import_module("medoffice.core.migrations.0003_audit_no_truncate")


@contextlib.contextmanager
def audit_triggers_dropped():
    """Drop the append-only triggers (the statements of migrations 0006 and 0003), then restore."""
    vendor = connection.vendor
    drop = {
        "sqlite": _triggers.SQLITE_REVERSE,
        "postgresql": _truncate.POSTGRES_REVERSE
        + _triggers.POSTGRES_TRUNCATE_REVERSE
        + _triggers.POSTGRES_REVERSE,
    }[vendor]
    create = {
        "sqlite": _triggers.SQLITE,
        "postgresql": _triggers.POSTGRES + _triggers.POSTGRES_TRUNCATE + _truncate.POSTGRES,
    }[vendor]
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in create:
                cursor.execute(statement)


_handler: ClientHandler | None = None


def new_client(*, enforce_csrf_checks: bool = False) -> Client:
    """A test client sharing one loaded middleware chain with the others.

    Each Client otherwise loads the middleware again on its first request, and
    WhiteNoise scans every static file then: most of the cost of a small test.
    """
    global _handler
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    if not enforce_csrf_checks:
        if _handler is None:
            _handler = ClientHandler(enforce_csrf_checks=False)
        client.handler = _handler
    return client


@pytest.fixture
def client_for():
    """client_for(user) -> a client signed in as `user` (as the root fixture, but faster)."""

    def make(user) -> Client:
        client = new_client()
        force_login_verified(client, user)
        return client

    return make


@dataclass
class World:
    payer: Payer
    patient: Patient
    duplicate: Patient
    coverage: Coverage
    consent: Consent
    appointment: Appointment
    todays_appointment: Appointment
    outside_visit: OutsideAppointment
    outside_document: OutsideDocument
    waitlist_entry: WaitlistEntry
    other_patient: Patient | None = None
    other_coverage: Coverage | None = None
    other_consent: Consent | None = None
    other_appointment: Appointment | None = None
    other_todays_appointment: Appointment | None = None
    other_outside_visit: OutsideAppointment | None = None
    other_outside_document: OutsideDocument | None = None
    other_waitlist_entry: WaitlistEntry | None = None
    encounter: Encounter | None = None  # open, with a superbill
    signed_encounter: Encounter | None = None
    other_encounter: Encounter | None = None
    other_signed_encounter: Encounter | None = None
    work_claim: object = None  # a denied claim (CO-50) in the billers' queues
    appeal: object = None  # a draft appeal of another denied claim
    other_work_claim: object = None
    other_appeal: object = None
    claim: object = None  # the signed encounter's claim, accepted by the clearinghouse
    other_claim: object = None
    exchange_file: object = None  # a file received from the clearinghouse
    other_exchange_file: object = None
    eligibility_check: EligibilityCheck | None = None  # answered (simulated payer)
    other_eligibility_check: EligibilityCheck | None = None
    # The chart (tests/clinical/factories.py chart_records)
    note: object = None
    draft_note: object = None
    result: object = None
    dictation: object = None
    transcribed_dictation: object = None
    amendment: object = None
    emergency_grant: object = None
    other_note: object = None
    other_draft_note: object = None
    other_result: object = None
    other_dictation: object = None
    other_transcribed_dictation: object = None
    other_amendment: object = None
    other_emergency_grant: object = None
    # Records: an administrative document, a clinical question with a follow-up, an
    # attorney's request ready to release, a prepared transfer, referrals (sent, draft, in).
    document: Any = None
    communication: Any = None
    roi_request: Any = None
    transfer: Any = None
    referral: Any = None
    draft_referral: Any = None
    referral_in: Any = None
    other_document: Any = None
    other_communication: Any = None
    other_roi_request: Any = None
    other_transfer: Any = None
    other_referral: Any = None
    other_draft_referral: Any = None
    other_referral_in: Any = None
    # The supply closet and the equipment register (no PHI): see _closet.
    item: object = None
    draft_order: object = None
    awaiting_order: object = None
    approved_order: object = None
    sent_order: object = None
    received_order: object = None
    equipment_record: object = None
    equipment_document: object = None
    ticket: object = None
    cycle_count: object = None
    vendor: object = None
    other_item: object = None
    other_draft_order: object = None
    other_awaiting_order: object = None
    other_approved_order: object = None
    other_sent_order: object = None
    other_received_order: object = None
    other_equipment_record: object = None
    other_equipment_document: object = None
    other_ticket: object = None
    other_cycle_count: object = None
    other_vendor: object = None
    # ERA posting (payments): an imported 835 whose unknown claim waits in suspense.
    era_file: object = None
    suspense_item: object = None
    other_era_file: object = None
    other_suspense_item: object = None
    # Imports: a run of an (empty) FHIR collection Bundle, with its report.
    import_run: object = None
    other_import_run: object = None
    csv_run: object = None  # a CSV dry run with its mapping, ready to commit
    other_csv_run: object = None
    # Patient accounts (_account_papers): a desk payment (its receipt), a statement as sent,
    # a payer's refund waiting for approval, a closed drawer, a payment plan; the line the
    # payer overpaid.
    desk_payment: object = None
    statement: object = None
    refund_request: object = None
    day_close: object = None
    plan: object = None
    credit_line: object = None
    other_desk_payment: object = None
    other_statement: object = None
    other_refund_request: object = None
    other_day_close: object = None
    other_plan: object = None
    other_credit_line: object = None
    # HL7 v2 interfaces: a lab result received for nobody we know, held for review.
    inbound_message: object = None
    other_inbound_message: object = None


def _coverage(patient, payer, member_id: str) -> Coverage:
    return patient_services.coverage_add(
        patient=patient,
        fields={
            "payer": payer,
            "member_id": member_id,
            "order": 1,
            "relationship": "18",
            "effective_start": date(2023, 1, 1),
        },
        cards={"card_front": SimpleUploadedFile("front.png", PNG, content_type="image/png")},
    )


def _consent(patient) -> Consent:
    return patient_services.consent_record(
        patient=patient, kind="treatment", signed_on=date(2024, 1, 1)
    )


def visit_time(hours: int = 0) -> datetime:
    """Two days ahead on the hour (plus `hours`): a valid, future, 5-minute-aligned start."""
    soon = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    return soon + timedelta(hours=hours)


def _appointment(patient, provider, location) -> Appointment:
    visit, created = AppointmentType.objects.get_or_create(
        practice=location.practice, name="Office visit", defaults={"duration_minutes": 30}
    )
    if created:  # open every day, so the booking screen always has a time to offer
        for weekday in range(7):
            TemplateBlock.objects.create(
                provider=provider, location=location, weekday=weekday,
                start_time=time(7, 0), end_time=time(19, 0),
            )  # fmt: skip
    return scheduling_services.appointment_book(
        patient=patient, appointment_type=visit, provider=provider, location=location,
        starts_at=visit_time(), override=True,
    )  # fmt: skip


def _todays_appointment(patient, provider, location) -> Appointment:
    """A visit that started in the current 5 minutes, so it can be checked in or missed.

    Written directly: the booking service (rightly) refuses a time already begun.
    """
    now = timezone.now()
    starts_at = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    visit = AppointmentType.objects.get(practice=location.practice, name="Office visit")
    return Appointment.objects.create(
        patient=patient, appointment_type=visit, provider=provider, location=location,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30),
    )  # fmt: skip


def _outside(patient) -> tuple[OutsideAppointment, OutsideDocument]:
    visit = outside_visit_add(
        patient=patient,
        fields={"kind": "imaging", "service": "MRI left knee", "facility": "Valley Imaging"},
    )
    order = SimpleUploadedFile("order.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    order = SimpleUploadedFile("order.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    document = outside_document_add(visit=visit, title="Order", upload=order)
    return visit, document


def _waitlist_entry(patient, location) -> WaitlistEntry:
    visit = AppointmentType.objects.get(practice=location.practice, name="Office visit")
    return waitlist_add(patient=patient, fields={"appointment_type": visit})


def _code_sets() -> None:
    """A few real ICD-10-CM codes and placeholder CPT codes, once per test database."""
    icd, _ = CodeSetRelease.objects.get_or_create(
        system="icd10cm", version="2026", defaults={"effective_from": date(2020, 1, 1)}
    )
    for code, text in (
        ("E119", "Type 2 diabetes mellitus without complications"),
        ("I10", "Essential (primary) hypertension"),
    ):
        Icd10Code.objects.get_or_create(
            release=icd, code=code, defaults={"description": text, "billable": True}
        )
    cpt, _ = CodeSetRelease.objects.get_or_create(
        system="cpt", version="2026", defaults={"effective_from": date(2020, 1, 1)}
    )
    for code in ("99213", "99214"):
        ProcedureCode.objects.get_or_create(
            release=cpt, code=code, defaults={"description": f"Placeholder {code}"}
        )


def _encounters(patient, provider, location) -> tuple[Encounter, Encounter]:
    """An open encounter with a superbill, and a signed one (with its charge)."""
    _code_sets()
    schedule, _ = FeeSchedule.objects.get_or_create(
        practice=location.practice, payer=None, name="Charges",
        defaults={"effective_from": date(2020, 1, 1)},
    )  # fmt: skip
    for code, amount in (("99213", "125.00"), ("99214", "185.00")):
        FeeScheduleEntry.objects.get_or_create(schedule=schedule, code=code, amount=amount)
    day = timezone.now().astimezone(ZoneInfo(location.time_zone)).date()
    made = []
    for _ in range(2):
        encounter = billing_services.encounter_open(
            patient=patient, provider=provider, location=location, date_of_service=day
        )
        made.append(
            billing_services.superbill_save(
                encounter=encounter, diagnoses=["E11.9"], lines=[LineInput("99213")]
            )
        )
    billing_services.encounter_sign(encounter=made[1], signed_by=None)
    return made[0], made[1]


def _claim_work(patient, provider, location):
    """A denied claim (CO-50), and another denied claim with a draft appeal."""
    from tests.billing.claimwork import claim_for, deny

    _, first = _encounters(patient, provider, location)
    claim = claim_for(first, "denied")
    deny(claim, ("CO", "50", "125.00"))
    _, second = _encounters(patient, provider, location)
    appealed = claim_for(second, "denied")
    deny(appealed, ("CO", "97", "125.00"))
    appeal = Appeal.objects.create(
        claim=appealed, template="bundling", subject="Appeal", body="Please pay.",
        amount_disputed="125.00", created_by=_any_user(location.practice),
        created_at=timezone.now(), updated_at=timezone.now(),
    )  # fmt: skip
    return claim, appeal


def _any_user(practice):
    from medoffice.core.services import staff_user_create

    return staff_user_create(
        username=f"appeal-author-{practice.pk}", password="not-used-here-1234", role="biller",
        practice=practice,
    )  # fmt: skip


def _claim_and_file(practice):
    """The signed encounter's claim, as if sent and accepted by the clearinghouse (so it can
    be replaced or voided), and a received file on record."""
    from medoffice.billing import claims as claim_services
    from medoffice.billing.models import Claim, ExchangeFile

    [claim_id] = claim_services.claims_build(practice_id=practice.id)
    for before, after in (("draft", "scrubbed"), ("scrubbed", "queued"), ("queued", "sent"),
                          ("sent", "accepted_ch")):  # fmt: skip
        claim_services.claims_move([(claim_id, before)], after)
    Claim.objects.filter(pk=claim_id).update(payer_claim_number="PAYER-1")
    record = ExchangeFile.objects.create(
        practice=practice, direction="received", name="answer.999", sha256=f"{claim_id:064d}",
        size=0, transaction="999", status="processed", at=timezone.now(),
    )  # fmt: skip
    return Claim.objects.get(pk=claim_id), record


def _eligibility_check(coverage) -> EligibilityCheck:
    return eligibility_services.check_run(coverage=coverage, service_date=office_today())


def _chart(world, patient, provider, user, *, prefix: str = "") -> None:
    from tests.clinical.factories import chart_records

    for name, record in chart_records(patient, provider, user).items():
        setattr(world, f"{prefix}{name}", record)


def _records(world: World, patient, provider, *, prefix: str = "") -> None:
    """Records of `patient` made through the services, set on world as <prefix><name>."""
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    from medoffice.records import services as records

    buffer = BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "Letter")
    canvas.save()
    pdf = buffer.getvalue()

    def scan(name="letter.pdf"):
        return SimpleUploadedFile(name, pdf, content_type="application/pdf")

    made = {"document": records.document_file(
        patient=patient, upload=scan(), category="correspondence", title="Letter from school",
        document_date=date(2025, 5, 6),
    )}  # fmt: skip
    from medoffice.core.services import staff_user_create

    owner = staff_user_create(
        username=f"{prefix}ma-owner{patient.pk}", password=PASSWORD, role="medical_assistant",
        practice=patient.practice,
    )  # fmt: skip
    made["communication"] = records.communication_log(patient=patient, fields={
        "channel": "phone", "direction": "in", "party": "Patient", "topic": "clinical",
        "subject": "Dizzy on new pills", "summary": "Asks whether to keep taking them.",
        "routed_to": provider, "follow_up": "Call back with the answer",
        "follow_up_owner": owner, "follow_up_due": date(2026, 12, 1),
    })  # fmt: skip
    roi = records.roi_request_create(patient=patient, fields={
        "requester_kind": "attorney", "requester_name": "Dana Brooks", "purpose": "Claim",
        "basis": "authorization", "sections": ["demographics"], "delivery_method": "mail",
    })  # fmt: skip
    records.roi_identity_check(request=roi, method="bar_number", detail="ARDC", passed=True)
    records.roi_authorization_attach(
        request=roi, upload=scan("auth.pdf"), signed_on=date(2026, 1, 2),
        expires_on=date(2099, 1, 1),
    )  # fmt: skip
    made["roi_request"] = records.roi_prepare_packet(request=roi)
    made["transfer"] = records.transfer_out_prepare(patient=patient, fields={
        "party_name": "Lakeside Family Practice", "reason": "Patient moved",
        "sections": ["demographics"], "delivery_method": "mail",
    })  # fmt: skip
    referral_fields = {"other_name": "Dr. Rivera", "reason": "Knee pain", "diagnoses": ["M25.561"]}
    sent = records.referral_create(patient=patient, direction="out", fields=referral_fields)
    made["referral"] = records.referral_send(referral=sent)
    made["draft_referral"] = records.referral_create(
        patient=patient, direction="out", fields=referral_fields
    )
    made["referral_in"] = records.referral_create(patient=patient, direction="in", fields={
        "other_name": "Dr. Hale", "other_npi": npi_from_stem("155555555"), "reason": "Asthma",
    })  # fmt: skip
    for name, obj in made.items():
        setattr(world, f"{prefix}{name}", obj)


def _privacy(world, practice, staff_user, *, prefix: str = "") -> None:
    """A risk assessment (and one of its answers), an incident, a policy and a business
    associate of `practice`, for the privacy officer's routes."""
    from medoffice.privacy import services as privacy
    from medoffice.privacy.models import BusinessAssociate

    assessment = privacy.assessment_start(practice=practice, user=staff_user, year=2026)
    made = {
        "risk_assessment": assessment,
        "risk_answer": assessment.answers.get(question_key="training"),
        "incident": privacy.incident_report(
            practice=practice, user=staff_user, title="Lost laptop",
            description="Left on a train", discovered_at=timezone.now(),
            subject_user=staff_user, window_start=timezone.now() - timedelta(days=2),
            window_end=timezone.now(),
        ),
        "policy": privacy.policy_add(
            practice=practice, title="Acceptable use", version="1", effective_on=date(2026, 1, 1)
        ),
        "privacy_staff": staff_user,
    }  # fmt: skip
    ba = BusinessAssociate(practice=practice, vendor="Shred Co", services="Shredding",
                           phi_shared="Paper records")  # fmt: skip
    made["business_associate"] = privacy.baa_save(ba=ba)
    for name, obj in made.items():
        setattr(world, f"{prefix}{name}", obj)


CLOSET = ("item", "draft_order", "awaiting_order", "approved_order", "sent_order",
          "received_order", "equipment_record", "equipment_document", "ticket", "cycle_count",
          "vendor")  # fmt: skip


def _closet(location) -> dict:
    """An item, an order in each status, a registered ECG with a calibration plan and a
    repair ticket, and a cycle count, at `location`."""
    from medoffice.inventory.models import (
        EquipmentRecord,
        Item,
        MaintenancePlan,
        PurchaseOrder,
        ServiceTicket,
        Vendor,
    )  # fmt: skip
    from medoffice.inventory.services import count_start, order_create
    from medoffice.scheduling.models import Equipment

    practice = location.practice
    vendor = Vendor.objects.create(practice=practice, name="Route Supply",
                                   email="orders@route.example")  # fmt: skip
    item = Item.objects.create(practice=practice, name="Gauze 4x4", sku="GZ44",
                               category="supply", par_level=20, reorder_point=5,
                               preferred_vendor=vendor)  # fmt: skip
    orders = {}
    for status in ("draft", "awaiting", "approved", "sent", "received"):
        order = order_create(practice=practice, vendor=vendor, location=location, by=None,
                             lines=[(item, 10, "1.00")])  # fmt: skip
        PurchaseOrder.objects.filter(pk=order.pk).update(status=status)
        order.refresh_from_db()
        orders[f"{status}_order"] = order
    ecg = Equipment.objects.create(location=location, name=f"ECG {practice.pk}", kind="ECG")
    record = EquipmentRecord.objects.create(equipment=ecg, asset_tag=f"EQ-{practice.pk}")
    MaintenancePlan.objects.create(record=record, kind="calibration", interval_days=365,
                                   last_done_on=date(2026, 1, 5), blocks_booking=False)  # fmt: skip
    ticket = ServiceTicket.objects.create(record=record, problem="Screen flickers",
                                          reported_at=timezone.now())  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    from medoffice.inventory.services import equipment_document_add

    document = equipment_document_add(
        record=record, kind="certificate", title="Calibration 2026", by=None,
        upload=SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n% calibration certificate\n"),
    )  # fmt: skip
    return {"item": item, "vendor": vendor, **orders, "equipment_record": record, "ticket": ticket,
            "equipment_document": document,
            "cycle_count": count_start(location=location, by=None)}  # fmt: skip


def _account_papers(patient, location, coverage) -> dict:
    """The patient's account: a self-pay visit still owed ($150, $20 of it paid in cash at
    the desk: its receipt), an insured line the payer overpaid by $10 (`credit_line`), a
    statement as sent, a refund of $5 of that overpayment waiting for an office manager,
    a drawer closed at the desk; and an active payment plan of another patient."""
    from django.utils import timezone

    from medoffice.accounts.models import DayClose, PaymentPlan, RefundRequest, Statement
    from medoffice.accounts.services import desk_payment_take
    from medoffice.core.services import staff_user_create
    from medoffice.payments import ledger
    from tests.accounts.conftest import visit_charges

    practice = location.practice
    provider = Provider.objects.filter(practice=practice).order_by("id").first()
    visit_charges(patient, date(2026, 1, 5), [("99213", "150.00")], provider=provider,
                  location=location)  # fmt: skip
    payment = desk_payment_take(
        patient=patient, amount="20", method="cash", location=location, by=None
    )
    (credit_line,) = visit_charges(
        patient, date(2026, 1, 6), [("99214", "100.00")], provider=provider,
        location=location, coverage=coverage,
    )  # fmt: skip
    paid = ledger.receive_payment(
        practice=practice, kind="insurance", amount="110", method="check",
        reference="CHK-ROUTE", payer=coverage.payer,
    )  # fmt: skip
    ledger.apply_payment(paid, allocations=[(credit_line, "110")], allow_credit=True)
    statement = Statement.objects.create(
        account=payment.account,
        statement_date=date(2026, 3, 2),
        due_date=date(2026, 3, 27),
        amount_due="20.00",
        pdf=b"%PDF-1.4 statement",
        created_at=timezone.now(),
    )
    asker = staff_user_create(username=f"refund-asker-{practice.pk}", password=PASSWORD,
                              role="biller", practice=practice)  # fmt: skip
    refund = RefundRequest.objects.create(
        account=payment.account, amount="5.00", method="check", reason="payer overpaid",
        payer=coverage.payer, charge=credit_line, requested_by=asker,
        requested_at=timezone.now(),
    )  # fmt: skip
    close = DayClose.objects.create(
        location=location, user=asker, day=date(2026, 3, 2), posted={"cash": "20.00"},
        counted={"cash": "15.00"}, differences=["Cash: counted $15.00, posted $20.00"],
        payment_count=1, closed_at=timezone.now(),
    )  # fmt: skip
    planner = patient_services.patient_register(
        practice=practice,
        fields={"first_name": "Paula", "last_name": f"Planner{practice.pk}",
                "dob": date(1975, 5, 5), "sex_at_birth": "F", "address1": "3 Elm St",
                "city": "Springfield", "state": "IL", "zip_code": "62704"},
        confirm_not_duplicate=True,
    )  # fmt: skip
    plan = PaymentPlan.objects.create(
        account=ledger.account_for(planner), total="60.00", frequency="monthly",
        first_due=date(2026, 4, 1), count=3, starts_at=timezone.now(),
    )  # fmt: skip
    return {"desk_payment": payment, "statement": statement, "refund_request": refund,
            "day_close": close, "plan": plan, "credit_line": credit_line}  # fmt: skip


# A collection Bundle of one Patient much like the world's John Smith (born 1980-04-01):
# a probable match only, so it is held for review (the decision route decides it).
HELD_BUNDLE = (
    b'{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:'
    b'0b3e6f0a-1111-4c1e-9c1e-000000000001", "resource": {"resourceType": "Patient", "id": '
    b'"0b3e6f0a-1111-4c1e-9c1e-000000000001", "name": [{"family": "Smith", "given": ["Jon"]}],'
    b' "gender": "male", "birthDate": "1980-04-01", "address": [{"line": ["12 Oak St"], '
    b'"city": "Springfield", "state": "IL", "postalCode": "62704"}]}}]}'
)


def _import_run(practice):
    from medoffice.imports.fhir import fhir_import

    return fhir_import(HELD_BUNDLE, practice=practice, name="held.json")


CSV_EXPORT = (
    b"Account,First Name,Last Name,DOB,Sex,Address,City,State,Zip\r\n"
    b"R-1,Route,Walker,1960-02-03,F,1 Main St,Springfield,IL,62701\r\n"
)


def _csv_run(practice):
    from medoffice.imports.csv_import import auto_match, csv_dry_run, mapping_save, read_csv

    mapping = mapping_save(
        practice=practice, name="route", columns=auto_match(read_csv(CSV_EXPORT)[0])
    )
    return csv_dry_run(CSV_EXPORT, practice=practice, mapping=mapping, name="route.csv")


def _remittance(practice, trace: str) -> dict:
    """An 835 posted for `practice` paying a claim we never sent: its line is in suspense."""
    from decimal import Decimal
    from types import SimpleNamespace

    from medoffice.payments.era import era_import
    from medoffice.payments.models import SuspenseItem
    from tests.payments.conftest import claim_payment, era_bytes, service

    line = SimpleNamespace(code="99213", amount=Decimal("125.00"), modifier_list=[], units=1,
                           date_of_service=date(2026, 1, 5), control_number="")  # fmt: skip
    data = era_bytes(
        [claim_payment(None, [service(line, "90.00", ("CO", "45", "35.00"))])], trace=trace
    )
    result = era_import(data, practice=practice, name=f"{trace}.835")
    assert result.status == "posted", result.message
    item = SuspenseItem.objects.get(era_claim__era_payment__era_file=result.era_file)
    return {"era_file": result.era_file, "suspense_item": item}


def build_world(make_patient, payer, provider, location, make_user) -> World:
    """Our patient with primary coverage (card image attached), a signed consent and a booked
    visit, and a second record to merge."""
    patient = make_patient()
    duplicate = make_patient(first_name="Jon", last_name="Smyth", mobile_phone="(217) 555-0177")
    outside_visit, outside_document = _outside(patient)
    world = World(
        payer=payer,
        patient=patient,
        duplicate=duplicate,
        coverage=_coverage(patient, payer, "W11111111"),
        consent=_consent(patient),
        appointment=_appointment(patient, provider, location),
        todays_appointment=_todays_appointment(patient, provider, location),
        outside_visit=outside_visit,
        outside_document=outside_document,
        waitlist_entry=_waitlist_entry(duplicate, location),
    )
    # Opened after the coverage is on file, so they carry it.
    world.encounter, world.signed_encounter = _encounters(patient, provider, location)
    world.claim, world.exchange_file = _claim_and_file(location.practice)
    world.work_claim, world.appeal = _claim_work(patient, provider, location)
    world.eligibility_check = _eligibility_check(world.coverage)
    doctor = make_user("clinician", username="world_doctor")
    _chart(world, patient, provider, doctor)
    _records(world, patient, provider)
    _privacy(world, location.practice, doctor)
    for name, value in _closet(location).items():
        setattr(world, name, value)
    world.import_run = _import_run(location.practice)
    world.csv_run = _csv_run(location.practice)
    for name, value in _remittance(location.practice, "ROUTE-ERA").items():
        setattr(world, name, value)
    for name, value in _account_papers(patient, location, world.coverage).items():
        setattr(world, name, value)
    world.inbound_message = _held_result(location.practice, patient)
    return world


def _held_result(practice, patient):
    """An ORU^R01 stored by the listener and held for review, linked to `patient` (as a
    reviewer's candidate) so the audit rows of its routes name a patient."""
    import hashlib
    from pathlib import Path

    from django.utils import timezone

    from medoffice.interop.models import InboundMessage, InboundStatus

    raw = (Path(__file__).parents[1] / "interop" / "inbound" / "oru_r01.hl7").read_bytes()
    return InboundMessage.objects.create(
        practice=practice, received_at=timezone.now(), peer="127.0.0.1:40000",
        sending_application="LABSYS", sending_facility="QUESTLAB", message_type="ORU",
        trigger="R01", control_id="ORU-0001", text=raw.decode(),
        digest=hashlib.sha256(raw).hexdigest(), size=len(raw), status=InboundStatus.REVIEW,
        errors="unknown patient: no record with L555 (QUESTLAB)", ack_code="AE", patient=patient,
    )  # fmt: skip


def add_outsider(world, make_patient, other_practice, make_user) -> World:
    """`world`, plus a patient and coverage of another practice."""
    world.other_patient = make_patient(
        practice_=other_practice, first_name="Olga", last_name="Ivanova"
    )
    world.other_coverage = _coverage(world.other_patient, world.payer, "W99999999")
    world.other_consent = _consent(world.other_patient)
    place = Location.objects.create(
        practice=other_practice, name="Elsewhere", address1="1 Far Rd", city="Peoria",
        state="IL", zip_code="61602", time_zone="America/Chicago",
    )  # fmt: skip
    doctor = Provider.objects.create(
        practice=other_practice, first_name="Ola", last_name="Far", specialty="Family medicine",
        npi=npi_from_stem("176543210"),
    )  # fmt: skip
    world.other_appointment = _appointment(world.other_patient, doctor, place)
    world.other_todays_appointment = _todays_appointment(world.other_patient, doctor, place)
    world.other_outside_visit, world.other_outside_document = _outside(world.other_patient)
    world.other_waitlist_entry = _waitlist_entry(world.other_patient, place)
    world.other_encounter, world.other_signed_encounter = _encounters(
        world.other_patient, doctor, place
    )
    world.other_claim, world.other_exchange_file = _claim_and_file(other_practice)
    world.other_work_claim, world.other_appeal = _claim_work(world.other_patient, doctor, place)
    other_practice.group_npi = npi_from_stem("165432107")  # the payer asks for it
    other_practice.save(update_fields=["group_npi"])
    world.other_eligibility_check = _eligibility_check(world.other_coverage)
    far_doctor = make_user("clinician", practice_=other_practice, username="far_doctor")
    _chart(world, world.other_patient, doctor, far_doctor, prefix="other_")
    _records(world, world.other_patient, doctor, prefix="other_")
    _privacy(world, other_practice, far_doctor, prefix="other_")
    for name, value in _closet(place).items():
        setattr(world, f"other_{name}", value)
    world.other_import_run = _import_run(other_practice)
    world.other_csv_run = _csv_run(other_practice)
    for name, value in _remittance(other_practice, "ROUTE-ERA-OTHER").items():
        setattr(world, f"other_{name}", value)
    for name, value in _account_papers(world.other_patient, place, world.other_coverage).items():
        setattr(world, f"other_{name}", value)
    world.other_inbound_message = _held_result(other_practice, world.other_patient)
    return world


# --- One world per test module ---
#
# The route catalogue tests (every role walks every route) and the per-route tests meet
# the same records, so a module that marks itself with
#     pytestmark = pytest.mark.usefixtures("shared_world")   (or "shared_world_with_outsider")
# gets them built once: in a transaction opened when the module starts and rolled back when
# it ends. Each test still runs in its own savepoint (pytest-django's `db`), rolled back
# after it, so every test meets the world exactly as built, as before. In such a module the
# practice, location, provider, payer and other practice are the world's, and
# `make_user(role)` hands out the module's user of that role (with its authenticator) the
# first time a test asks, a new user after that.


@dataclass
class Shared:
    practice: Any
    location: Any
    provider: Any
    payer: Any
    other_practice: Any
    users: dict
    world: World | None = None


def _root_fixture(name):
    """The function behind a fixture of tests/conftest.py (to build module data with it)."""
    import tests.conftest as root

    return getattr(root, name)._get_wrapped_function()


@pytest.fixture(scope="module")
def shared_db(django_db_setup, django_db_blocker):
    from medoffice.core.roles import Role

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # durable blocks inside, as under a TestCase
        outer.__enter__()
        try:
            practice = _root_fixture("practice")(None)
            location = _root_fixture("location")(practice)
            provider = _root_fixture("provider")(practice, location)
            make_user = _root_fixture("make_user")(practice)
            users = {}
            for role in Role:
                user = make_user(role, username=f"module-{role.value}")
                enrolled_device(user)
                users[role.value] = user.pk
            yield Shared(
                practice=practice, location=location, provider=provider,
                payer=_root_fixture("payer")(None),
                other_practice=_root_fixture("other_practice")(None), users=users,
            )  # fmt: skip
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _module_maker(shared: Shared, name: str):
    """The root fixture's maker (make_patient, make_user), for the module's practice."""
    return _root_fixture(name)(shared.practice)


@pytest.fixture(scope="module")
def shared_world(shared_db) -> World:
    shared_db.world = build_world(
        _module_maker(shared_db, "make_patient"), shared_db.payer, shared_db.provider,
        shared_db.location, _module_maker(shared_db, "make_user"),
    )  # fmt: skip
    return shared_db.world


@pytest.fixture(scope="module")
def shared_world_with_outsider(shared_world, shared_db) -> World:
    return add_outsider(
        shared_world, _module_maker(shared_db, "make_patient"), shared_db.other_practice,
        _module_maker(shared_db, "make_user"),
    )  # fmt: skip


def _shared(request) -> Shared | None:
    return request.getfixturevalue("shared_db") if "shared_db" in request.fixturenames else None


@pytest.fixture
def practice(request, db):
    shared = _shared(request)
    return shared.practice if shared else _root_fixture("practice")(db)


@pytest.fixture
def location(request, practice):
    shared = _shared(request)
    return shared.location if shared else _root_fixture("location")(practice)


@pytest.fixture
def provider(request, practice, location):
    shared = _shared(request)
    return shared.provider if shared else _root_fixture("provider")(practice, location)


@pytest.fixture
def payer(request, db):
    shared = _shared(request)
    return shared.payer if shared else _root_fixture("payer")(db)


@pytest.fixture
def other_practice(request, db):
    shared = _shared(request)
    return shared.other_practice if shared else _root_fixture("other_practice")(db)


@pytest.fixture
def make_user(request, practice):
    """As the root fixture; in a shared-world module, the first user of each role a test
    asks for (without a name or another practice) is the module's."""
    made = _root_fixture("make_user")(practice)
    shared = _shared(request)
    if shared is None:
        return made
    from django.contrib.auth import get_user_model

    handed_out = set()

    def make(role: str, *, practice_=None, username: str | None = None):
        key = str(getattr(role, "value", role))
        if practice_ is None and username is None and key not in handed_out:
            handed_out.add(key)
            return get_user_model().objects.get(pk=shared.users[key])
        return made(role, practice_=practice_, username=username)

    return make


@pytest.fixture
def world(request, make_patient, payer, provider, location, make_user) -> World:
    """Our patient with primary coverage (card image attached), a signed consent and a booked
    visit, and a second record to merge (the module's, in a shared-world module)."""
    shared = _shared(request)
    if shared is not None and shared.world is not None:
        return shared.world
    return build_world(make_patient, payer, provider, location, make_user)


@pytest.fixture
def world_with_outsider(request, world, make_patient, other_practice, make_user) -> World:
    """`world`, plus a patient and coverage of another practice."""
    if "shared_world_with_outsider" in request.fixturenames:
        return world
    return add_outsider(world, make_patient, other_practice, make_user)


def totp_now(device, *, steps_ahead: int = 0) -> str:
    """The code the user's authenticator shows now (or `steps_ahead` 30-second steps on)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time_module.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrolled_device(user):
    """The user's authenticator, created (confirmed) if the user has none yet."""
    from medoffice.core.models import SealedTOTPDevice as TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(user, *, client=None, password: str = PASSWORD):
    """Both steps through the real pages: password, then a current code."""
    from django.urls import reverse

    client = client or new_client()
    device = enrolled_device(user)
    response = client.post(reverse("core:login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response
    # A code is good once: a second sign-in within 30 s takes the next step's code, which
    # the authenticator tolerance (one step) accepts.
    device.refresh_from_db()
    now_step = int(time_module.time()) // device.step
    ahead = max(0, device.last_t + 1 - now_step)
    assert ahead <= device.tolerance, "more sign-ins of one user than codes in this minute"
    response = client.post(
        reverse("core:mfa-verify"), {"code": totp_now(device, steps_ahead=ahead)}
    )
    assert response.status_code == 302, response.content[:500]
    return client
