"""scripts/project_check.py: the project-specific bans from STYLE.md."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "project_check.py"


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )


def write(root: Path, rel: str, source: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


@pytest.mark.parametrize(
    ("rel", "source", "reason"),
    [
        ("billing/fees.py", "x = 1\ntotal = float(amount)\n", "float() in money code"),
        ("core/money.py", "x = 1\ncents = float(value)\n", "float() in money code"),
        ("core/clock.py", "import datetime\nnow = datetime.datetime.now()\n", "naive datetime.now"),
        ("core/clock.py", "from datetime import date\nd = date.today()\n", "naive date.today"),
        ("core/util.py", "x = 1\nprint(x)\n", "print()"),
        ("patients/views.py", "x = 1\np = Patient.objects.get(pk=1)\n", ".objects.get()"),
        ("patients/services.py", "x = 1\nlogger.info('saved %s', p.last_name)\n", "PHI in a log"),
        ("core/mail.py", "x = 1\nlogging.warning('bounce', extra={'email': e})\n", "PHI in a log"),
    ],
)
def test_reports_each_ban_with_file_and_line(tmp_path, rel, source, reason):
    path = write(tmp_path, rel, source)

    result = run_check(tmp_path)

    assert result.returncode == 1
    assert f"{path}:2: {reason}" in result.stdout


def test_passes_a_clean_tree(tmp_path):
    write(
        tmp_path,
        "billing/fees.py",
        '"""float( in a docstring is fine."""\n'
        "from decimal import Decimal\n"
        "from django.utils import timezone\n"
        "total = Decimal('1.10')\n"
        "now = timezone.now()\n"
        "logger.info('claim %s submitted', claim.public_id)\n",
    )
    write(tmp_path, "core/management/commands/load_demo.py", "print('done')\n")
    write(tmp_path, "cli.py", "print('serving')\n")
    write(tmp_path, "core/services.py", "g = Group.objects.get(name='biller')\n")

    result = run_check(tmp_path)

    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
