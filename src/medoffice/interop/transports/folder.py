"""The folder exchange: an outbox directory the clearinghouse's agent collects from and an
inbox directory it drops answers into (both owner-only: the files hold PHI)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from medoffice.interop.transports.exchange import (
    SET_ASIDE_FOLDERS,
    ExchangeUnavailable,
    safe_name,
)
from medoffice.interop.transports.file import _make_private_dirs, _sync_directory


def _free_name(directory: Path, name: str) -> Path:
    """`name` in `directory`, or `name.1`, `name.2`... when taken (never overwrite)."""
    target = directory / name
    n = 0
    while target.exists():
        n += 1
        target = directory / f"{name}.{n}"
    return target


class FolderExchange:
    def __init__(self, outbox: Path, inbox: Path) -> None:
        self.outbox = Path(outbox)
        self.inbox = Path(inbox)

    @contextmanager
    def session(self) -> Iterator["FolderExchange"]:
        try:
            _make_private_dirs(self.outbox)
            _make_private_dirs(self.inbox)
        except OSError as exc:
            raise ExchangeUnavailable(f"cannot make the exchange folders: {exc.strerror}") from exc
        yield self

    def upload(self, name: str, data: bytes) -> str:
        name = safe_name(name)
        final = self.outbox / name
        temporary = self.outbox / f".{name}.part"
        try:
            if final.exists():
                if final.read_bytes() == data:  # an earlier try wrote it and was not recorded
                    return str(final)
                raise ExchangeUnavailable(f"{name} is already in the outbox with other content")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)
            _sync_directory(self.outbox)
        except OSError as exc:
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise ExchangeUnavailable(
                f"cannot write to the outbox {self.outbox}: {exc.strerror or type(exc).__name__}"
            ) from exc
        return str(final)

    def incoming(self) -> list[str]:
        try:
            return sorted(
                entry.name
                for entry in os.scandir(self.inbox)
                if entry.is_file(follow_symlinks=False) and not entry.name.startswith(".")
            )
        except OSError as exc:
            raise ExchangeUnavailable(
                f"cannot read the inbox {self.inbox}: {exc.strerror}"
            ) from exc

    def download(self, name: str) -> bytes:
        try:
            return (self.inbox / safe_name(name)).read_bytes()
        except OSError as exc:
            raise ExchangeUnavailable(f"cannot read {name} from the inbox: {exc.strerror}") from exc

    def set_aside(self, name: str, folder: str) -> str:
        if folder not in SET_ASIDE_FOLDERS:
            raise ValueError(folder)
        directory = self.inbox / folder
        try:
            _make_private_dirs(directory)
            target = _free_name(directory, safe_name(name))
            os.replace(self.inbox / name, target)
        except OSError as exc:
            raise ExchangeUnavailable(f"cannot move {name} aside: {exc.strerror}") from exc
        return str(target)
