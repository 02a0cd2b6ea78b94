"""What messages say. Minimum necessary: the practice, the patient's first name, when and
where, the telehealth link and how to answer. Never the visit type, the reason for
the visit or the clinician (a specialty can say as much as a diagnosis).

Times are in the location's time zone, named, because the patient may read the
message somewhere else.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from medoffice.messaging.models import Purpose
from medoffice.scheduling.models import Appointment, Modality, WaitlistOffer


@dataclass(frozen=True)
class VisitFacts:
    practice: str
    first_name: str
    starts_at: datetime  # aware, in the location's zone
    ends_at: datetime
    time_zone: str
    location: str
    address: str
    office_phone: str
    telehealth_url: str


def visit_facts(appointment: Appointment) -> VisitFacts:
    location = appointment.location
    zone = location.zone
    patient = appointment.patient
    street = ", ".join(p for p in (location.address1, location.address2) if p)
    is_telehealth = appointment.appointment_type.modality == Modality.TELEHEALTH
    return VisitFacts(
        practice=location.practice.name,
        first_name=patient.preferred_name or patient.first_name,
        starts_at=appointment.starts_at.astimezone(zone),
        ends_at=appointment.ends_at.astimezone(zone),
        time_zone=location.time_zone,
        location=location.name,
        address=f"{street}, {location.city}, {location.state} {location.zip_code}",
        office_phone=location.phone,
        telehealth_url=appointment.telehealth_url if is_telehealth else "",
    )


def when(local: datetime) -> str:
    """'Tue, Nov 24 at 9:05 AM CST' (no platform-specific strftime flags)."""
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{local:%a, %b} {local.day} at {hour}:{local:%M} {half} {local.tzname()}"


def _place(facts: VisitFacts) -> str:
    return "by video" if facts.telehealth_url else f"at {facts.location}"


def _call(facts: VisitFacts) -> str:
    return f"call {facts.office_phone}" if facts.office_phone else "call the office"


def sms_text(purpose: str, facts: VisitFacts) -> str:
    head = f"{facts.practice}: {facts.first_name},"
    visit = f"your visit {_place(facts)} on {when(facts.starts_at)}"
    join = f" Join: {facts.telehealth_url}" if facts.telehealth_url else ""
    if purpose == Purpose.REMINDER:
        return f"{head} a reminder of {visit}.{join} Reply C to confirm or N to cancel."
    if purpose == Purpose.BOOKED:
        return f"{head} {visit} is booked.{join}"
    if purpose == Purpose.RESCHEDULED:
        return f"{head} your visit has moved to {when(facts.starts_at)} ({_place(facts)}).{join}"
    if purpose == Purpose.CANCELLED:
        return f"{head} {visit} is cancelled. To book again, {_call(facts)}."
    raise ValueError(f"no text for {purpose}")


def acknowledgement_text(kind: str, facts: VisitFacts) -> str:
    visit = f"your visit on {when(facts.starts_at)}"
    if kind == "confirmed":
        return f"{facts.practice}: thank you, {visit} is confirmed."
    if kind == "cancelled":
        return f"{facts.practice}: {visit} is cancelled. To book again, {_call(facts)}."
    if kind == "not_booked":
        return f"{facts.practice}: {visit} is no longer booked. Please {_call(facts)}."
    return (
        f"{facts.practice}: sorry, we did not understand. Reply C to confirm or N to cancel"
        f" {visit}, or {_call(facts)}."
    )


_SUBJECTS = {
    Purpose.REMINDER: "Reminder: your visit on {when}",
    Purpose.BOOKED: "Your visit on {when} is booked",
    Purpose.RESCHEDULED: "Your visit has moved to {when}",
    Purpose.CANCELLED: "Your visit on {when} is cancelled",
}


def email_subject(purpose: str, facts: VisitFacts) -> str:
    return _SUBJECTS[purpose].format(when=when(facts.starts_at))


def email_text(purpose: str, facts: VisitFacts) -> str:
    lead = {
        Purpose.REMINDER: "this is a reminder of your visit.",
        Purpose.BOOKED: "your visit is booked.",
        Purpose.RESCHEDULED: "your visit has moved to a new time.",
        Purpose.CANCELLED: "your visit is cancelled.",
    }[purpose]
    lines = [f"Dear {facts.first_name},", "", lead, "", f"When:  {when(facts.starts_at)}"]
    if facts.telehealth_url:
        lines.append(f"Join:  {facts.telehealth_url}")
    else:
        lines.append(f"Where: {facts.location}, {facts.address}")
    lines.append("")
    if purpose == Purpose.CANCELLED:
        lines.append(f"To book again, {_call(facts)}.")
    else:
        lines.append("The attached invitation adds the visit to your calendar.")
        lines.append(f"To change or cancel the visit, {_call(facts)}.")
    lines += ["", facts.practice]
    return "\n".join(lines) + "\n"


def calendar_summary(facts: VisitFacts) -> str:
    return f"Visit at {facts.practice}"


@dataclass(frozen=True)
class OfferFacts:
    practice: str
    first_name: str
    starts_at: datetime  # aware, in the location's zone
    location: str
    link: str  # the patient's private page for the offer
    expires_at: datetime


def offer_facts(offer: WaitlistOffer) -> OfferFacts:
    zone = offer.location.zone
    patient = offer.entry.patient
    return OfferFacts(
        practice=offer.location.practice.name,
        first_name=patient.preferred_name or patient.first_name,
        starts_at=offer.starts_at.astimezone(zone),
        location=offer.location.name,
        link=settings.MEDOFFICE_PUBLIC_URL + reverse("scheduling:offer", args=[offer.token]),
        expires_at=offer.expires_at.astimezone(zone),
    )


def waitlist_text(news: str, facts: OfferFacts) -> str:
    head = f"{facts.practice}: {facts.first_name},"
    slot = f"{when(facts.starts_at)} at {facts.location}"
    if news == "offer":
        return (
            f"{head} an earlier visit opened: {slot}. Reply YES to take it or NO to pass, or"
            f" open {facts.link} (first to answer gets it; open until"
            f" {when(facts.expires_at)})."
        )
    return f"{head} the visit on {slot} has been taken. You stay on our waiting list."


def waitlist_email_text(news: str, facts: OfferFacts) -> str:
    lines = [f"Dear {facts.first_name},", ""]
    if news == "offer":
        lines += [
            "an earlier visit has opened and you are on our waiting list:", "",
            f"When:  {when(facts.starts_at)}", f"Where: {facts.location}", "",
            f"To take it (or let it pass), open {facts.link}",
            f"The first patient to answer gets it; the offer is open until"
            f" {when(facts.expires_at)}.",
        ]  # fmt: skip
    else:
        lines += [
            f"the visit on {when(facts.starts_at)} we offered you has been taken.",
            "You stay on our waiting list.",
        ]
    lines += ["", facts.practice]
    return "\n".join(lines) + "\n"


def waitlist_subject(news: str, facts: OfferFacts) -> str:
    if news == "offer":
        return f"An earlier visit is open: {when(facts.starts_at)}"
    return f"The visit on {when(facts.starts_at)} has been taken"


def waitlist_acknowledgement(kind: str, facts: OfferFacts) -> str:
    slot = f"{when(facts.starts_at)} at {facts.location}"
    return {
        "booked": f"{facts.practice}: you are booked for {slot}.",
        "declined": f"{facts.practice}: thank you. You stay on our waiting list.",
        "closed": f"{facts.practice}: sorry, that time is no longer available."
        " You stay on our waiting list.",
    }.get(kind, f"{facts.practice}: sorry, we did not understand. Reply YES or NO.")
