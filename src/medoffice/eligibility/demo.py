"""The demo practice's eligibility: the batch run over the next days' visits through the
simulated payer (real 270s and 271s), with one registration typo the payer rejects, so the
front desk sees active benefits, copays from the payer and a reject explained."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from medoffice.core.models import Practice
from medoffice.eligibility import services
from medoffice.eligibility.models import EligibilityCheck
from medoffice.patients.models import Coverage, CoverageStatus
from medoffice.patients.services import coverage_update
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.states import AppointmentStatus

DAYS = 3  # today and the next three days: a Friday's batch reaches Monday


def _typo_for_the_demo(practice: Practice) -> None:
    """One upcoming patient's member id was typed wrong at registration (the simulated
    payer's 'not enrolled' ending): the batch shows the reject the front desk must fix."""
    soon = timezone.now() + timedelta(days=1)
    visit = (
        Appointment.objects.filter(
            patient__practice=practice,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=soon,
            patient__coverages__order=1,
            patient__coverages__status=CoverageStatus.ACTIVE,
            patient__coverages__payer__member_id_pattern="",
        )  # fmt: skip
        .order_by("starts_at")
        .first()
    )
    if visit is None:
        return
    coverage = Coverage.objects.filter(
        patient=visit.patient, order=1, status=CoverageStatus.ACTIVE
    ).first()
    coverage_update(coverage=coverage, fields={"member_id": coverage.member_id[:-4] + "9999"})


def load_demo_eligibility(*, practice: Practice) -> dict:
    if EligibilityCheck.objects.filter(practice=practice).exists():
        return {"created": False}
    with transaction.atomic():
        _typo_for_the_demo(practice)
    counts = services.batch_run(days=DAYS)
    return {"created": True, **counts}
