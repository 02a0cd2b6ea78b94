"""Print the figures `make stress` recorded (JSON lines) as the Markdown table of
docs/security.md: one row per claim, the latest run of each, with the machine and load."""

import json
import os
import platform
import sys
from pathlib import Path


def main(path: str) -> None:
    rows: dict[str, dict] = {}
    for line in Path(path).read_text().splitlines():
        row = json.loads(line)
        rows[row["claim"]] = row  # the latest of each claim
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
          f"; load {' '.join(load)}")  # fmt: skip
    print()
    print("| Claim | Figures | When |")
    print("|---|---|---|")
    for claim, row in rows.items():
        figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in row.items()
                            if k not in ("claim", "at", "full"))  # fmt: skip
        print(f"| {claim} | {figures} | {row['at']} |")


if __name__ == "__main__":
    main(sys.argv[1])
