"""Run ERA posting in another process against a given database (used by test_crash.py).

python -m tests.payments.crash race DATABASE_URL PRACTICE_ID FILE
    two threads import FILE at the same moment; prints one JSON list of the statuses
python -m tests.payments.crash post DATABASE_URL PRACTICE_ID FILE
    prints "ready", then imports FILE (the test kills it with SIGKILL meanwhile)
"""

import json
import os
import sys
import threading


def main(argv) -> None:
    mode, url, practice_id, path = argv
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.settings")
    import django

    django.setup()
    from django.db import connection

    from medoffice.payments.era import era_import

    data = open(path, "rb").read()  # noqa: PTH123, SIM115 - a short-lived script
    if mode == "post":
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        result = era_import(data, practice=int(practice_id), name="crash.835")
        sys.stdout.write(result.status + "\n")
        return
    barrier = threading.Barrier(2)
    statuses = []

    def worker():
        try:
            barrier.wait()
            statuses.append(era_import(data, practice=int(practice_id), name="race.835").status)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            statuses.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.stdout.write(json.dumps(sorted(statuses)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
