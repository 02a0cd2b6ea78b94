"""SU-01 supply chain checks, run by `make audit` (which `make test` runs):

1. bandit over src/ (offline): fails on any finding not in scripts/bandit-baseline.json,
   the reviewed list (docs/security.md, "SU-01", says why each kind stays).
2. The installed packages are exactly the hashed lock (requirements.lock, made by
   `make lock`: pip-compile --generate-hashes from pyproject.toml): every locked package
   installed at its locked version, nothing installed that the lock does not name.
3. pip-audit against PyPI's vulnerability data. Its services (PyPI's per-version JSON
   API, OSV) are not reachable from this workplace's network: then it says how many
   packages it could not audit and does not fail; any vulnerability it does report fails.
   One request to PyPI first: where the network drops packets instead of refusing them,
   pip-audit would wait its timeout for each of 160 packages (about 40 minutes in CI), so
   an unreachable service is seen once, in seconds, and the whole run is bounded too.

Prints one line per check and, with MEDOFFICE_STRESS_REPORT set, records the figures.
"""

import json
import os
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Not compared: the installer's own tools (a venv brings its own pip and setuptools) and
# this project itself.
NOT_LOCKED = {"pip", "setuptools", "wheel", "medoffice"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _record(claim: str, **figures) -> None:
    path = os.environ.get("MEDOFFICE_STRESS_REPORT")
    if path:
        row = {"claim": claim, "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **figures}
        with open(path, "a", encoding="utf-8") as out:  # noqa: PTH123 - one line appended
            out.write(json.dumps(row) + "\n")


def bandit() -> bool:
    args = [str(BIN / "bandit"), "-q", "-r", "src", "-x", "*/migrations/*", "-f", "json"]
    every = json.loads(
        subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    )
    baseline = [*args, "-b", "scripts/bandit-baseline.json"]
    new = json.loads(
        subprocess.run(baseline, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    )
    totals = every["metrics"]["_totals"]
    counts = {s: int(totals[f"SEVERITY.{s.upper()}"]) for s in ("high", "medium", "low")}
    fresh = new["results"]
    print(f"bandit: {len(fresh)} new finding(s); reviewed baseline: {counts['high']} high, "
          f"{counts['medium']} medium, {counts['low']} low")  # fmt: skip
    for issue in fresh:
        print(f"  {issue['filename']}:{issue['line_number']} {issue['test_id']} "
              f"{issue['issue_severity']}: {issue['issue_text']}")  # fmt: skip
    _record("bandit (src/, offline)", new_findings=len(fresh), **counts)
    return not fresh and counts["high"] == 0


def lock() -> bool:
    text = (ROOT / "requirements.lock").read_text()
    locked = {_norm(m.group(1)): m.group(2)
              for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", text, re.M)}  # fmt: skip
    hashed = len(re.findall(r"--hash=sha256:", text))
    installed = {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    wrong = {n: (v, installed.get(n)) for n, v in locked.items()
             if installed.get(n) != v and n not in NOT_LOCKED}  # fmt: skip
    extra = sorted(set(installed) - set(locked) - NOT_LOCKED)
    print(f"lock: {len(locked)} packages, {hashed} hashes; {len(wrong)} installed at another "
          f"version or missing, {len(extra)} installed but not locked")  # fmt: skip
    for name, (want, have) in sorted(wrong.items()):
        print(f"  {name}: locked {want}, installed {have}")
    for name in extra:
        print(f"  {name}: installed {installed[name]}, not in requirements.lock")
    _record("requirements.lock matches the installed set", locked=len(locked), hashes=hashed,
            mismatched=len(wrong), unlocked=len(extra))  # fmt: skip
    return not wrong and not extra and hashed >= len(locked)


def _pypi_reachable(seconds: float = 5.0) -> bool:
    import urllib.request

    try:
        # A fixed https URL, not user input.
        with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=seconds):  # nosec B310
            return True
    except OSError:
        return False


def audit() -> bool:
    if not _pypi_reachable():
        print("pip-audit: SKIPPED: PyPI's JSON API did not answer within 5 s from this "
              "network; run `make audit` where it does")  # fmt: skip
        _record("pip-audit", audited=0, vulnerabilities=None, reason="not reachable")
        return True
    args = [str(BIN / "pip-audit"), "-r", "requirements.lock", "--require-hashes", "--no-deps",
            "--disable-pip", "-s", "pypi", "-f", "json", "--progress-spinner", "off",
            "--timeout", "15"]  # fmt: skip
    try:
        run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False,
                             timeout=300)  # fmt: skip
    except subprocess.TimeoutExpired:
        print("pip-audit: SKIPPED: no answer within 5 minutes")
        _record("pip-audit", audited=0, vulnerabilities=None, reason="timed out")
        return True
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit: could not run ({run.stderr.strip().splitlines()[-1:]})")
        _record("pip-audit", audited=0, vulnerabilities=None, reason="could not run")
        return True
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    vulns = [(d["name"], v["id"]) for d in deps for v in d.get("vulns", [])]
    audited = len(deps) - len(skipped)
    if audited == 0 and deps:
        print(f"pip-audit: SKIPPED, 0 of {len(deps)} packages audited: the vulnerability "
              "service is not reachable from this network (PyPI's per-version JSON API and "
              "OSV); run `make audit` where it is")  # fmt: skip
    else:
        print(f"pip-audit: {audited} of {len(deps)} packages audited, {len(vulns)} known "
              f"vulnerabilities")  # fmt: skip
    for name, vuln in vulns:
        print(f"  {name}: {vuln}")
    _record("pip-audit", packages=len(deps), audited=audited, vulnerabilities=len(vulns))
    return not vulns


def main() -> int:
    results = [bandit(), lock(), audit()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
