"""SQLite writers queue on a lock file (core/sqlite_writers.py): the next one is woken at the
release, and none waits longer than the busy timeout. The file-database races that use it
through Django are tests/scheduling/test_race.py and tests/attack/test_concurrency.py."""

import threading
import time

from medoffice.core.sqlite_writers import WriterLock


def test_a_second_writer_waits_and_is_woken_when_the_first_releases(tmp_path):
    path = str(tmp_path / "medoffice.sqlite3-writers")
    first, second = WriterLock(path, timeout_s=10), WriterLock(path, timeout_s=10)
    first.acquire()
    woken = threading.Event()

    def take() -> None:
        second.acquire()
        woken.set()

    waiter = threading.Thread(target=take)
    waiter.start()
    assert not woken.wait(0.3)  # still queued behind the first
    first.release()
    assert woken.wait(5)
    waiter.join()
    assert second.held
    second.release()
    first.close()
    second.close()


def test_a_writer_stops_queueing_after_the_busy_timeout_and_leaves_sqlite_to_answer(tmp_path):
    path = str(tmp_path / "medoffice.sqlite3-writers")
    holder, late = WriterLock(path, timeout_s=10), WriterLock(path, timeout_s=0.3)
    holder.acquire()
    started = time.monotonic()
    late.acquire()
    assert 0.3 <= time.monotonic() - started < 5
    assert not late.held
    late.release()  # nothing to release: the holder keeps it
    assert holder.held
    holder.close()
    late.close()
