"""Reading code-set files into plain records: pure functions, no Django, no database.

- ICD-10-CM comes from the PyPI package simple-icd-10-cm (the CMS tabular list it
  ships). `icd10cm_package_edition()` reads which fiscal year the data is from the
  data itself; `icd10cm_records()` walks every category and code below it.
- HCPCS Level II comes from CMS's annual file: the fixed-width text file
  (`HCPC<year>_<month>_ANWEB*.txt`, 320 characters a line, layout in HCPCS_COLUMNS)
  or the same table saved as CSV with CMS's column headings.
- CPT comes from the practice's licensed file, as CSV: code, descriptor
  (optionally a long descriptor). MedOffice ships no CPT content.

Every parser returns the good records and a list of `RowError(line, reason)`; the
caller (services.py) decides whether a file with bad rows is refused whole.
Writing to the database is services.py's job.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from medoffice.coding.demographics import demographic_edit

ICD10_CODE_RE = re.compile(r"^[A-Z][0-9][0-9A-Z]([0-9A-Z]{1,4})?$")
HCPCS_CODE_RE = re.compile(r"^[A-V][0-9]{4}$")
CPT_CODE_RE = re.compile(r"^[0-9]{4}[0-9FTU]$")

DESCRIPTION_MAX = 300


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Icd10Record:
    code: str  # without the dot
    description: str
    billable: bool
    chapter: str
    block: str
    notes: dict = field(default_factory=dict, hash=False, compare=False)
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True)
class ProcedureRecord:
    code: str
    description: str
    long_description: str = ""
    effective_from: date | None = None
    terminated_on: date | None = None
    line: int = 0


@dataclass
class ParseResult:
    records: list[ProcedureRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # lines that are not codes (modifiers in the HCPCS file, blank lines)


# --- Codes as people type them ---


def normalize_icd10(text: str) -> str:
    """' e11.9 ' -> 'E119'. Only the dot and spaces are dropped; validity is not judged."""
    return text.strip().upper().replace(".", "")


def is_icd10_shaped(code: str) -> bool:
    """A letter, a digit, then up to five letters or digits (dot already removed)."""
    return bool(ICD10_CODE_RE.match(code))


def dotted(code: str) -> str:
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


# --- ICD-10-CM from simple-icd-10-cm ---


@dataclass(frozen=True)
class PackageEdition:
    fiscal_year: int
    data_file: str
    package_version: str

    @property
    def version(self) -> str:
        return str(self.fiscal_year)

    @property
    def effective_from(self) -> date:
        """ICD-10-CM years run 1 October to 30 September: FY2026 starts 2025-10-01."""
        return date(self.fiscal_year - 1, 10, 1)

    @property
    def official_until(self) -> date:
        return date(self.fiscal_year, 9, 30)

    @property
    def source(self) -> str:
        return (
            f"simple-icd-10-cm {self.package_version}: {self.data_file} "
            f"(ICD-10-CM FY{self.fiscal_year}, official {self.effective_from} to "
            f"{self.official_until})"
        )


_VERSION_RE = re.compile(r"<version>\s*(\d{4})\s*</version>")


def icd10cm_package_edition() -> PackageEdition:
    """Which ICD-10-CM year the installed package holds, read from its tabular XML."""
    from importlib.metadata import version

    folder = resources.files("simple_icd_10_cm") / "data"
    tabular = next(p for p in folder.iterdir() if p.name.endswith(".xml"))
    with tabular.open("r", encoding="utf-8") as handle:
        head = handle.read(2000)
    match = _VERSION_RE.search(head)
    if match is None:
        raise ValueError(f"{tabular.name} names no <version>: cannot tell its ICD-10-CM year")
    return PackageEdition(int(match.group(1)), tabular.name, version("simple-icd-10-cm"))


_NOTE_LISTS = (
    ("includes", "get_includes"),
    ("inclusion_terms", "get_inclusion_term"),
    ("excludes1", "get_excludes1"),
    ("excludes2", "get_excludes2"),
)
_NOTE_TEXTS = (
    ("code_first", "get_code_first"),
    ("use_additional_code", "get_use_additional_code"),
    ("code_also", "get_code_also"),
    ("notes", "get_notes"),
)


def icd10cm_records() -> Iterator[Icd10Record]:
    """Every category, subcategory and code of the package's ICD-10-CM, in tabular order.

    Chapters and blocks are not codes: they become each code's `chapter` ("4") and
    `block` ("E08-E13", the top-level block under the chapter). Billable = a leaf of
    the tabular tree (seven-character extensions included). Notes are the code's own
    (includes, inclusion terms, excludes1/2, code first, use additional code, code
    also); notes of ancestors apply too but are not copied down.
    """
    import simple_icd_10_cm as icd

    for code in icd.get_all_codes(with_dots=True):
        if icd.is_chapter_or_block(code):
            continue
        ancestors = icd.get_ancestors(code)
        notes: dict = {}
        for name, getter in _NOTE_LISTS:
            values = getattr(icd, getter)(code)
            if values:
                notes[name] = list(values)
        for name, getter in _NOTE_TEXTS:
            value = getattr(icd, getter)(code)
            if value:
                notes[name] = value
        bare = code.replace(".", "")
        description = icd.get_description(code)
        sex, age_min, age_max = demographic_edit(bare, description)
        yield Icd10Record(
            code=bare,
            description=description[:DESCRIPTION_MAX],
            billable=icd.is_leaf(code),
            chapter=ancestors[-1],
            block=ancestors[-2] if len(ancestors) > 1 else "",
            notes=notes,
            sex=sex,
            age_min=age_min,
            age_max=age_max,
        )


# --- HCPCS Level II (CMS annual file) ---

# (name, first column, last column), 1-based and inclusive as in CMS's record layout.
HCPCS_COLUMNS = (
    ("hcpc", 1, 5),
    ("seqnum", 6, 10),
    ("recid", 11, 11),
    ("long_description", 12, 91),
    ("short_description", 92, 119),
    ("pricing", 120, 127),
    ("multiple_pricing", 128, 128),
    ("cim", 129, 146),
    ("mcm", 147, 170),
    ("statute", 171, 180),
    ("lab_cert", 181, 204),
    ("xref", 205, 229),
    ("coverage", 230, 230),
    ("asc_group", 231, 232),
    ("asc_date", 233, 240),
    ("opps", 241, 243),
    ("opps_pi", 244, 244),
    ("opps_date", 245, 252),
    ("processing_note", 253, 256),
    ("betos", 257, 259),
    ("type_of_service", 261, 265),
    ("anesthesia_units", 266, 268),
    ("added", 269, 276),
    ("action_effective", 277, 284),
    ("terminated", 285, 292),
    ("action", 293, 293),
)
HCPCS_LINE_LENGTH = 293  # CMS pads to 320; everything after column 293 is filler
# RECID: 3 first line of a code, 4 its continuation; 7 and 8 the same for modifiers.
_PROCEDURE_FIRST, _PROCEDURE_MORE = "3", "4"
_MODIFIER_IDS = {"7", "8"}
# The CSV CMS publishes beside the text file (and the spreadsheet saved as CSV).
_CSV_HEADINGS = {
    "hcpc": ("HCPC", "HCPCS", "HCPCS_CD"),
    "seqnum": ("SEQNUM",),
    "recid": ("RECID",),
    "long_description": ("LONG DESCRIPTION", "LONG_DESCRIPTION"),
    "short_description": ("SHORT DESCRIPTION", "SHORT_DESCRIPTION"),
    "added": ("ADD DT", "ADD_DT"),
    "action_effective": ("ACT EFF DT", "ACT_EFF_DT"),
    "terminated": ("TERM DT", "TERM_DT"),
    "action": ("ACTION CD", "ACTION_CD"),
}


def _slice(line: str, first: int, last: int) -> str:
    return line[first - 1 : last].strip()


def hcpcs_fixed_width_fields(line: str) -> dict[str, str]:
    return {name: _slice(line, first, last) for name, first, last in HCPCS_COLUMNS}


def _yyyymmdd(text: str, what: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{8}", text):
        raise ValueError(f"{what} {text!r} is not a date (CCYYMMDD)")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a real date") from None


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # CMS's files are plain ASCII; older ones came in Windows-1252.
        return data.decode("cp1252", errors="replace")


def _hcpcs_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> ParseResult:
    """Fold first lines and continuation lines into one record per code."""
    result = ParseResult()
    current: dict | None = None
    seen: set[str] = set()

    def finish() -> None:
        if current is not None:
            result.records.append(
                ProcedureRecord(
                    code=current["code"],
                    # The long description reads better than CMS's 28-character short one.
                    description=(current["long"] or current["short"])[:DESCRIPTION_MAX],
                    long_description=current["long"],
                    effective_from=current["effective_from"],
                    terminated_on=current["terminated_on"],
                    line=current["line"],
                )
            )

    for line_no, row in rows:
        code = row.get("hcpc", "").upper()
        recid = row.get("recid", "")
        if not code and not recid:
            result.skipped += 1
            continue
        if recid in _MODIFIER_IDS or (len(code) == 2 and recid not in ("3", "4")):
            result.skipped += 1  # modifiers: MedOffice keeps its own modifier table
            continue
        long_text = " ".join(row.get("long_description", "").split())
        if recid == _PROCEDURE_MORE:
            if current is None or current["code"] != code:
                result.errors.append(
                    RowError(line_no, f"continuation of {code!r} without its first line")
                )
                continue
            current["long"] = f"{current['long']} {long_text}".strip()
            continue
        if recid not in ("", _PROCEDURE_FIRST):
            result.errors.append(RowError(line_no, f"record id {recid!r} is not 3, 4, 7 or 8"))
            continue
        if not HCPCS_CODE_RE.match(code):
            result.errors.append(
                RowError(line_no, f"{code!r} is not a HCPCS Level II code (a letter and 4 digits)")
            )
            continue
        if code in seen:
            result.errors.append(RowError(line_no, f"{code} appears twice"))
            continue
        try:
            added = _yyyymmdd(row.get("added", ""), "code added date")
            effective = _yyyymmdd(row.get("action_effective", ""), "action effective date")
            terminated = _yyyymmdd(row.get("terminated", ""), "termination date")
        except ValueError as exc:
            result.errors.append(RowError(line_no, str(exc)))
            continue
        short = " ".join(row.get("short_description", "").split())
        if not (short or long_text):
            result.errors.append(RowError(line_no, f"{code} has no description"))
            continue
        finish()
        seen.add(code)
        # The code is in force from when it was added (the action date says when the
        # latest change took effect, e.g. a new descriptor); a blank added date falls back.
        current = {
            "code": code,
            "short": short,
            "long": long_text,
            "effective_from": added or effective,
            "terminated_on": terminated,
            "line": line_no,
        }
    finish()
    return result


def parse_hcpcs_fixed_width(data: bytes | str) -> ParseResult:
    rows = []
    result_errors = []
    for line_no, raw in enumerate(_decode(data).splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            rows.append((line_no, {}))
            continue
        if len(line.rstrip()) > 320 or len(line) < 11:
            result_errors.append(
                RowError(line_no, f"{len(line)} characters: not a line of the fixed-width file")
            )
            continue
        rows.append((line_no, hcpcs_fixed_width_fields(line.ljust(HCPCS_LINE_LENGTH))))
    result = _hcpcs_rows(rows)
    result.errors = sorted(result_errors + result.errors, key=lambda e: e.line)
    return result


def parse_hcpcs_csv(data: bytes | str) -> ParseResult:
    reader = csv.reader(io.StringIO(_decode(data)))
    try:
        header = next(reader)
    except StopIteration:
        return ParseResult(errors=[RowError(1, "the file is empty")])
    heading_index = {h.strip().upper(): i for i, h in enumerate(header)}
    columns = {}
    for name, headings in _CSV_HEADINGS.items():
        found = next((heading_index[h] for h in headings if h in heading_index), None)
        if found is not None:
            columns[name] = found
    missing = [n for n in ("hcpc", "long_description", "short_description") if n not in columns]
    if missing:
        return ParseResult(
            errors=[RowError(1, f"no column for {', '.join(missing)} in the heading line")]
        )

    def rows():
        for record in reader:
            line_no = reader.line_num
            if not any(cell.strip() for cell in record):
                yield line_no, {}
                continue
            yield (
                line_no,
                {n: record[i].strip() if i < len(record) else "" for n, i in columns.items()},
            )

    return _hcpcs_rows(rows())


def parse_hcpcs(data: bytes | str) -> ParseResult:
    """CMS's annual HCPCS file, fixed-width or CSV (told apart by the first line)."""
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.upper().startswith(('"HCPC', "HCPC,", "HCPCS,", '"HCPCS')):
        return parse_hcpcs_csv(text)
    return parse_hcpcs_fixed_width(text)


# --- CPT: the practice's licensed file ---


def parse_cpt_csv(data: bytes | str) -> ParseResult:
    """CSV of code, descriptor[, long descriptor]; an optional heading line is skipped.

    Each bad row is reported with its line number: a code that is not five characters
    (four digits then a digit, F, T or U), a missing descriptor, a code given twice,
    a row with too many columns.
    """
    result = ParseResult()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line_no = data[: exc.start].count(b"\n") + 1
            result.errors.append(RowError(line_no, "not UTF-8 text (save the file as UTF-8 CSV)"))
            return result
    else:
        text = data
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text))
    first = True
    try:
        for record in reader:
            line_no = reader.line_num
            cells = [c.strip() for c in record]
            if not any(cells):
                result.skipped += 1
                continue
            if first:
                first = False
                if cells[0].lower() in ("code", "cpt", "cpt code", "cpt_code", "hcpcs"):
                    result.skipped += 1
                    continue
            if len(cells) > 3:
                result.errors.append(
                    RowError(line_no, f"{len(cells)} columns; expected code, descriptor[, long]")
                )
                continue
            code = cells[0].upper()
            descriptor = " ".join(cells[1].split()) if len(cells) > 1 else ""
            long_text = " ".join(cells[2].split()) if len(cells) > 2 else ""
            if not CPT_CODE_RE.match(code):
                result.errors.append(
                    RowError(
                        line_no,
                        f"{cells[0]!r} is not a CPT code (5 characters: 4 digits, then a digit, "
                        "F, T or U)",
                    )
                )
                continue
            if not descriptor:
                result.errors.append(RowError(line_no, f"{code} has no descriptor"))
                continue
            if code in seen:
                result.errors.append(
                    RowError(line_no, f"{code} appears twice (first on line {seen[code]})")
                )
                continue
            seen[code] = line_no
            result.records.append(
                ProcedureRecord(
                    code=code,
                    description=descriptor[:DESCRIPTION_MAX],
                    long_description=long_text or (descriptor if len(descriptor) > 300 else ""),
                    line=line_no,
                )
            )
    except csv.Error as exc:
        result.errors.append(RowError(reader.line_num, f"not readable as CSV: {exc}"))
    return result
