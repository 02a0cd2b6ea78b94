from django.db.models import QuerySet

from medoffice.interop.models import OutboundMessage, OutboundStatus

WAITING = (OutboundStatus.PENDING, OutboundStatus.FAILED)


def outbound_message_list_waiting() -> QuerySet[OutboundMessage]:
    """Messages the receiver does not have yet, oldest first."""
    return OutboundMessage.objects.filter(status__in=WAITING).order_by("id")


def outbound_message_list_recent(limit: int = 50) -> list[OutboundMessage]:
    """The last `limit` messages of any status, oldest first."""
    return list(reversed(OutboundMessage.objects.order_by("-id")[:limit]))
