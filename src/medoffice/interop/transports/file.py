"""The file drop: one message per file, written atomically, in an owner-only directory.

A picker (an interface engine's file reader) sees a message only once it is
complete: we write `.NAME.tmp`, flush it to disk, then rename it to `NAME`.
Names sort in the order the messages were made:

    20260310T150000123456Z_0123456789ABCDEF0123_S12.hl7
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC
from pathlib import Path

from medoffice.interop.transports import Outgoing, ReceiverUnavailable


def file_name(message: Outgoing) -> str:
    made = message.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{made}_{message.control_id}_{message.trigger}.hl7"


def _make_private_dirs(directory: Path) -> None:
    """Create each missing level with mode 0700: the files hold PHI."""
    missing = []
    for level in (directory, *directory.parents):
        if level.exists():
            break
        missing.append(level)
    for level in reversed(missing):
        with suppress(FileExistsError):  # another process made it first
            level.mkdir(mode=0o700)


class FileDrop:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @contextmanager
    def session(self) -> Iterator["FileDrop"]:
        yield self

    def send(self, message: Outgoing) -> str:
        name = file_name(message)
        final = self.directory / name
        temporary = self.directory / f".{name}.tmp"
        try:
            _make_private_dirs(self.directory)
            temporary.unlink(missing_ok=True)  # left over from a crash mid-write
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(message.text.encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)
            _sync_directory(self.directory)
        except OSError as exc:
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise ReceiverUnavailable(
                f"cannot write to {self.directory}: {exc.strerror or type(exc).__name__}"
            ) from exc
        return str(final)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
