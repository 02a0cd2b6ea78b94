"""Who is acting, from where, in which request: read by the audit trail.

The middleware makes the current request known; the actor is read from it
when an event is recorded, so a user authenticated later in the request (an
API token checked by the REST framework) is the one recorded. Commands and
tasks set an explicit actor instead.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str
    client_ip: str = ""
    request_id: str = ""
    # An OAuth client acting for the user (SMART app or backend service), and its token:
    # every audit row it causes names both, so "which patients did this token touch" is a
    # query (interop/smart/selectors.py).
    via_app: str = ""


SYSTEM = Actor(user_id=None, username="system", role="")

_actor: ContextVar[Actor | None] = ContextVar("medoffice_actor", default=None)
_request: ContextVar[object | None] = ContextVar("medoffice_request", default=None)


def current_actor() -> Actor:
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    request = _request.get()
    if request is None:
        return SYSTEM
    return actor_for_user(
        getattr(request, "user", None),
        client_ip=request.META.get("REMOTE_ADDR", ""),
        request_id=getattr(request, "request_id", ""),
        via_app=getattr(request, "via_app", ""),
    )


def set_actor(actor: Actor):
    """Make `actor` current (commands, tasks); returns a token for `reset_actor`."""
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


WORKER = Actor(user_id=None, username="worker", role="")


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Audit rows written inside the block name `actor` (a task: WORKER; a command)."""
    token = set_actor(actor)
    try:
        yield actor
    finally:
        reset_actor(token)


def set_request(request):
    return _request.set(request)


def reset_request(token) -> None:
    _request.reset(token)


def actor_for_user(user, *, client_ip: str = "", request_id: str = "", via_app: str = "") -> Actor:
    if user is None or not user.is_authenticated:
        return Actor(None, "anonymous", "", client_ip, request_id)
    staff = getattr(user, "staff", None)
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        role=staff.role if staff else "",
        client_ip=client_ip,
        request_id=request_id,
        via_app=via_app,
    )
