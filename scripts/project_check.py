#!/usr/bin/env python3
"""Project-specific lint for bans ruff cannot express (docs STYLE.md).

Scans every .py file under --root (default src/medoffice) and prints
`file:line: reason` for each of:

- `float(` in money code (payments/, billing/, formats/x12/, or a file with
  "money" in its name): money is Decimal end to end;
- naive datetimes (`datetime.now(`, `datetime.utcnow(`, `datetime.today(`,
  `date.today(`): use django.utils.timezone;
- `print(` outside management commands and cli.py: use logging or the
  command's stdout;
- `.objects.get(` in views.py / api.py: PHI is reached through access.py;
- logging calls whose arguments name PHI fields (first_name, dob, email, ...).

Exit status 1 if anything was found. Uses the AST, so comments, docstrings
and prose in strings never trigger a ban.
"""

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

MONEY_DIRS = ("payments", "billing", "formats/x12")
PRINT_ALLOWED_FILES = ("cli.py",)
# (owner, method) pairs that give naive values.
NAIVE_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
PHI_WORDS = ("first_name", "last_name", "dob", "ssn", "mrn", "phone", "email", "address")
# A PHI word as a whole identifier or one underscore-separated part of it:
# matches home_phone, patient.dob, emails; not "dobby" or "telephony".
PHI_RE = re.compile(r"(?:^|_)(?:" + "|".join(PHI_WORDS) + r")s?(?:_|$)", re.IGNORECASE)


def _name_of(node: ast.AST) -> str | None:
    """The last name in a dotted expression: `a.b.c` -> "c", `x` -> "x"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_logger(node: ast.AST) -> bool:
    name = (_name_of(node) or "").lower()
    return name in {"logging", "log"} or name.endswith("logger")


def _phi_names(node: ast.AST) -> list[str]:
    """PHI-looking identifiers, keyword names and dict/subscript keys in node."""
    found = []
    for sub in ast.walk(node):
        candidates: list[object] = []
        if isinstance(sub, ast.Name | ast.Attribute):
            candidates.append(_name_of(sub))
        elif isinstance(sub, ast.keyword):
            candidates.append(sub.arg)
        elif isinstance(sub, ast.Dict):
            candidates.extend(k.value for k in sub.keys if isinstance(k, ast.Constant))
        elif isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant):
            candidates.append(sub.slice.value)
        found.extend(c for c in candidates if isinstance(c, str) and PHI_RE.search(c))
    return found


def is_money_file(rel: Path) -> bool:
    posix = rel.as_posix()
    return "money" in rel.name or any(posix.startswith(d + "/") for d in MONEY_DIRS)


def check_source(source: str, rel: Path) -> Iterator[tuple[int, str]]:
    """Yield (line, reason) for each ban broken in one file; rel is relative to the root."""
    try:
        tree = ast.parse(source, filename=str(rel))
    except SyntaxError as exc:
        yield exc.lineno or 1, f"cannot parse: {exc.msg}"
        return

    money = is_money_file(rel)
    print_allowed = rel.name in PRINT_ALLOWED_FILES or "management/commands" in rel.as_posix()
    view_or_api = rel.name in {"views.py", "api.py"}

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "float" and money:
                yield node.lineno, "float() in money code: use Decimal (core/money.py)"
            elif func.id == "print" and not print_allowed:
                yield node.lineno, "print(): use logging or a management command's stdout"
            continue
        if not isinstance(func, ast.Attribute):
            continue
        owner = _name_of(func.value)
        if (owner, func.attr) in NAIVE_CALLS:
            yield node.lineno, f"naive {owner}.{func.attr}(): use django.utils.timezone"
        elif func.attr == "get" and owner == "objects" and view_or_api:
            yield node.lineno, ".objects.get() in a view/API: go through <entity>_get_for_user"
        elif func.attr in LOG_METHODS and _is_logger(func.value):
            args = [*node.args, *node.keywords]
            phi = sorted({name for arg in args for name in _phi_names(arg)})
            if phi:
                yield node.lineno, f"PHI in a log call: {', '.join(phi)}"


def check_tree(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        for line, reason in check_source(path.read_text(encoding="utf-8"), rel):
            problems.append(f"{path}:{line}: {reason}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("src/medoffice"))
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        sys.stderr.write(f"project_check: {args.root} is not a directory\n")
        return 2
    problems = check_tree(args.root)
    for problem in problems:
        sys.stdout.write(problem + "\n")
    if problems:
        sys.stdout.write(f"project_check: {len(problems)} problem(s)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
