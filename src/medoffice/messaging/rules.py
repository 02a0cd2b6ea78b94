"""Pure decisions of messaging: which reminder is due, which channel, quiet hours, what a
reply means. No ORM, no request: values in, a decision out."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum


def due_offset(
    *, starts_at: datetime, booked_at: datetime, offsets: list[timedelta], now: datetime
) -> timedelta | None:
    """The reminder to send now, if any: the smallest offset whose moment has passed.

    Larger offsets that were missed (the worker was down, the visit was booked late)
    are not sent late on top of it: one reminder at a time. A visit booked after an
    offset's moment gets no reminder for it: the booking notice told the patient then.
    A visit that has started gets none.
    """
    if now >= starts_at:
        return None
    passed = [o for o in offsets if starts_at - o <= now]
    if not passed:
        return None
    offset = min(passed)
    if booked_at > starts_at - offset:
        return None
    return offset


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


@dataclass(frozen=True)
class Reach:
    """What is known about reaching one patient on one channel."""

    enabled: bool  # the practice sends this kind of message
    address: str  # mobile number or e-mail address, "" if none
    consented: bool  # an active consent of the matching kind
    opted_out: bool = False  # the number answered STOP

    def refusal(self, channel: Channel) -> str:
        """Why this channel cannot be used, or "" if it can."""
        noun = "texts" if channel == Channel.SMS else "e-mail"
        if not self.enabled:
            return f"the practice sends no {noun}"
        if not self.address:
            return "no mobile number" if channel == Channel.SMS else "no e-mail address"
        if not self.consented:
            return f"no consent to {noun}"
        if self.opted_out:
            return "the number replied STOP"
        return ""


@dataclass(frozen=True)
class ChannelChoice:
    channel: Channel | None
    reason: str = ""  # when channel is None: why nothing is sent


def choose_channel(*, preferred: str, sms: Reach, email: Reach) -> ChannelChoice:
    """The patient's preferred channel if it can be used, else the other one that can.

    One channel per message: the same reminder by text and by e-mail is noise.
    """
    refusals = {Channel.SMS: sms.refusal(Channel.SMS), Channel.EMAIL: email.refusal(Channel.EMAIL)}
    order = [Channel.EMAIL, Channel.SMS] if preferred == "email" else [Channel.SMS, Channel.EMAIL]
    for channel in order:
        if not refusals[channel]:
            return ChannelChoice(channel)
    return ChannelChoice(None, f"text: {refusals[Channel.SMS]}; e-mail: {refusals[Channel.EMAIL]}")


def in_quiet_hours(local: time, *, start: time, end: time) -> bool:
    """Whether a wall-clock time falls in the quiet hours [start, end), which may span midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


class Intent(StrEnum):
    YES = "yes"
    NO = "no"
    STOP = "stop"
    START = "start"
    OTHER = "other"


# Carrier opt-out and opt-in keywords (CTIA); CANCEL is an answer to a reminder here,
# so it is not among them (docs/reminders.md: turn it off as an opt-out word at Twilio).
_WORDS = {
    Intent.YES: {"C", "Y", "YES", "CONFIRM", "CONFIRMED", "OK"},
    Intent.NO: {"N", "NO", "CANCEL"},
    Intent.STOP: {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "OPTOUT", "REVOKE"},
    Intent.START: {"START", "UNSTOP", "SUBSCRIBE"},
}


def reply_intent(body: str) -> Intent:
    """What a reply means, if it is one keyword (any case, punctuation ignored).

    "No, but I'll be 10 minutes late" is not a cancellation: anything longer than the
    keyword is left to a person.
    """
    words = re.findall(r"[A-Za-z]+", body or "")
    if len(words) != 1:
        return Intent.OTHER
    word = words[0].upper()
    for intent, words_of in _WORDS.items():
        if word in words_of:
            return intent
    return Intent.OTHER
