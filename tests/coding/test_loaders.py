"""Parsing code-set files: pure functions, bytes in, records and row errors out."""

from datetime import date

from medoffice.coding import loaders
from medoffice.coding.demographics import demographic_edit
from tests.coding.conftest import FIXTURES, icd10_records


def _by_code():
    return {r.code: r for r in icd10_records()}


def test_the_package_is_icd10cm_fy2026_in_force_from_1_october_2025():
    edition = loaders.icd10cm_package_edition()

    assert edition.version == "2026"
    assert edition.effective_from == date(2025, 10, 1)
    assert edition.official_until == date(2026, 9, 30)
    assert "simple-icd-10-cm 1.5.0" in edition.source


def test_reads_every_code_with_billable_flag_chapter_and_block():
    codes = _by_code()

    assert len(codes) > 98_000
    assert sum(r.billable for r in codes.values()) > 74_000
    assert codes["E119"].billable
    assert codes["E119"].description == "Type 2 diabetes mellitus without complications"
    assert not codes["E11"].billable
    assert (codes["E119"].chapter, codes["E119"].block) == ("4", "E08-E13")
    assert codes["S72001A"].billable  # seven-character extensions are codes too
    assert loaders.dotted("E119") == "E11.9"
    assert loaders.dotted("S72001A") == "S72.001A"
    assert loaders.dotted("I10") == "I10"


def test_keeps_includes_and_excludes_notes():
    i10 = _by_code()["I10"]

    assert "high blood pressure" in i10.notes["includes"]
    assert i10.notes["excludes1"]
    assert i10.notes["excludes2"]


def test_sex_and_age_rules_cover_pregnancy_newborns_and_genital_organs():
    codes = _by_code()

    assert (codes["O0900"].sex, codes["O0900"].age_min, codes["O0900"].age_max) == ("F", 12, 55)
    assert codes["N400"].sex == "M"
    assert codes["N920"].sex == "F"
    assert (codes["P0730"].age_min, codes["P0730"].age_max) == (0, 0)
    assert codes["C50011"].sex == "F"  # "... right female breast"
    assert codes["C50021"].sex == "M"  # "... right male breast"
    assert demographic_edit("I10", "Essential (primary) hypertension") == ("", None, None)


def test_normalizes_and_shapes_codes():
    assert loaders.normalize_icd10(" e11.9 ") == "E119"
    assert loaders.is_icd10_shaped("E119")
    assert not loaders.is_icd10_shaped("E119999999")
    assert not loaders.is_icd10_shaped("119")


def test_reads_the_cms_hcpcs_fixed_width_file():
    result = loaders.parse_hcpcs((FIXTURES / "hcpcs_2026.txt").read_bytes())

    assert result.errors == []
    codes = {r.code: r for r in result.records}
    assert set(codes) == {"A4206", "G0008", "G2211", "G9999", "J3420", "Q9999"}
    assert result.skipped == 1  # the LT modifier line
    assert codes["G2211"].long_description.endswith("with an office or outpatient visit")
    assert codes["G2211"].description.startswith("Add-on for the visit complexity")
    assert codes["G9999"].terminated_on == date(2026, 6, 30)
    assert codes["Q9999"].effective_from == date(2026, 4, 1)
    assert codes["A4206"].effective_from == date(1984, 1, 1)


def test_reads_the_same_file_as_csv():
    csv_result = loaders.parse_hcpcs((FIXTURES / "hcpcs_2026.csv").read_text())
    fixed = loaders.parse_hcpcs((FIXTURES / "hcpcs_2026.txt").read_text()).records
    by_code = {r.code: r for r in fixed}

    assert csv_result.errors == []
    assert csv_result.skipped == 1
    for record in csv_result.records:
        twin = by_code[record.code]
        assert (record.description, record.long_description) == (
            twin.description,
            twin.long_description,
        )
        assert (record.effective_from, record.terminated_on) == (
            twin.effective_from,
            twin.terminated_on,
        )


def test_reports_each_bad_hcpcs_row_with_its_line():
    result = loaders.parse_hcpcs((FIXTURES / "hcpcs_bad_rows.txt").read_bytes())

    assert [(e.line, e.reason.split(" ")[0]) for e in result.errors] == [
        (2, "'G00O8'"),
        (5, "termination"),
    ]
    assert "not a real date" in result.errors[1].reason
    assert {r.code for r in result.records} == {"A4206", "G2211", "J3420", "Q9999"}


def test_reports_each_bad_cpt_row_with_its_line_number():
    result = loaders.parse_cpt_csv((FIXTURES / "cpt_bad_rows.csv").read_bytes())

    assert [e.line for e in result.errors] == [3, 5, 6, 8]
    assert "'9921' is not a CPT code" in result.errors[0].reason
    assert "no descriptor" in result.errors[1].reason
    assert "first on line 2" in result.errors[2].reason
    assert [r.code for r in result.records] == ["99213", "99214", "0001F"]


def test_cpt_file_that_is_not_utf8_is_refused_with_the_line():
    result = loaders.parse_cpt_csv(b"99213,A visit\n99214,Caf\xe9 visit\n")

    assert result.records == [] or result.errors
    assert result.errors[0].line == 2
    assert "UTF-8" in result.errors[0].reason
