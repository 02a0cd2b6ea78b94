"""The demo's code sets: real billable ICD-10-CM codes, CPT rows marked as placeholders."""

from importlib import resources

from medoffice.coding import demo, loaders
from tests.coding.conftest import icd10_records


def test_demo_favourites_and_usage_are_billable_codes():
    billable = {r.code for r in icd10_records() if r.billable}

    named = set(demo.USUAL).union(*demo.FAVORITES.values())
    assert named - billable == set()


def test_demo_cpt_rows_are_cpt_shaped_and_marked_as_placeholders():
    for code, text in demo.DEMO_CPT:
        assert loaders.CPT_CODE_RE.match(code)
        assert text
    assert "not the CPT descriptor" in demo.PLACEHOLDER


def test_demo_hcpcs_file_parses_without_errors():
    data = (resources.files("medoffice.coding") / "data" / "hcpcs_demo.txt").read_bytes()

    result = loaders.parse_hcpcs(data)

    assert result.errors == []
    assert len(result.records) == 16
