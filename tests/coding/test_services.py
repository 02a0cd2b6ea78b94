"""Loading releases side by side, validity by date of service, refused imports change nothing."""

from datetime import date

import pytest
from django.db import IntegrityError

from medoffice.coding import selectors, services
from medoffice.coding.errors import (
    CodeMalformedError,
    CodeNotBillableError,
    CodeUnknownError,
    ImportRefusedError,
    NoReleaseError,
    ReleaseExistsError,
)
from medoffice.coding.loaders import Icd10Record
from medoffice.coding.models import (
    CodeSetRelease,
    CodeUsage,
    Icd10Code,
    Modifier,
    PlaceOfServiceCode,
    ProcedureCode,
    TypeOfService,
)
from tests.coding.conftest import FIXTURES, FY2026_START, icd10_records

pytestmark = pytest.mark.django_db


def _record(code: str, description: str, billable: bool = True) -> Icd10Record:
    return Icd10Record(code, description, billable, "1", "A00-A09")


def test_loads_the_whole_package_as_one_release():
    outcome = services.icd10_release_load()

    release = outcome.release
    assert (release.version, release.effective_from, release.effective_until) == (
        "2026", FY2026_START, None,
    )  # fmt: skip
    assert "ICD-10-CM FY2026" in release.source
    assert Icd10Code.objects.filter(release=release).count() == len(icd10_records())
    e119 = Icd10Code.objects.get(release=release, code="E119")
    assert (e119.dotted, e119.billable, e119.chapter, e119.block) == ("E11.9", True, "4", "E08-E13")
    assert not Icd10Code.objects.get(release=release, code="E11").billable
    assert Icd10Code.objects.get(release=release, code="O0900").sex == "F"
    assert (
        "high blood pressure"
        in Icd10Code.objects.get(release=release, code="I10").notes["includes"]
    )


def test_a_code_deleted_in_the_newer_release_is_valid_before_and_not_after():
    older = services.icd10_release_load(
        version="2025", effective_from=date(2024, 10, 1),
        records=[_record("A000", "Old cholera"), _record("A001", "Kept cholera")],
    ).release  # fmt: skip
    services.icd10_release_load(
        version="2026", effective_from=FY2026_START, records=[_record("A001", "Kept cholera")]
    )

    older.refresh_from_db()
    assert older.effective_until == date(2025, 9, 30)
    assert selectors.icd10_check("A00.0", on=date(2025, 9, 30)).release == older
    with pytest.raises(CodeUnknownError, match=r"A00\.0 is not in ICD-10-CM 2026.*2025"):
        selectors.icd10_check("A00.0", on=date(2025, 10, 1))
    assert selectors.icd10_check("A001", on=date(2025, 10, 1)).release.version == "2026"


def test_a_date_before_every_release_has_no_code_set():
    services.icd10_release_load(
        version="2026", effective_from=FY2026_START, records=[_record("A001", "Cholera")]
    )

    with pytest.raises(NoReleaseError, match="No ICD-10-CM release is loaded for 2024-01-01"):
        selectors.icd10_check("A00.1", on=date(2024, 1, 1))


def test_malformed_and_category_codes_are_refused_with_a_reason(icd10_release):
    on = date(2026, 3, 1)

    with pytest.raises(CodeMalformedError, match="not an ICD-10-CM code"):
        selectors.icd10_check("11.9E", on=on)
    with pytest.raises(CodeNotBillableError, match="E11 is a category"):
        selectors.icd10_check("E11", on=on)
    assert selectors.icd10_check("e11.9", on=on).code == "E119"
    assert selectors.icd10_check("E11", on=on, billable=False).code == "E11"
    children = selectors.icd10_children(Icd10Code.objects.get(release=icd10_release, code="E11"))
    assert "E119" in [c.code for c in children]


def test_hcpcs_codes_are_valid_between_their_own_dates():
    services.hcpcs_release_import(data=(FIXTURES / "hcpcs_2026.txt").read_bytes(), version="2026")

    assert selectors.procedure_check("G9999", on=date(2026, 6, 30)).code == "G9999"
    with pytest.raises(CodeUnknownError, match="terminated on 2026-06-30"):
        selectors.procedure_check("G9999", on=date(2026, 7, 1))
    with pytest.raises(CodeUnknownError, match="takes effect on 2026-04-01"):
        selectors.procedure_check("Q9999", on=date(2026, 3, 31))
    assert selectors.procedure_check("q9999", on=date(2026, 4, 1)).code == "Q9999"
    with pytest.raises(CodeMalformedError):
        selectors.procedure_check("G99", on=date(2026, 4, 1))


def test_a_cpt_file_with_bad_rows_is_refused_whole():
    data = (FIXTURES / "cpt_bad_rows.csv").read_bytes()

    with pytest.raises(ImportRefusedError) as refused:
        services.cpt_release_import(data=data, version="2026")

    assert [e.line for e in refused.value.errors] == [3, 5, 6, 8]
    assert CodeSetRelease.objects.count() == 0
    assert ProcedureCode.objects.count() == 0


def test_the_good_rows_are_imported_only_when_asked():
    data = (FIXTURES / "cpt_bad_rows.csv").read_bytes()

    outcome = services.cpt_release_import(data=data, version="2026", accept_good_rows=True)

    assert outcome.imported == 3
    assert [e.line for e in outcome.errors] == [3, 5, 6, 8]
    assert outcome.release.effective_from == date(2026, 1, 1)
    assert sorted(ProcedureCode.objects.values_list("code", flat=True)) == [
        "0001F", "99213", "99214",
    ]  # fmt: skip


def test_a_version_loads_once_unless_replaced():
    services.cpt_release_import(data="99213,A visit\n", version="2026")

    with pytest.raises(ReleaseExistsError, match="already loaded"):
        services.cpt_release_import(data="99214,Another visit\n", version="2026")
    services.cpt_release_import(data="99214,Another visit\n", version="2026", replace=True)

    assert list(ProcedureCode.objects.values_list("code", flat=True)) == ["99214"]


def test_a_version_that_is_not_a_year_needs_its_first_day():
    with pytest.raises(ImportRefusedError, match="--effective-from"):
        services.cpt_release_import(data="99213,A visit\n", version="2026-Q2")


def test_a_load_that_fails_halfway_leaves_nothing():
    rows = [_record("A000", "Cholera"), _record("A001", "Cholera"), _record("A000", "Twice")]

    with pytest.raises(IntegrityError):
        services.icd10_release_load(version="2026", effective_from=FY2026_START, records=rows)

    assert CodeSetRelease.objects.count() == 0
    assert Icd10Code.objects.count() == 0


def test_reference_tables_load_again_without_duplicates():
    services.reference_tables_load()
    counts = services.reference_tables_load()

    assert Modifier.objects.count() == counts["modifiers"] >= 31
    assert {"25", "59", "95", "GT", "XU", "QW"} <= set(
        Modifier.objects.values_list("code", flat=True)
    )
    assert PlaceOfServiceCode.objects.get(code="11").name == "Office"
    assert PlaceOfServiceCode.objects.filter(code__in=["02", "10", "20", "22", "23"]).count() == 5
    assert TypeOfService.objects.count() == counts["types of service"]


def test_usage_counts_add_up(practice):
    services.code_usage_record(practice=practice, system="icd10cm", code="E11.9")
    services.code_usage_record(practice=practice, system="icd10cm", code="E119", times=4)

    assert CodeUsage.objects.get(practice=practice, code="E119").count == 5
