"""File exchange with a clearinghouse: put our files in its outbox, take its answers from
an inbox, and set each answer aside once it is dealt with.

Two transports share one small interface (`ExchangeSession`): a pair of local
directories (`folder.FolderExchange`, the default and the demo's) and an SFTP
server (`sftp.SftpExchange`). They move bytes only: they never parse. An
upload is atomic on both (written under a hidden temporary name, then renamed),
so a clearinghouse never picks up half a file.

Any failure to reach or write the other side raises `ExchangeUnavailable` with
a reason a biller can read (never file contents): the caller keeps the batch
queued and tries again later.
"""

from contextlib import AbstractContextManager
from typing import Protocol

PROCESSED = "processed"
QUARANTINE = "quarantine"
SET_ASIDE_FOLDERS = (PROCESSED, QUARANTINE)


class ExchangeUnavailable(Exception):
    """The other side cannot be reached, refused us, or cannot be written."""


class ExchangeSession(Protocol):
    def upload(self, name: str, data: bytes) -> str:
        """Write `data` to the outbox as `name`; returns where it went."""
        ...

    def incoming(self) -> list[str]:
        """Names of the files waiting in the inbox, in name order (hidden files skipped)."""
        ...

    def download(self, name: str) -> bytes: ...

    def set_aside(self, name: str, folder: str) -> str:
        """Move an inbox file into the inbox's `processed` or `quarantine` folder (or the
        configured archive); returns its new place."""
        ...


class Exchange(Protocol):
    def session(self) -> AbstractContextManager[ExchangeSession]: ...


def safe_name(name: str) -> str:
    """A file name as given, refusing paths (a name from a remote listing must not climb)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"not a plain file name: {name!r}")
    return name
