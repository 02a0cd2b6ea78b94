"""`medoffice codes ...` as an operator types it: one line per problem, JSON that parses."""

import json

import pytest

from medoffice.cli import main
from medoffice.coding.models import CodeSetRelease, ProcedureCode
from tests.coding.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_search_prints_json_that_parses(icd10_release, practice, capsys):
    main(["codes", "search", "heart", "attack", "--limit", "5", "--json", "--on", "2026-02-01"])

    body = json.loads(capsys.readouterr().out)
    assert body["release"] == "ICD-10-CM 2026"
    assert len(body["results"]) == 5
    assert any(r["code"].startswith("I21") for r in body["results"])
    assert set(body["results"][0]) == {"code", "description", "billable", "exact", "usage"}


def test_search_prints_one_code_a_line_and_marks_categories(icd10_release, capsys):
    main(["codes", "search", "E11", "--limit", "200", "--on", "2026-02-01"])

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("E11.")
    assert "* not billable: choose a more specific code" in out[-1]


def test_suggest_prints_candidates_with_score_and_matched_words(icd10_release, capsys):
    main(["codes", "suggest", "COPD flare with wheezing", "--limit", "3", "--json",
          "--on", "2026-02-01"])  # fmt: skip

    candidates = json.loads(capsys.readouterr().out)["candidates"]
    assert candidates[0]["code"] == "J44.1"
    assert set(candidates[0]) == {"code", "description", "score", "matched"}
    assert "copd" in candidates[0]["matched"]


def test_search_without_a_release_exits_1_with_one_line(db, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["codes", "search", "asthma"])

    assert caught.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("medoffice codes: No ICD-10-CM release is loaded")


def test_cpt_import_with_bad_rows_lists_each_and_imports_nothing(capsys):
    path = str(FIXTURES / "cpt_bad_rows.csv")

    with pytest.raises(SystemExit) as caught:
        main(["codes", "import-cpt", path, "--version", "2026"])

    assert caught.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:4] == [
        "line 3: '9921' is not a CPT code (5 characters: 4 digits, then a digit, F, T or U)",
        "line 5: 99215 has no descriptor",
        "line 6: 99213 appears twice (first on line 2)",
        "line 8: 'ABCDE' is not a CPT code (5 characters: 4 digits, then a digit, F, T or U)",
    ]
    assert err[4].startswith("medoffice codes: 4 bad row(s); nothing was imported.")
    assert CodeSetRelease.objects.count() == ProcedureCode.objects.count() == 0


def test_cpt_import_of_the_good_rows_when_asked(capsys):
    path = str(FIXTURES / "cpt_bad_rows.csv")

    main(["codes", "import-cpt", path, "--version", "2026", "--accept-good-rows"])

    out = capsys.readouterr()
    assert "Imported CPT 2026: 3 codes, in force from 2026-01-01, 4 bad row(s) skipped." in out.out
    assert "skipped line 3:" in out.err
    assert ProcedureCode.objects.count() == 3


def test_hcpcs_import_and_the_release_list(capsys):
    main(["codes", "import-hcpcs", str(FIXTURES / "hcpcs_2026.csv"), "--version", "2026",
          "--effective-from", "2026-01-01"])  # fmt: skip
    main(["codes", "releases"])

    out = capsys.readouterr().out
    assert "Imported HCPCS Level II 2026: 4 codes" in out
    assert "HCPCS Level II  2026" in out


def test_a_missing_file_or_a_bad_date_is_one_line(capsys):
    for argv in (
        ["codes", "import-hcpcs", "/nonexistent.txt", "--version", "2026"],
        ["codes", "import-cpt", str(FIXTURES / "cpt_bad_rows.csv"), "--version", "2026",
         "--effective-from", "soon"],
    ):  # fmt: skip
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "medoffice codes: /nonexistent.txt: no such file",
        "medoffice codes: --effective-from: 'soon' is not a date (YYYY-MM-DD)",
    ]


def test_load_tables(capsys):
    main(["codes", "load-tables"])

    assert capsys.readouterr().out.startswith("Loaded 31 modifiers, 34 places of service")
