"""The public sample files in ../shared/samples/x12 (LinuxForHealth/x12, Apache-2.0).

They are read from where they are, not copied; tests using them skip when the
folder is absent (a checkout without the shared folder beside it).
"""

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples" / "x12"


def sample(relative: str) -> Path:
    path = SAMPLES / relative
    if not path.exists():
        pytest.skip(f"public X12 sample {relative} not found beside the checkout ({SAMPLES})")
    return path
