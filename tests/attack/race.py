"""Concurrency trials run in another process against a given database (used by
test_concurrency.py): a file copy of the SQLite test database (the production settings:
WAL, IMMEDIATE transactions, busy_timeout) or the PostgreSQL test database itself.

python -m tests.attack.race booking DATABASE_URL OFFICE_JSON WORKERS
    WORKERS threads, released together, each try every slot of the office for its own
    patient (tests/scheduling/race.py: attempt_all); prints {"outcomes", "checks"}
python -m tests.attack.race era DATABASE_URL PRACTICE_ID COPIES FILE...
    COPIES threads per file, all released together, each import its file; prints
    {"statuses": {file: [status, ...]}, "ledger_problems": [...]}
"""

import json
import os
import sys
import threading


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.settings")
    import django

    django.setup()


def _together(jobs) -> list:
    """Run each job in its own thread, all released by one barrier; their results in order."""
    from django.db import connection

    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def work(index: int) -> None:
        try:
            results[index] = jobs[index](lambda: barrier.wait(timeout=60))
        except Exception as exc:  # noqa: BLE001 - reported to, and failed by, the test
            results[index] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return results


def booking(url: str, office_json: str, workers: str) -> dict:
    _setup(url)
    from tests.scheduling.race import attempt_all, database_checks

    office = json.loads(office_json)
    jobs = [lambda wait, i=i: attempt_all(office, i, wait) for i in range(int(workers))]
    results = _together(jobs)
    outcomes = []
    for result in results:
        if isinstance(result, str):
            outcomes.append([None, None, None, "error", result])
        else:
            outcomes.extend(result)
    return {"outcomes": outcomes, "checks": database_checks()}


def era(url: str, practice_id: str, copies: str, *paths: str) -> dict:
    _setup(url)
    from pathlib import Path

    from medoffice.payments.checks import ledger_problems
    from medoffice.payments.era import era_import

    files = {p: Path(p).read_bytes() for p in paths}
    order = [p for p in paths for _ in range(int(copies))]

    def job(path):
        def run(wait):
            wait()
            return era_import(files[path], practice=int(practice_id), name=Path(path).name).status

        return run

    results = _together([job(p) for p in order])
    statuses: dict[str, list] = {p: [] for p in paths}
    for path, status in zip(order, results, strict=True):
        statuses[path].append(status)
    return {"statuses": {p: sorted(s) for p, s in statuses.items()},
            "ledger_problems": [str(p) for p in ledger_problems()]}  # fmt: skip


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    result = {"booking": booking, "era": era}[mode](*args)
    sys.stdout.write(json.dumps(result) + "\n")
