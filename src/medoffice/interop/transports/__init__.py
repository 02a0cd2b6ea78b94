"""Where outbound HL7 messages go: a directory (one file each) or an MLLP receiver.

Transports do I/O only. Each opens a session for one delivery run; `send`
returns where the message went, or raises:

- `ReceiverUnavailable`: nothing was delivered and nothing after it can be
  (the directory cannot be written, the receiver is down or timed out); the
  message stays pending and the run stops, so messages keep their order;
- `MessageRefused`: the receiver answered but did not accept this message
  (MSA-1 other than AA/CA); it is marked failed and the run goes on.
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    control_id: str
    trigger: str
    text: str
    created_at: datetime


class DeliveryError(Exception):
    """Base of the two ways a delivery fails; the message says why, without PHI."""


class ReceiverUnavailable(DeliveryError):
    pass


class MessageRefused(DeliveryError):
    pass


class Session(Protocol):
    def send(self, message: Outgoing) -> str: ...


class Transport(Protocol):
    def session(self) -> AbstractContextManager[Session]: ...
