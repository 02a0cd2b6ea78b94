"""E-mail to patients through Django's e-mail backend (EMAIL_URL), with the visit as an
iCalendar invitation (text/calendar; method=REQUEST or CANCEL)."""

from email.mime.text import MIMEText
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from medoffice.formats.ical import Invite, render_invite
from medoffice.messaging.content import VisitFacts, calendar_summary, email_text
from medoffice.scheduling.models import Appointment


def invite_for(
    appointment: Appointment, facts: VisitFacts, *, sequence: int, cancel: bool, attendee: str
) -> Invite:
    description = (
        f"Join: {facts.telehealth_url}" if facts.telehealth_url else f"{facts.location}"
    ) + (f"\nTo change or cancel, call {facts.office_phone}." if facts.office_phone else "")
    return Invite(
        uid=f"{appointment.public_id}@{settings.CALENDAR_UID_DOMAIN}",
        sequence=sequence,
        method="CANCEL" if cancel else "REQUEST",
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        time_zone=facts.time_zone,
        summary=calendar_summary(facts),
        location="Video visit" if facts.telehealth_url else f"{facts.location}, {facts.address}",
        description=description,
        stamp=timezone.now(),
        organizer_email=settings.DEFAULT_FROM_EMAIL,
        attendee_email=attendee,
        url=facts.telehealth_url,
    )


def calendar_part(invite: Invite) -> MIMEText:
    part = MIMEText(render_invite(invite).decode(), "calendar", "utf-8")
    part.set_param("method", invite.method)
    part.add_header("Content-Disposition", "attachment", filename="visit.ics")
    return part


def build_email(
    *, to: str, subject: str, purpose: str, facts: VisitFacts, invite: Invite
) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=subject,
        body=email_text(purpose, facts),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": make_msgid(domain=settings.CALENDAR_UID_DOMAIN)},
    )
    email.attach(calendar_part(invite))
    return email


def plain_email(*, to: str, subject: str, body: str) -> EmailMultiAlternatives:
    """A message without an invitation (the waiting list's offers and news)."""
    return EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
        headers={"Message-ID": make_msgid(domain=settings.CALENDAR_UID_DOMAIN)},
    )  # fmt: skip


def send_email(email: EmailMultiAlternatives) -> str:
    """Hand the message to the configured backend; its Message-ID is our reference."""
    email.send(fail_silently=False)
    return str(email.extra_headers["Message-ID"])
