"""Where a 270 goes and a 271 comes from: the boundary between the office and the payer.

A gateway moves bytes and never parses them (x12map.py does). Settings name the class
(MEDOFFICE_ELIGIBILITY_GATEWAY, docs/operations.md):

- `SimulatedPayer` (the default, for the demo and the tests) answers each 270 at once
  with a 271 built from the coverage on file (simulator.py), through the real codec;
- `ClearinghouseFolder` writes the 270 to MEDOFFICE_VAR_DIR/clearinghouse/outbox/ and
  answers later: `collect()` yields the 271 files found in .../inbox/ (a task polls it).

A gateway to another transport implements the same two methods: `send(request=, name=)`
returns the 271 when the answer is immediate, or None when it comes later through
`collect()`, and raises GatewayUnavailableError when the payer cannot be reached (the
check is then marked error with that reason; the 270 is kept).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from medoffice.eligibility.errors import GatewayUnavailableError


@dataclass
class Incoming:
    """A response file waiting in an inbox; `finish(ok)` files it away (processed/rejected)."""

    name: str
    content: bytes
    path: Path | None = None

    def finish(self, ok: bool) -> None:
        if self.path is None:
            return
        folder = self.path.parent / ("processed" if ok else "rejected")
        folder.mkdir(exist_ok=True)
        self.path.replace(folder / self.path.name)


class Gateway:
    """Also names the 270's envelope: ISA06 sender, ISA08 receiver, ISA15 test/production."""

    name = "gateway"
    sender_id = "MEDOFFICE"
    receiver_id = "CLEARINGHOUSE"
    production = False

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
    """Files in MEDOFFICE_VAR_DIR/clearinghouse: 270s out, 271s picked up from the inbox."""

    name = "clearinghouse folder"
    SUFFIX = ".x12"

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or clearinghouse_dir()

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def send(self, *, request: bytes, name: str) -> bytes | None:
        target = self.outbox / f"{name}{self.SUFFIX}"
        partial = self.outbox / f".{name}.part"
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            # Written aside, then renamed: the clearinghouse never picks up half a file.
            with open(partial, "wb") as handle:
                handle.write(request)
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(target)
        except OSError as exc:
            raise GatewayUnavailableError(
                f"The 270 could not be written to the clearinghouse outbox ({exc.strerror})."
            ) from exc
        return None

    def collect(self) -> Iterator[Incoming]:
        """Each 271 file in the inbox, oldest first; other transactions are left for the
        code that reads them (999, 277CA, 835 belong to billing)."""
        from medoffice.eligibility.x12map import is_271

        if not self.inbox.is_dir():
            return
        files = sorted(
            (p for p in self.inbox.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        for path in files:
            content = path.read_bytes()
            if is_271(content):
                yield Incoming(name=path.name, content=content, path=path)


def gateway() -> Gateway:
    dotted = getattr(
        settings, "MEDOFFICE_ELIGIBILITY_GATEWAY", "medoffice.eligibility.gateways.SimulatedPayer"
    )
    return import_string(dotted)()


def gateway_label(instance: Gateway) -> str:
    return f"{type(instance).__module__}.{type(instance).__qualname__}"
