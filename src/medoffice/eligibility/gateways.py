"""Where a 270 goes and a 271 comes from: the boundary between the office and the payer.

A gateway moves bytes and never parses them (x12map.py does). Settings name the class
(MEDOFFICE_ELIGIBILITY_GATEWAY, docs/operations.md):

- `SimulatedPayer` (the default, for the demo and the tests) answers each 270 at once
  with a 271 built from the coverage on file (simulator.py), through the real codec;
- `ClearinghouseFolder` sends the 270 through the practice's clearinghouse connection
  (billing's, by default the folder MEDOFFICE_VAR_DIR/clearinghouse/outbox/) and answers
  later: `collect()` yields the 271 files found in the connections' inboxes (the worker
  polls it).

A gateway to another transport implements the same two methods: `send(request=, name=)`
returns the 271 when the answer is immediate, or None when it comes later through
`collect()`, and raises GatewayUnavailableError when the payer cannot be reached (the
check is then marked error with that reason; the 270 is kept).
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from medoffice.eligibility.errors import GatewayUnavailableError

logger = logging.getLogger(__name__)


@dataclass
class Incoming:
    """A response file waiting in an inbox; `finish(ok)` files it away (processed/rejected)."""

    name: str
    content: bytes
    path: Path | None = None
    on_finish: Callable[[bool], None] | None = None

    def finish(self, ok: bool) -> None:
        if self.on_finish is not None:
            self.on_finish(ok)
            return
        if self.path is None:
            return
        folder = self.path.parent / ("processed" if ok else "rejected")
        folder.mkdir(exist_ok=True)
        self.path.replace(folder / self.path.name)


class Gateway:
    """Also names the 270's envelope: ISA06 sender, ISA08 receiver, ISA15 test/production
    (`envelope_for`); a stand-in payer answering in-process keeps fixed ids."""

    name = "gateway"
    sender_id = "MEDOFFICE"
    receiver_id = "CLEARINGHOUSE"
    production = False

    def envelope_for(self, check) -> dict:
        return {
            "sender_id": self.sender_id, "receiver_id": self.receiver_id,
            "production": self.production, "control_number": check.pk,
        }  # fmt: skip

    def prepare(self, check) -> None:
        """Called before `send` with the check the 270 asks about."""

    def send(self, *, request: bytes, name: str) -> bytes | None:
        raise NotImplementedError

    def collect(self) -> Iterator[Incoming]:
        return iter(())


class SimulatedPayer(Gateway):
    """A payer that answers at once from the coverage on file (simulator.py)."""

    name = "simulated payer"
    receiver_id = "SIMPAYER"

    def send(self, *, request: bytes, name: str) -> bytes | None:
        from medoffice.eligibility.simulator import answer_270

        return answer_270(request, receiver_id=self.sender_id)


def clearinghouse_dir() -> Path:
    return Path(settings.VAR_DIR) / "clearinghouse"


class ClearinghouseFolder(Gateway):
    """Through the practice's clearinghouse connection (billing's ClearinghouseConnection:
    the folder exchange under MEDOFFICE_VAR_DIR/clearinghouse, or SFTP): the 270's envelope
    carries the connection's sender and receiver ids and test/production flag, its control
    numbers come from the connection's counter (never repeated, shared with the claims),
    the file goes out through the connection's transport, and 271s are picked up from the
    same inbox the claims' answers come to (other transactions are left there for billing)."""

    name = "clearinghouse"
    SUFFIX = ".x12"

    def __init__(self) -> None:
        self.connection = None

    def _connection(self, check):
        from medoffice.billing.exchange import Routes
        from medoffice.eligibility.errors import NotCheckableError

        connection = Routes(check.practice_id).for_payer(check.coverage.payer_id)
        if connection is None:
            raise NotCheckableError(
                "No active clearinghouse connection takes this payer: the office manager adds "
                "one (Configuration -> Clearinghouse connections)."
            )
        return connection

    def envelope_for(self, check) -> dict:
        from medoffice.billing.exchange import control_numbers

        connection = self.connection = self._connection(check)
        number = control_numbers(connection, 1, "ISA")
        return {
            "sender_id": connection.sender_id, "receiver_id": connection.receiver_id,
            "sender_qualifier": connection.sender_qualifier,
            "receiver_qualifier": connection.receiver_qualifier,
            "production": connection.usage == "P", "control_number": number,
        }  # fmt: skip

    def prepare(self, check) -> None:
        from medoffice.eligibility.errors import NotCheckableError

        if self.connection is None:
            try:
                self.connection = self._connection(check)
            except NotCheckableError as exc:
                raise GatewayUnavailableError(str(exc)) from exc

    def send(self, *, request: bytes, name: str) -> bytes | None:
        from medoffice.billing.exchange import transport_for
        from medoffice.interop.transports.exchange import ExchangeUnavailable

        if self.connection is None:
            raise GatewayUnavailableError("No clearinghouse connection was chosen for this 270.")
        try:
            with transport_for(self.connection).session() as session:
                session.upload(f"{name}{self.SUFFIX}", request)
        except ExchangeUnavailable as exc:
            raise GatewayUnavailableError(
                f"The 270 could not be written to the clearinghouse outbox ({exc})."
            ) from exc
        return None

    def collect(self) -> Iterator[Incoming]:
        """Each 271 waiting in an active connection's inbox (each inbox once)."""
        from medoffice.billing.exchange import folder_paths, transport_for
        from medoffice.billing.models import ClearinghouseConnection, ConnectionKind
        from medoffice.eligibility.x12map import is_271
        from medoffice.interop.transports.exchange import (
            PROCESSED,
            QUARANTINE,
            ExchangeUnavailable,
        )

        seen = set()
        for connection in ClearinghouseConnection.objects.filter(is_active=True).order_by("id"):
            if connection.kind == ConnectionKind.FOLDER:
                key = ("folder", str(folder_paths(connection)[1]))
            else:
                key = ("sftp", connection.host, connection.port, connection.remote_inbox)
            if key in seen:
                continue
            seen.add(key)
            try:
                with transport_for(connection).session() as session:
                    for file_name in session.incoming():
                        content = session.download(file_name)
                        if not is_271(content):
                            continue

                        def finish(ok: bool, name=file_name, session=session) -> None:
                            session.set_aside(name, PROCESSED if ok else QUARANTINE)

                        yield Incoming(name=file_name, content=content, on_finish=finish)
            except ExchangeUnavailable as exc:
                logger.warning("271s of %s not picked up: %s", connection.name, exc)


def gateway() -> Gateway:
    dotted = getattr(
        settings, "MEDOFFICE_ELIGIBILITY_GATEWAY", "medoffice.eligibility.gateways.SimulatedPayer"
    )
    return import_string(dotted)()


def gateway_label(instance: Gateway) -> str:
    return f"{type(instance).__module__}.{type(instance).__qualname__}"
