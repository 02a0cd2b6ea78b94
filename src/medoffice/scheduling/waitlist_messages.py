"""What a waiting patient is told: a time is offered to them, or it went to someone else.

Minimum necessary: the visit type, provider, place and time, never a diagnosis; the
link carries an unguessable token and is the only way to answer besides a reply.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from medoffice.patients.models import ConsentKind
from medoffice.scheduling.models import WaitlistOffer


def offer_link(offer: WaitlistOffer) -> str:
    return settings.MEDOFFICE_PUBLIC_URL + reverse("scheduling:offer", args=[offer.token])


def offer_text(offer: WaitlistOffer, what: str) -> str:
    when = offer.starts_at.astimezone(ZoneInfo(offer.location.time_zone))
    visit = (
        f"{offer.entry.appointment_type.name} with {offer.provider} at {offer.location.name}, "
        f"{when:%a %b} {when.day} at {when:%I:%M %p}".replace(" 0", " ")
    )
    practice = offer.location.practice.name
    if what == "offer":
        return (
            f"{practice}: an earlier visit opened: {visit}. Reply YES to take it, or open "
            f"{offer_link(offer)} (first to answer gets it)."
        )
    return f"{practice}: the {visit} has been taken. You stay on our waiting list."


def send_offer_message(offer: WaitlistOffer, what: str) -> None:
    patient = offer.entry.patient
    today = offer.offered_at.date()
    consented = any(
        c.kind == ConsentKind.EMAIL and c.is_in_force_on(today) for c in patient.consents.all()
    )
    if patient.email and consented:
        subject = "An earlier visit is open" if what == "offer" else "That visit was taken"
        send_mail(subject, offer_text(offer, what), None, [patient.email])
