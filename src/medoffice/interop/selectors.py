from django.db.models import QuerySet

from medoffice.interop.models import (
    NEEDS_REVIEW,
    InboundMessage,
    OutboundMessage,
    OutboundStatus,
)

WAITING = (OutboundStatus.PENDING, OutboundStatus.FAILED)


def outbound_message_list_waiting() -> QuerySet[OutboundMessage]:
    """Messages the receiver does not have yet, oldest first."""
    return OutboundMessage.objects.filter(status__in=WAITING).order_by("id")


def outbound_message_list_recent(limit: int = 50) -> list[OutboundMessage]:
    """The last `limit` messages of any status, oldest first."""
    return list(reversed(OutboundMessage.objects.order_by("-id")[:limit]))


_LOG_LIMIT = 200


def inbound_message_list(
    *, practice_id: int, status: str = "", message_type: str = ""
) -> list[InboundMessage]:
    """The latest inbound messages of the practice, newest first (the log's left column)."""
    rows = InboundMessage.objects.filter(practice_id=practice_id).select_related("patient")
    if status:
        rows = rows.filter(status=status)
    if message_type:
        rows = rows.filter(message_type=message_type)
    return list(rows.defer("text", "ack_text").order_by("-id")[:_LOG_LIMIT])


def inbound_message_list_for_review(*, practice_id: int) -> list[InboundMessage]:
    """What someone must look at: held for a match, failed, or broken; oldest first."""
    return list(
        InboundMessage.objects.filter(practice_id=practice_id, status__in=NEEDS_REVIEW)
        .defer("ack_text")
        .order_by("id")[:_LOG_LIMIT]
    )


def outbound_message_list_for_log(
    *, practice_id: int, status: str = "", message_type: str = ""
) -> list[OutboundMessage]:
    """The practice's latest outbound SIU messages, newest first."""
    if message_type and message_type != "SIU":
        return []
    rows = OutboundMessage.objects.filter(appointment__appointment_type__practice_id=practice_id)
    if status:
        rows = rows.filter(status=status)
    return list(rows.select_related("appointment").defer("text").order_by("-id")[:_LOG_LIMIT])
