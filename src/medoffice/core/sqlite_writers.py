"""SQLite writers wait on an operating-system lock, polled finely, not on SQLite's busy sleeps.

In IMMEDIATE mode (settings) every transaction takes SQLite's write lock at BEGIN, so
writers run one at a time: that is what keeps a booking's reads true until it commits.
A writer that finds the lock taken is handled by SQLite's busy handler, which sleeps
1, 2, 5, 10, 15, 20, 25 ... ms between tries: the lock is often free for most of a
sleep while every waiter still sleeps. With 8 clients racing for the same slots
through 2 server processes, the waiting, not the work, set the booking rate.

Here each transaction first takes an exclusive `flock` on a lock file beside the
database (`<database>-writers`), then BEGINs. The lock is released at commit, rollback
or the connection's closing (and by the kernel if a process dies). A waiter is not woken
by the kernel: a blocking `flock` cannot time out, so it polls with a non-blocking
`flock`, sleeping 50 us at first and doubling up to 1 ms between tries. It therefore
starts at most about 1 ms after the lock is free, where SQLite's busy handler could
leave it asleep for up to 25 ms. SQLite's own lock is unchanged and still decides
everything: this only orders the writers before they ask it (loosely: pollers are not
served first come, first served). Writes outside a transaction (autocommit statements)
do not take it and wait in SQLite as before. The wait is bounded like SQLite's (the
connection's busy timeout); past it, the transaction starts and SQLite answers as it
always did. `flock` locks of separate open files exclude each other, so threads with
connections of their own queue too.

Only for file databases in IMMEDIATE mode (in-memory test databases are left alone).
"""

import fcntl
import os
import time

from django.db.backends.signals import connection_created

_POLL_START_S = 0.00005
_POLL_MAX_S = 0.001


class WriterLock:
    """One connection's handle on the writers' lock file."""

    def __init__(self, path: str, timeout_s: float):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.timeout_s = timeout_s
        self.held = False

    def acquire(self) -> None:
        """Take the lock, waiting at most the busy timeout. A blocking flock cannot time out,
        so a waiter polls without blocking, at intervals from 50 us to 1 ms."""
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            self.held = True
            return
        deadline = time.monotonic() + self.timeout_s
        pause = _POLL_START_S
        while time.monotonic() < deadline:
            time.sleep(pause)
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pause = min(pause * 2, _POLL_MAX_S)
                continue
            self.held = True
            return
        # Past the busy timeout: BEGIN IMMEDIATE then fails in SQLite as it always did.

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __del__(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # the kernel drops the lock with its last descriptor


def _queue_writers(sender, connection, **kwargs) -> None:
    """On each new SQLite connection: a handle on the lock file of its own (the previous
    connection's closed) and, once per connection object, its transactions wrapped."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    if connection.transaction_mode != "IMMEDIATE":
        return
    previous = getattr(connection, "_writer_lock", None)
    if previous is not None:
        previous.close()
    name = str(connection.settings_dict["NAME"])
    timeout_s = float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))
    connection._writer_lock = WriterLock(f"{name}-writers", timeout_s)
    if getattr(connection, "_writers_queued", False):
        return
    connection._writers_queued = True
    begin = connection._start_transaction_under_autocommit
    commit, rollback, close = connection._commit, connection._rollback, connection._close

    def start_transaction() -> None:
        lock = connection._writer_lock
        lock.acquire()
        try:
            begin()
        except BaseException:
            lock.release()
            raise

    def end(method):
        def ended(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            finally:
                connection._writer_lock.release()

        return ended

    connection._start_transaction_under_autocommit = start_transaction
    connection._commit = end(commit)
    connection._rollback = end(rollback)
    connection._close = end(close)


def connect() -> None:
    connection_created.connect(_queue_writers, dispatch_uid="medoffice.sqlite_writers")
