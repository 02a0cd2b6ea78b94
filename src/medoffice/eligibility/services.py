"""The only writers of eligibility checks: ask, receive, settle (STYLE.md).

A check is saved with its 270 before anything leaves the office, so a payer that is
down, a gateway that fails or a worker that dies loses nothing: the check says why it
was not answered. Each 271 is matched to its check by the TRN trace number; one that
cannot be read or matched is kept as a StrayResponse with the reason and changes
nothing else. A settled check is never changed: a second 271 for it is a stray.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.eligibility import rules, x12map
from medoffice.eligibility.errors import (
    CheckStateError,
    GatewayUnavailableError,
    NotCheckableError,
)
from medoffice.eligibility.gateways import Gateway, Incoming, gateway, gateway_label
from medoffice.eligibility.models import EligibilityCheck, ServiceType, StrayResponse, Trigger
from medoffice.eligibility.states import CheckStatus, can_move
from medoffice.patients.models import Coverage, CoverageStatus
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.states import AppointmentStatus

logger = logging.getLogger(__name__)
CATEGORY = "insurance"


def _trace_number() -> str:
    """TRN02: unique per request, opaque (it travels to the clearinghouse and back)."""
    return timezone.now().strftime("%y%m%d") + secrets.token_hex(6).upper()


def _refuse_uncheckable(coverage: Coverage, service_date: date) -> None:
    if coverage.status != CoverageStatus.ACTIVE:
        raise NotCheckableError(
            f"This insurance is {coverage.get_status_display().lower()}: there is nothing to"
            " ask the payer. Check the patient's current insurance instead."
        )
    if not coverage.payer.is_active:
        raise NotCheckableError(
            f"{coverage.payer.name} is marked inactive in Configuration: the office no longer"
            " exchanges with it."
        )


@transaction.atomic
def check_create(
    *, coverage: Coverage, service_date: date, appointment: Appointment | None = None,
    requested_by=None, trigger: str = Trigger.ON_DEMAND, via: Gateway | None = None,
) -> EligibilityCheck:  # fmt: skip
    """Record the question and its 270 (pending); nothing is sent yet."""
    coverage = Coverage.objects.select_related("patient__practice", "payer").get(pk=coverage.pk)
    _refuse_uncheckable(coverage, service_date)
    via = via or gateway()
    check = EligibilityCheck(
        practice=coverage.patient.practice, patient=coverage.patient, coverage=coverage,
        appointment=appointment, service_date=service_date,
        service_type=ServiceType.OFFICE_VISIT, trigger=trigger, requested_by=requested_by,
        requested_at=timezone.now(), gateway=gateway_label(via), trace_number=_trace_number(),
    )  # fmt: skip
    check.full_clean()
    check.save()
    # The envelope (ids, control number) is the gateway's: once the row exists.
    check.request_x12 = x12map.build_270(check, **via.envelope_for(check))
    check.save(update_fields=["request_x12"])
    audit_record(
        action=AuditAction.CREATE, obj=check, patient=coverage.patient, category=CATEGORY,
        detail=f"eligibility asked ({trigger}) for {service_date.isoformat()}",
    )  # fmt: skip
    return check


def check_run(
    *, coverage: Coverage, service_date: date, appointment: Appointment | None = None,
    requested_by=None, trigger: str = Trigger.ON_DEMAND,
) -> EligibilityCheck:  # fmt: skip
    """Ask the payer now: record the 270, send it, and apply the 271 if it comes at once.

    The gateway is called outside any transaction: the check is committed first, so a
    payer that never answers leaves a check that says so.
    """
    via = gateway()
    check = check_create(
        coverage=coverage, service_date=service_date, appointment=appointment,
        requested_by=requested_by, trigger=trigger, via=via,
    )  # fmt: skip
    return check_send(check=check, via=via)


def check_send(*, check: EligibilityCheck, via: Gateway | None = None) -> EligibilityCheck:
    via = via or gateway()
    try:
        via.prepare(check)
        response = via.send(request=bytes(check.request_x12), name=f"270-{check.trace_number}")
    except GatewayUnavailableError as exc:
        return check_fail(check=check, reason=str(exc))
    except OSError as exc:  # a transport's socket or file error: the payer was not reached
        return check_fail(check=check, reason=f"The payer could not be reached ({exc}).")
    EligibilityCheck.objects.filter(pk=check.pk).update(sent_at=timezone.now())
    if response is None:
        check.refresh_from_db()
        return check
    result = response_receive(content=response, source=via.name, expected=check)
    check.refresh_from_db()
    if not result.applied and check.status == CheckStatus.PENDING:
        # The payer answered at once, but not with something we can use: say why here too.
        check_fail(check=check, reason=result.reason, response=response)
        check.refresh_from_db()
    return check


def _move(check: EligibilityCheck, status: str) -> None:
    if not can_move(check.status, status):
        raise CheckStateError(
            f"This check is already settled ({check.get_status_display().lower()}):"
            " ask again for a new answer."
        )
    check.status = status


@transaction.atomic
def check_fail(*, check: EligibilityCheck, reason: str, response: bytes = b"") -> EligibilityCheck:
    """Settle a check as not answered, saying why (payer down, unreadable answer...)."""
    check = EligibilityCheck.objects.select_for_update().select_related("patient").get(pk=check.pk)
    _move(check, CheckStatus.ERROR)
    check.error_reason = reason[:2000] or "Not answered."
    check.answered_at = timezone.now()
    if response:
        check.response_x12 = response
    check.full_clean()
    check.save()
    audit_record(
        action=AuditAction.UPDATE, obj=check, patient=check.patient, category=CATEGORY,
        detail="eligibility not answered",
    )  # fmt: skip
    return check


@transaction.atomic
def answer_apply(
    *, check: EligibilityCheck, answer: rules.Answer, response: bytes
) -> EligibilityCheck:
    """Settle a pending check from the payer's answer (its 271 kept as received)."""
    check = EligibilityCheck.objects.select_for_update().select_related("patient").get(pk=check.pk)
    result = rules.outcome(answer)
    _move(check, result.status)
    check.response_x12 = response
    check.answered_at = timezone.now()
    check.benefits = list(answer.lines)
    check.plan_name = answer.plan_name[:100]
    check.coverage_begins, check.coverage_ends = answer.coverage_begins, answer.coverage_ends
    for name in rules.AMOUNT_NAMES:
        setattr(check, name, getattr(answer.in_network, name))
    check.out_of_network = answer.out_of_network.as_json()
    if result.reject is not None:
        check.reject_code = result.reject.code[:3]
        check.reject_follow_up = result.reject.follow_up[:1]
    check.error_reason = result.error_reason
    check.full_clean()
    check.save()
    audit_record(
        action=AuditAction.UPDATE, obj=check, patient=check.patient, category=CATEGORY,
        detail=f"eligibility answered: {result.status}"
        + (f" AAA {check.reject_code}" if check.reject_code else ""),
    )  # fmt: skip
    return check


@dataclass
class Received:
    applied: list[EligibilityCheck]
    strays: list[StrayResponse]
    reason: str = ""


def _stray(content: bytes, source: str, reason: str) -> StrayResponse:
    logger.warning("271 from %s set aside: %s", source, reason)
    return StrayResponse.objects.create(
        received_at=timezone.now(), source=source[:200], content=content, reason=reason
    )


@transaction.atomic
def response_receive(
    *, content: bytes, source: str, expected: EligibilityCheck | None = None
) -> Received:
    """Read a 271 and settle the checks it answers. A 271 that cannot be read is kept aside
    whole, with the reason (segment and why), and changes nothing; each answer whose trace
    number matches no pending check is kept aside too."""
    try:
        answers = x12map.read_271(content)
    except ValueError as exc:  # the codec's X12Error: where and why
        reason = f"The payer's answer could not be read: {exc}"
        return Received([], [_stray(content, source, reason)], reason)
    if not answers:
        reason = "The payer's answer holds no eligibility response."
        return Received([], [_stray(content, source, reason)], reason)
    applied, strays, reasons = [], [], []
    for answer in answers:
        trace = answer.trace_number
        if not trace and expected is not None and len(answers) == 1:
            # A payer-level rejection carries no trace number: in a real-time exchange it
            # can only answer the request just sent.
            check = expected
        else:
            check = EligibilityCheck.objects.filter(trace_number=trace).first() if trace else None
        if check is None or (expected is not None and check.pk != expected.pk):
            reason = f"The answer's trace number {answer.trace_number!r} matches no request."
        elif check.is_settled:
            reason = f"The check {answer.trace_number} was already answered; this copy is kept."
        else:
            applied.append(answer_apply(check=check, answer=answer, response=content))
            continue
        reasons.append(reason)
        strays.append(_stray(content, source, reason))
    return Received(applied, strays, " ".join(reasons))


def responses_collect(*, via: Gateway | None = None) -> dict[str, int]:
    """Pick up the 271s waiting at the gateway (the clearinghouse inbox); each file is
    applied in one transaction and filed away as processed or rejected. Then checks that
    waited longer than MEDOFFICE_ELIGIBILITY_TIMEOUT_HOURS are settled as not answered."""
    via = via or gateway()
    counts = {"files": 0, "answered": 0, "set_aside": 0}
    for incoming in via.collect():
        counts["files"] += 1
        result = _receive_file(incoming, via)
        counts["answered"] += len(result.applied)
        counts["set_aside"] += len(result.strays)
    hours = settings.MEDOFFICE_ELIGIBILITY_TIMEOUT_HOURS
    counts["expired"] = checks_expire(older_than=timedelta(hours=hours))
    return counts


def _receive_file(incoming: Incoming, via: Gateway) -> Received:
    result = response_receive(content=incoming.content, source=f"{via.name}: {incoming.name}")
    incoming.finish(ok=not result.strays)
    return result


def checks_expire(*, older_than: timedelta) -> int:
    """Pending checks that waited longer than `older_than` are settled as not answered."""
    cutoff = timezone.now() - older_than
    hours = int(older_than.total_seconds() // 3600)
    expired = 0
    for check in EligibilityCheck.objects.filter(
        status=CheckStatus.PENDING, requested_at__lt=cutoff
    ):
        check_fail(check=check, reason=f"No answer from the payer within {hours} hours.")
        expired += 1
    return expired


# ------------------------------------------------------------------------------- the batch


def _visit_day(appointment: Appointment) -> date:
    return appointment.starts_at.astimezone(appointment.location.zone).date()


def batch_candidates(*, days: int, now: datetime | None = None) -> list[Appointment]:
    """Booked visits from now to a day past `days` days ahead (the caller keeps those whose
    office-time day is at most `days` days after today)."""
    now = now or timezone.now()
    until = now + timedelta(days=days + 1)
    return list(
        Appointment.objects.filter(
            starts_at__gte=now, starts_at__lt=until, status=AppointmentStatus.BOOKED
        )
        .select_related("patient", "location")
        .order_by("starts_at")
    )


def _primary_on(appointment: Appointment, day: date) -> Coverage | None:
    for coverage in appointment.patient.coverages.select_related("payer").filter(
        status=CoverageStatus.ACTIVE, order=1
    ):
        if coverage.is_active_on(day):
            return coverage
    return None


def batch_run(*, days: int, fresh_for: timedelta = timedelta(hours=24)) -> dict[str, int]:
    """Ask about the primary coverage of every booked visit in the next `days` days, unless
    a check for that coverage and day is pending or was answered within `fresh_for`."""
    now = timezone.now()
    counts = {"visits": 0, "asked": 0, "skipped": 0, "self_pay": 0, "failed": 0}
    for appointment in batch_candidates(days=days, now=now):
        day = _visit_day(appointment)
        today = now.astimezone(appointment.location.zone).date()
        if (day - today).days > days:
            continue
        counts["visits"] += 1
        coverage = _primary_on(appointment, day)
        if coverage is None:
            counts["self_pay"] += 1
            continue
        recent = EligibilityCheck.objects.filter(coverage=coverage, service_date=day).filter(
            status=CheckStatus.PENDING
        ) | EligibilityCheck.objects.filter(
            coverage=coverage, service_date=day, requested_at__gte=now - fresh_for,
            status__in=(CheckStatus.ACTIVE, CheckStatus.INACTIVE, CheckStatus.REJECTED),
        )  # fmt: skip
        if recent.exists():
            counts["skipped"] += 1
            continue
        try:
            check = check_run(
                coverage=coverage, service_date=day, appointment=appointment,
                trigger=Trigger.BATCH,
            )  # fmt: skip
        except NotCheckableError:
            counts["skipped"] += 1
            continue
        except Exception as exc:  # one visit's failure must not stop the others' checks
            logger.error("eligibility batch: visit %s not asked (%s)", appointment.public_id,
                         type(exc).__name__)  # fmt: skip
            counts["failed"] += 1
            continue
        counts["failed" if check.status == CheckStatus.ERROR else "asked"] += 1
    return counts
