"""The demo practice's past weeks, lived through the real services (reports/demo.py): what
an office manager and a biller open in `make demo` has figures, and they are the ledger's."""

from django.utils import timezone

from medoffice.billing.demo import load_demo_billing
from medoffice.billing.models import ClaimBatch, Encounter
from medoffice.coding.demo import load_demo_codes
from medoffice.core.audit import audit_verify
from medoffice.patients.synthetic import load_demo
from medoffice.payments.checks import ledger_problems
from medoffice.payments.models import EntryKind, EraFile, LedgerEntry
from medoffice.reports import rollups
from medoffice.reports.demo import load_demo_history
from medoffice.scheduling.demo import load_demo_schedule
from medoffice.scheduling.models import Appointment, AppointmentStatus


def test_the_demo_lives_its_past_weeks_and_its_figures_are_the_ledgers(transactional_db):
    practice = load_demo(patients=200)["practice"]
    load_demo_schedule(practice=practice, seed=5, days=1)
    load_demo_codes(practice=practice, seed=5)
    load_demo_billing(practice=practice)

    lived = load_demo_history(practice=practice, seed=5, weeks=2, per_day=2)

    assert lived["created"]
    assert lived["visits"] > 10
    zone = practice.locations.order_by("id").first().zone
    today = timezone.now().astimezone(zone).date()
    past = Appointment.objects.filter(patient__practice=practice, starts_at__date__lt=today)
    kept = past.filter(status=AppointmentStatus.FULFILLED)
    assert kept.count() == lived["visits"]
    assert past.filter(status=AppointmentStatus.NOSHOW).count() == lived["no-shows"]
    # No visit of the past is left hanging: each was seen, missed or cancelled.
    assert not past.filter(status__in=(AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED))
    for appointment in kept[:10]:
        assert appointment.arrived_at < appointment.roomed_at <= appointment.seen_at
        assert appointment.encounter.status == "signed"
    # The week before last was billed, answered and paid; last week's claims wait to be sent.
    assert ClaimBatch.objects.filter(practice=practice).count() == lived["batches"] >= 1
    assert EraFile.objects.filter(practice=practice).count() == lived["remittances"] >= 1
    assert LedgerEntry.objects.filter(kind=EntryKind.INSURANCE_PAYMENT).exists()
    assert Encounter.objects.filter(
        patient__practice=practice, appointment__isnull=False, claims__isnull=True
    ).exists()
    assert ledger_problems(practice.id) == []
    assert all(rollups.stored(k) == rollups.COMPUTE[k](None) for k in rollups.KINDS)
    assert audit_verify().ok

    assert load_demo_history(practice=practice, seed=5, weeks=2, per_day=2) == {"created": False}
