"""Loading NCCI tables in the CMS layout: our sample files, CSV, and files with bad rows
(refused whole, every bad line named)."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from medoffice.billing.errors import NcciFileError
from medoffice.billing.models import MueLimit, NcciTable, PtpEdit
from medoffice.billing.ncci import ncci_load
from medoffice.formats.ncci import NcciParseError, parse_mue, parse_ptp

FIXTURES = Path(__file__).resolve().parents[2] / "src/medoffice/billing/fixtures"
PTP_HEADER = (
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\t"
    "Deletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\t"
    "PTP Edit Rationale\n"
)
MUE_HEADER = (
    "HCPCS/CPT Code\tPractitioner Services MUE Values\tMUE Adjudication Indicator\tMUE Rationale\n"
)


def test_the_sample_ptp_file_parses_with_its_dates_and_indicators():
    rows = parse_ptp((FIXTURES / "ncci_ptp_sample.txt").read_bytes())

    assert len(rows) == 6
    first, *_, deleted = rows
    assert (first.column1, first.column2, first.effective_on, first.deleted_on) == (
        "99214", "99213", date(2020, 1, 1), None,
    )  # fmt: skip
    assert first.modifier_indicator == "0"
    assert first.line == 4  # after two lines of notice and the header
    assert deleted.deleted_on == date(2015, 1, 1)


def test_the_sample_mue_file_parses_with_its_adjudication():
    rows = {r.code: r for r in parse_mue((FIXTURES / "ncci_mue_sample.txt").read_bytes())}

    assert (rows["36415"].max_units, rows["36415"].adjudication) == (1, "2")
    assert rows["J3420"].adjudication == "1"
    assert rows["97110"].max_units == 6


def test_a_csv_saved_from_the_spreadsheet_parses_too():
    data = (
        b'"CPT codes and descriptions only are copyright, AMA"\n'
        b"Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date,"
        b"Modifier,PTP Edit Rationale\n"
        b'93000,93010,*,19960101,*,0,"Standard preparation, monitoring"\n'
    )

    (row,) = parse_ptp(data)

    assert (row.column1, row.column2, row.rationale) == (
        "93000", "93010", "Standard preparation, monitoring",
    )  # fmt: skip


def test_bad_ptp_rows_are_each_named_by_line_and_reason():
    data = (
        "Notice line\n" + PTP_HEADER
        + "99214\t99213\t\t20200101\t*\t0\tok\n"
        + "9921\t99213\t\t20200101\t*\t0\tshort code\n"
        + "99214\t99212\t\t2020-01-01\t*\t0\tdate with dashes\n"
        + "99214\t99211\t\t20200101\t20190101\t1\tdeleted before effective\n"
        + "99214\t99215\t\t20200101\t*\t3\tbad indicator\n"
        + "99214\t99213\t\t20200101\t*\t0\tthe same edit again\n"
        + "99214\t99213\n"
    ).encode()  # fmt: skip

    with pytest.raises(NcciParseError) as refused:
        parse_ptp(data)

    assert refused.value.problems == [
        "line 4: column 1 '9921' is not a CPT/HCPCS code",
        "line 5: effective date '2020-01-01' is not YYYYMMDD",
        "line 6: deletion date is before the effective date",
        "line 7: modifier indicator '3' is not 0, 1 or 9",
        "line 8: the same edit as line 3",
        "line 9: 2 columns, expected at least 6",
    ]


def test_bad_mue_rows_are_each_named():
    data = (
        MUE_HEADER + "99213\t1\t2 Date of Service Edit: Policy\tok\n"
        + "99214\tone\t2 Date of Service Edit: Policy\tx\n"
        + "99215\t1\t4 Something\tx\n"
        + "99213\t2\t2 Date of Service Edit: Policy\tagain\n"
    ).encode()  # fmt: skip

    with pytest.raises(NcciParseError) as refused:
        parse_mue(data)

    assert refused.value.problems == [
        "line 3: MUE value 'one' is not a whole number",
        "line 4: adjudication indicator '4 Something' does not start with 1, 2 or 3",
        "line 5: 99213 is already on line 2",
    ]


@pytest.mark.parametrize(
    ("parse", "data", "problem"),
    [
        (parse_ptp, b"", "no header row found (expected a first column 'Column 1')"),
        (parse_ptp, b"just some text\n99213\t99214\n", "no header row found"),
        (parse_ptp, PTP_HEADER.encode(), "no edits after the header row"),
        (parse_mue, MUE_HEADER.encode(), "no limits after the header row"),
        (parse_mue, PTP_HEADER.encode(), "expected a first column 'HCPCS/CPT Code'"),
    ],
    ids=["empty", "no-header", "ptp-no-rows", "mue-no-rows", "wrong-kind"],
)
def test_files_without_a_header_or_rows_are_refused(parse, data, problem):
    with pytest.raises(NcciParseError) as refused:
        parse(data)

    assert problem in refused.value.problems[0]


def test_a_file_with_a_bad_row_loads_nothing(db):
    good = (FIXTURES / "ncci_ptp_sample.txt").read_bytes()
    ncci_load(kind="ptp", data=good, version="2026-Q1", effective_from=date(2026, 1, 1))
    bad = good + b"99213\tXX\t\t20260101\t*\t0\tbad\n"

    with pytest.raises(NcciFileError) as refused:
        ncci_load(kind="ptp", data=bad, version="2026-Q1", effective_from=date(2026, 1, 1))

    assert "line 10: column 2 'XX' is not a CPT/HCPCS code" in str(refused.value)
    assert str(refused.value).startswith("Nothing loaded: ")
    assert PtpEdit.objects.count() == 6
    assert NcciTable.objects.get().rows == 6


def test_loading_the_same_version_again_replaces_it(db):
    data = (FIXTURES / "ncci_mue_sample.txt").read_bytes()
    ncci_load(kind="mue", data=data, version="2026-Q1", effective_from=date(2026, 1, 1))
    smaller = MUE_HEADER.encode() + b"99213\t1\t2 Date of Service Edit: Policy\tx\n"

    table = ncci_load(kind="mue", data=smaller, version="2026-Q1", effective_from=date(2026, 1, 1))

    assert NcciTable.objects.get() == table
    assert list(MueLimit.objects.values_list("code", flat=True)) == ["99213"]
    assert len(table.sha256) == 64


def test_the_command_loads_a_file_and_reports_bad_rows(db, tmp_path):
    out = StringIO()
    call_command(
        "load_ncci", "ptp", str(FIXTURES / "ncci_ptp_sample.txt"), "--release", "sample",
        "--from", "2020-01-01", stdout=out,
    )  # fmt: skip
    assert "6 rows, in force from 2020-01-01" in out.getvalue()

    broken = tmp_path / "broken.txt"
    broken.write_text(PTP_HEADER + "99213\t99214\t\tsoon\t*\t0\tx\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing loaded"):
        call_command(
            "load_ncci", "ptp", str(broken), "--release", "broken", "--from", "2020-01-01",
            stderr=err,
        )  # fmt: skip
    assert "line 2: effective date 'SOON' is not YYYYMMDD" in err.getvalue()
    assert not NcciTable.objects.filter(version="broken").exists()
