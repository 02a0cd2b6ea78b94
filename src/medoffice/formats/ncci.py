"""CMS NCCI files: procedure-to-procedure (PTP) edits and medically unlikely edits (MUE).

Pure: bytes in, frozen records out, no Django. Reads the layouts CMS publishes
for practitioner services, as tab-delimited text (the .txt files) or as CSV
(a spreadsheet saved as CSV), with or without the copyright lines CMS puts
above the header:

PTP: Column 1 | Column 2 | *=in existence prior to 1996 | Effective Date |
     Deletion Date (*=no data) | Modifier (0 not allowed, 1 allowed, 9 not
     applicable) | PTP Edit Rationale
MUE: HCPCS/CPT Code | Practitioner Services MUE Values | MUE Adjudication
     Indicator ("1 Line Edit", "2 Date of Service Edit: Policy", "3 Date of
     Service Edit: Clinical") | MUE Rationale

Dates are YYYYMMDD (MM/DD/YYYY is accepted too). A file with any bad row is
refused whole: `NcciParseError.problems` names each line and what is wrong.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

CODE = re.compile(r"^[A-Z0-9]{5}$")


@dataclass(frozen=True)
class PtpRow:
    line: int
    column1: str
    column2: str
    effective_on: date
    deleted_on: date | None
    modifier_indicator: str
    rationale: str = ""


@dataclass(frozen=True)
class MueRow:
    line: int
    code: str
    max_units: int
    adjudication: str  # "1" per line, "2"/"3" per date of service
    rationale: str = ""


class NcciParseError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems[:10]))


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _rows(data: bytes) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank line, tab- or comma-separated."""
    text = _text(data)
    lines = text.splitlines()
    tabbed = sum("\t" in line for line in lines[:200])
    delimiter = "\t" if tabbed else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    for cells in reader:
        number = reader.line_num
        cells = [c.strip() for c in cells]
        if any(cells):
            out.append((number, cells))
    return out


def _date(text: str) -> date | None:
    for pattern in ("%Y%m%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a civil date
        except ValueError:
            continue
    return None


def _after_header(rows, starts: tuple[str, ...], expected: str):
    for index, (_, cells) in enumerate(rows):
        first = cells[0].lower().replace(" ", "")
        if first.startswith(starts):
            body = rows[index + 1 :]
            # A header wrapped onto a second line: a row with no code in its first cell.
            while body and not body[0][1][0]:
                body = body[1:]
            return body
    raise NcciParseError([f"no header row found (expected a first column {expected!r})"])


def parse_ptp(data: bytes) -> list[PtpRow]:
    body = _after_header(_rows(data), ("column1",), "Column 1")
    problems: list[str] = []
    out: list[PtpRow] = []
    seen: dict[tuple, int] = {}
    for number, cells in body:
        where = f"line {number}"
        if len(cells) < 6:
            problems.append(f"{where}: {len(cells)} columns, expected at least 6")
            continue
        col1, col2, _prior, effective, deletion, indicator = (c.upper() for c in cells[:6])
        rationale = cells[6] if len(cells) > 6 else ""
        bad = []
        if not CODE.match(col1):
            bad.append(f"column 1 {col1!r} is not a CPT/HCPCS code")
        if not CODE.match(col2):
            bad.append(f"column 2 {col2!r} is not a CPT/HCPCS code")
        if col1 == col2 and CODE.match(col1):
            bad.append(f"column 1 and column 2 are both {col1}")
        effective_on = _date(effective)
        if effective_on is None:
            bad.append(f"effective date {effective!r} is not YYYYMMDD")
        deleted_on = None
        if deletion not in ("", "*"):
            deleted_on = _date(deletion)
            if deleted_on is None:
                bad.append(f"deletion date {deletion!r} is not YYYYMMDD or *")
            elif effective_on and deleted_on < effective_on:
                bad.append("deletion date is before the effective date")
        if indicator not in ("0", "1", "9"):
            bad.append(f"modifier indicator {indicator!r} is not 0, 1 or 9")
        key = (col1, col2, effective_on)
        if not bad and key in seen:
            bad.append(f"the same edit as line {seen[key]}")
        if bad:
            problems.append(f"{where}: " + "; ".join(bad))
            continue
        seen[key] = number
        out.append(PtpRow(number, col1, col2, effective_on, deleted_on, indicator, rationale[:200]))
    if not out and not problems:
        problems.append("no edits after the header row")
    if problems:
        raise NcciParseError(problems)
    return out


def parse_mue(data: bytes) -> list[MueRow]:
    body = _after_header(_rows(data), ("hcpcs", "cpt"), "HCPCS/CPT Code")
    problems: list[str] = []
    out: list[MueRow] = []
    seen: dict[str, int] = {}
    for number, cells in body:
        where = f"line {number}"
        if len(cells) < 3:
            problems.append(f"{where}: {len(cells)} columns, expected at least 3")
            continue
        code, value, indicator = cells[0].upper(), cells[1], cells[2]
        rationale = cells[3] if len(cells) > 3 else ""
        bad = []
        if not CODE.match(code):
            bad.append(f"{code!r} is not a CPT/HCPCS code")
        if not value.isdigit():
            bad.append(f"MUE value {value!r} is not a whole number")
        adjudication = indicator[:1]
        if adjudication not in ("1", "2", "3"):
            bad.append(f"adjudication indicator {indicator!r} does not start with 1, 2 or 3")
        if not bad and code in seen:
            bad.append(f"{code} is already on line {seen[code]}")
        if bad:
            problems.append(f"{where}: " + "; ".join(bad))
            continue
        seen[code] = number
        out.append(MueRow(number, code, int(value), adjudication, rationale[:200]))
    if not out and not problems:
        problems.append("no limits after the header row")
    if problems:
        raise NcciParseError(problems)
    return out
