"""How big the attack tests run: quick in `make test`, full in `make stress`.

MEDOFFICE_STRESS=1 (set by `make stress`) switches every test of tests/attack to its full
size; each size can also be set on its own (the names below). Figures are appended as
JSON lines to MEDOFFICE_STRESS_REPORT when it is set (`scripts/stress_report.py` prints
them as the table in docs/security.md).
"""

import json
import os
import time

FULL = os.environ.get("MEDOFFICE_STRESS") == "1"


def size(name: str, quick: int, full: int) -> int:
    """The env value of `name`, else `full` under MEDOFFICE_STRESS=1, else `quick`."""
    value = os.environ.get(name)
    return int(value) if value else (full if FULL else quick)


SEED = size("MEDOFFICE_FUZZ_SEED", 20261123, 20261123)


def report(claim: str, **figures) -> None:
    """Record one figure row (a claim and its numbers) for the stress report."""
    path = os.environ.get("MEDOFFICE_STRESS_REPORT")
    if not path:
        return
    row = {
        "claim": claim,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "full": FULL,
        **figures,
    }
    with open(path, "a", encoding="utf-8") as out:  # noqa: PTH123 - one line appended
        out.write(json.dumps(row, default=str) + "\n")


class TimeBox:
    """Counts the examples that ran; after `seconds` the rest are skipped (a full run is
    time-boxed: it reports how many ran, never claims more)."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds
        self.ran = 0

    def open(self) -> bool:
        if time.monotonic() > self.deadline:
            return False
        self.ran += 1
        return True
