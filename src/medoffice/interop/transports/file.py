"""The file drop: one message per file, written atomically, in an owner-only directory.

A picker (an interface engine's file reader) sees a message only once it is
complete and on disk: we write `.NAME.tmp`, make it durable, then rename it to
`NAME` and make the rename durable. A batch (`send_many`, what the worker
delivers) writes all its temporary files, makes them durable with one sync of
the file system (Linux `syncfs`; elsewhere one fsync per file), renames them in
order and syncs the directory once. Names sort in the order the messages were made:

    20260310T150000123456Z_0123456789ABCDEF0123_S12.hl7
"""

import ctypes
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
        return self.send_many([message])[0]

    def send_many(self, messages: list[Outgoing]) -> list[str]:
        """Write every message of the batch, in order; where each went. All or nothing is
        promised durable: on an error none is reported sent (a file already renamed is
        written again, under the same name, by the next run)."""
        staged: list[tuple[Path, Path]] = []
        try:
            _make_private_dirs(self.directory)
            for message in messages:
                name = file_name(message)
                temporary = self.directory / f".{name}.tmp"
                temporary.unlink(missing_ok=True)  # left over from a crash mid-write
                staged.append((temporary, self.directory / name))
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(message.text.encode("utf-8"))
            _sync_files(self.directory, [temporary for temporary, _ in staged])
            for temporary, final in staged:
                os.replace(temporary, final)
            _sync_directory(self.directory)
        except OSError as exc:
            for temporary, _ in staged:
                with suppress(OSError):
                    temporary.unlink(missing_ok=True)
            raise ReceiverUnavailable(
                f"cannot write to {self.directory}: {exc.strerror or type(exc).__name__}"
            ) from exc
        return [str(final) for _, final in staged]


def _syncfs():
    """libc's syncfs(2) (Linux), or None."""
    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    call.argtypes = [ctypes.c_int]
    return call


_SYNCFS = _syncfs()


def _sync_files(directory: Path, paths: list[Path]) -> None:
    """Make the files' contents durable: one syncfs for the lot where there is one (it
    flushes the whole file system the directory is on), else one fsync per file."""
    if _SYNCFS is not None and len(paths) > 1:
        fd = os.open(directory, os.O_RDONLY)
        try:
            if _SYNCFS(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
