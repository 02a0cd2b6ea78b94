"""Documentation that is generated from the code stays in step with it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_role_matrix_in_docs_is_the_policy_table():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "roles_matrix.py")],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert generated in (ROOT / "docs" / "roles.md").read_text(), (
        "docs/roles.md is out of date: paste the output of scripts/roles_matrix.py"
    )


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text().splitlines()[:10]
    assert any("make demo" in line for line in head)
    assert any("make test" in line for line in head)
