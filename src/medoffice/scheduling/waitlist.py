"""The cancellation list: patients waiting for an earlier time, offered each time that opens.

When a booked visit is cancelled or moved, its time is offered to the best-ranked
waiting patients it suits (priority, then who waited longest). Each is told by the
channel they consented to (messaging listens to `waitlist_news`), with a private
link, and by text can simply answer YES. The first to
accept is booked through the ordinary booking service, so the hold constraint
decides a photo finish; the others are told the time was taken and stay on the list.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction, Location, Provider
from medoffice.patients.models import Patient, PatientStatus
from medoffice.scheduling import services
from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.events import AppointmentEvent, appointment_changed, waitlist_news
from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from medoffice.scheduling.selectors import PARTS_OF_DAY

logger = logging.getLogger(__name__)

# An offer stays open this long, and never closer than OFFER_CLOSES_BEFORE to the visit.
OFFER_OPEN_FOR = timedelta(hours=4)
OFFER_CLOSES_BEFORE = timedelta(hours=1)


class OfferClosedError(Exception):
    """The offer was answered, expired, or its time went to someone else."""


@dataclass(frozen=True)
class Opening:
    provider: Provider
    location: Location
    starts_at: datetime
    ends_at: datetime


def _entry_errors(patient: Patient, fields: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    kind: AppointmentType = fields["appointment_type"]
    provider, location = fields.get("provider"), fields.get("location")
    earliest, latest = fields.get("earliest"), fields.get("latest")
    if kind.practice_id != patient.practice_id or not kind.is_active:
        errors["appointment_type"] = ["Not a visit type this practice offers."]
    offered = set(kind.providers.values_list("id", flat=True))
    if provider is not None and (
        provider.practice_id != patient.practice_id or (offered and provider.id not in offered)
    ):
        errors["provider"] = [f"{provider} does not offer {kind.name}."]
    if location is not None and location.practice_id != patient.practice_id:
        errors["location"] = ["Not a location of this practice."]
    if earliest and latest and latest < earliest:
        errors["latest"] = ["The last day is before the first."]
    if latest and latest < today_at(patient):
        errors["latest"] = ["The last day has passed."]
    weekdays = fields.get("weekdays", "")
    if weekdays and not all(d.strip() in "0123456" and d.strip() for d in weekdays.split(",")):
        errors["weekdays"] = ["Days are numbers 0 (Monday) to 6 (Sunday), comma-separated."]
    if fields.get("part_of_day") and fields["part_of_day"] not in PARTS_OF_DAY:
        errors["part_of_day"] = ["Morning, afternoon or evening."]
    if patient.status != PatientStatus.ACTIVE:
        errors["patient"] = ["This record is not active."]
    already = WaitlistEntry.objects.filter(
        patient=patient, appointment_type=kind, status=WaitlistStatus.WAITING
    )
    if already.exists():
        errors["appointment_type"] = [f"Already waiting for {kind.name}."]
    return errors


@transaction.atomic
def waitlist_add(*, patient: Patient, fields: dict, created_by=None) -> WaitlistEntry:
    given = {name: value for name, value in fields.items() if value not in ("", None)}
    fields = {"earliest": today_at(patient)} | given

    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one entry per type
    errors = _entry_errors(patient, fields)
    if errors:
        raise ValidationError(errors)
    entry = WaitlistEntry.objects.create(patient=patient, created_by=created_by, **fields)
    audit_record(action=AuditAction.CREATE, obj=entry, patient=patient, category="scheduling")
    return entry


@transaction.atomic
def waitlist_remove(*, entry: WaitlistEntry) -> WaitlistEntry:
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != WaitlistStatus.WAITING:
        raise StatusMoveError("Only a waiting patient can be taken off the list.")
    entry.status = WaitlistStatus.REMOVED
    entry.save(update_fields=["status"])
    entry.offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.EXPIRED)
    audit_record(
        action=AuditAction.UPDATE, obj=entry, patient=entry.patient, category="scheduling",
        detail="removed from the waitlist",
    )  # fmt: skip
    return entry


def _suits(entry: WaitlistEntry, opening: Opening, local: datetime) -> bool:
    kind = entry.appointment_type
    if opening.starts_at + timedelta(minutes=kind.duration_minutes) > opening.ends_at:
        return False  # the freed time is too short for this visit
    if entry.provider_id not in (None, opening.provider.id):
        return False
    if entry.location_id not in (None, opening.location.id):
        return False
    day: date = local.date()
    if day < entry.earliest or (entry.latest and day > entry.latest):
        return False
    if entry.weekday_list and day.weekday() not in entry.weekday_list:
        return False
    if entry.part_of_day:
        earliest, latest = PARTS_OF_DAY[entry.part_of_day]
        if local.time() < earliest or (latest is not None and local.time() >= latest):
            return False
    return True


def candidates(opening: Opening, *, exclude_patient_id: int | None = None) -> list[WaitlistEntry]:
    """Waiting patients the opening suits, best first: priority, then time on the list."""
    local = opening.starts_at.astimezone(opening.location.zone)
    entries = (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING,
            patient__practice_id=opening.provider.practice_id,
            patient__status=PatientStatus.ACTIVE,
        )
        .exclude(patient_id=exclude_patient_id)
        .select_related("appointment_type", "patient")
        .prefetch_related("appointment_type__providers")
        .order_by("priority", "created_at")
    )
    suited = []
    for entry in entries:
        offered = {p.id for p in entry.appointment_type.providers.all()}
        if offered and opening.provider.id not in offered:
            continue
        if _suits(entry, opening, local):
            suited.append(entry)
    return suited


@transaction.atomic
def offer_opening(
    opening: Opening, *, exclude_patient_id: int | None = None, limit: int | None = None
) -> list[WaitlistOffer]:
    """Offer a freed time to the best-ranked waiting patients it suits (not twice)."""
    now = timezone.now()
    closes = min(now + OFFER_OPEN_FOR, opening.starts_at - OFFER_CLOSES_BEFORE)
    if closes <= now:
        return []  # too close to the time to offer it around
    limit = limit or settings.MEDOFFICE_WAITLIST_OFFERS_PER_OPENING
    offered_before = set(
        WaitlistOffer.objects.filter(
            starts_at=opening.starts_at, provider=opening.provider
        ).values_list("entry_id", flat=True)
    )
    offers = []
    for entry in candidates(opening, exclude_patient_id=exclude_patient_id):
        if len(offers) >= limit:
            break
        if entry.id in offered_before:
            continue
        offer = WaitlistOffer.objects.create(
            entry=entry, token=secrets.token_urlsafe(32), starts_at=opening.starts_at,
            provider=opening.provider, location=opening.location, offered_at=now,
            expires_at=closes,
        )  # fmt: skip
        audit_record(
            action=AuditAction.CREATE, obj=offer, patient=entry.patient, category="scheduling",
            detail="waitlist offer",
        )  # fmt: skip
        offers.append(offer)
    for offer in offers:
        transaction.on_commit(lambda offer=offer: _tell(offer, "offer"))
    return offers


def _open_offer(offer: WaitlistOffer) -> WaitlistOffer:
    offer = WaitlistOffer.objects.select_for_update().select_related("entry").get(pk=offer.pk)
    if offer.status == OfferStatus.OFFERED and timezone.now() >= offer.expires_at:
        offer.status = OfferStatus.EXPIRED
        offer.save(update_fields=["status"])
    if offer.status != OfferStatus.OFFERED:
        raise OfferClosedError(
            f"This offer is {offer.get_status_display().lower()}: the time is no longer held "
            "for you. You stay on the waiting list."
        )
    return offer


def offer_accept(*, offer: WaitlistOffer) -> Appointment:
    """Book the offered time for the patient, or say it has gone (first to accept wins)."""
    try:
        with transaction.atomic():
            offer = _open_offer(offer)
            entry = offer.entry
            appointment = services.appointment_book(
                patient=entry.patient, appointment_type=entry.appointment_type,
                provider=offer.provider, location=offer.location, starts_at=offer.starts_at,
                reason=entry.note,
            )  # fmt: skip
            now = timezone.now()
            offer.status, offer.answered_at, offer.appointment = (
                OfferStatus.ACCEPTED, now, appointment,
            )  # fmt: skip
            offer.save(update_fields=["status", "answered_at", "appointment"])
            entry.status, entry.booked_appointment = WaitlistStatus.BOOKED, appointment
            entry.save(update_fields=["status", "booked_appointment"])
            entry.offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.EXPIRED)
            rivals = list(
                WaitlistOffer.objects.filter(
                    provider=offer.provider, starts_at=offer.starts_at, status=OfferStatus.OFFERED
                ).select_related("entry__patient")
            )
            for rival in rivals:
                rival.status = OfferStatus.TAKEN
                rival.save(update_fields=["status"])
                transaction.on_commit(lambda rival=rival: _tell(rival, "taken"))
            audit_record(
                action=AuditAction.UPDATE, obj=offer, patient=entry.patient,
                category="scheduling", detail="waitlist offer accepted",
            )  # fmt: skip
            return appointment
    except (SlotTakenError, ValidationError) as exc:
        with transaction.atomic():
            WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OFFERED).update(
                status=OfferStatus.TAKEN, answered_at=timezone.now()
            )
        raise OfferClosedError(
            "Sorry, that time was just taken. You stay on the waiting list."
        ) from exc


@transaction.atomic
def offer_decline(*, offer: WaitlistOffer) -> WaitlistOffer:
    offer = _open_offer(offer)
    offer.status, offer.answered_at = OfferStatus.DECLINED, timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    audit_record(
        action=AuditAction.UPDATE, obj=offer, patient=offer.entry.patient,
        category="scheduling", detail="waitlist offer declined",
    )  # fmt: skip
    return offer


def _tell(offer: WaitlistOffer, news: str) -> None:
    """Let messaging tell the patient (by their consented channel); never undo the offer."""
    try:
        waitlist_news.send(sender=WaitlistOffer, offer=offer, news=news)
    except Exception:  # a failed message must not undo the offer; staff see it unanswered
        logger.exception("waitlist %s news failed for offer %s", news, offer.public_id)


def _offer_freed_time(sender, appointment, event, previous, **kwargs) -> None:
    """Listener: a cancelled or moved visit frees its old time for the waiting list."""
    if event not in (AppointmentEvent.CANCELLED, AppointmentEvent.RESCHEDULED):
        return
    opening = Opening(
        provider=Provider.objects.get(pk=previous["provider_id"]),
        location=Location.objects.get(pk=previous["location_id"]),
        starts_at=previous["starts_at"],
        ends_at=previous["ends_at"],
    )
    try:
        offer_opening(opening, exclude_patient_id=appointment.patient_id)
    except Exception:  # the cancellation stands whatever happens here
        logger.exception(
            "waitlist offers failed for a freed time of provider %s", opening.provider.pk
        )


def connect() -> None:
    appointment_changed.connect(_offer_freed_time, dispatch_uid="waitlist-offers")
