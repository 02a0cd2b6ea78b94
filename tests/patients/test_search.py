"""One search box: MRN, phone, date of birth, name prefix and fuzzy names; indexed queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medoffice.core.models import AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.duplicates import duplicate_candidates
from medoffice.patients.search import patient_search


def _find(practice, query: str, limit: int = 25):
    return patient_search(practice_id=practice.id, query=query, limit=limit)


def _mrns(outcome) -> list[str]:
    return [p.mrn for p in outcome.results]


@pytest.fixture
def smith(make_patient):
    return make_patient(first_name="John", last_name="Smith", dob=date(1980, 4, 1))


@pytest.fixture
def crowd(make_patient, smith):
    """Smith among people who must not match a search for him."""
    return [
        make_patient(
            first_name="Mary", last_name="Jones", dob=date(1980, 4, 1), mobile_phone="217-555-0101"
        ),
        make_patient(
            first_name="Robert", last_name="Smithers", dob=date(1975, 2, 3), mobile_phone=""
        ),
        make_patient(
            first_name="Alice", last_name="Brown", dob=date(1990, 9, 9), mobile_phone="217-555-0103"
        ),
    ]


# --- MRN -------------------------------------------------------------------------------------


def test_mrn_finds_exactly_that_patient(practice, smith, crowd):
    outcome = _find(practice, smith.mrn)
    assert outcome.mode == "mrn"
    assert outcome.results == [smith]


def test_mrn_typed_in_lower_case_finds_the_patient(practice, make_patient):
    lettered = make_patient(first_name="Ann", last_name="Lee", mrn="AB-1234", mobile_phone="")
    outcome = _find(practice, "  ab-1234 ")
    assert outcome.mode == "mrn"
    assert outcome.results == [lettered]


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["(217) 555-0142", "217.555.0142", "+1 217 555 0142", "2175550142", "217-555-0142"]
)
def test_a_phone_number_finds_the_patient_however_it_is_typed(practice, smith, crowd, typed):
    outcome = _find(practice, typed)
    assert outcome.mode == "phone"
    assert outcome.results == [smith]


def test_home_and_work_phones_are_searched_too(practice, make_patient):
    patient = make_patient(
        first_name="Ann", last_name="Lee", mobile_phone="", home_phone="312-555-0177"
    )
    worker = make_patient(
        first_name="Bo", last_name="Kim", mobile_phone="", work_phone="(312) 555-0188"
    )
    assert _find(practice, "312 555 0177").results == [patient]
    assert _find(practice, "3125550188").results == [worker]


# --- date of birth ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["04/01/1980", "4/1/1980", "1980-04-01", "04.01.1980"])
def test_a_date_of_birth_alone_lists_everyone_born_that_day(practice, smith, crowd, typed):
    outcome = _find(practice, typed)
    assert outcome.mode == "dob"
    assert {p.last_name for p in outcome.results} == {"Smith", "Jones"}
    assert [p.last_name for p in outcome.results] == ["Jones", "Smith"]  # by name


def test_an_impossible_date_is_not_read_as_a_date_of_birth(practice, smith):
    outcome = _find(practice, "02/30/1980")
    assert outcome.mode != "dob"
    assert outcome.results == []


# --- name prefix -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["smi", "SMITH", "Smith", "smith, jo", "john smith", "smith john"]
)
def test_name_prefix_finds_the_patient(practice, smith, crowd, typed):
    outcome = _find(practice, typed)
    assert outcome.mode == "name"
    assert smith in outcome.results
    assert not {"Jones", "Brown"} & {p.last_name for p in outcome.results}


def test_a_last_name_prefix_lists_every_matching_surname_in_order(practice, smith, crowd):
    outcome = _find(practice, "smi")
    assert [p.last_name for p in outcome.results] == ["Smith", "Smithers"]


def test_last_comma_first_reads_the_first_word_as_the_last_name(practice, smith, crowd):
    outcome = _find(practice, "smith, jo")
    assert outcome.results == [smith]  # Robert Smithers is not a "jo"


@pytest.mark.parametrize(
    "typed", ["obrien", "O'Brien-Smith", "o’brien", "jose obrien", "JOSÉ O'BRIEN"]
)
def test_accents_apostrophes_and_hyphens_do_not_matter(practice, make_patient, typed):
    patient = make_patient(first_name="José", last_name="O'Brien-Smith", mobile_phone="")
    assert _find(practice, typed).results == [patient]


def test_a_prefix_ending_in_z_still_finds_the_name(practice, make_patient):
    lutz = make_patient(first_name="Karl", last_name="Lutz", mobile_phone="")
    assert _find(practice, "lutz").results == [lutz]
    assert _find(practice, "zz").results == []


# --- fuzzy names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "jonh smiht 4/1/1980",  # typos in both names
        "jhon simth 04/01/1980",  # transpositions
        "smith john 1980-04-01",  # first and last swapped
        "smith, jon 4/1/1980",  # nickname
        "smyth 4/1/1980",  # sounds alike, last name only
    ],
)
def test_name_with_dob_forgives_typos_nicknames_and_swaps(practice, smith, crowd, typed):
    outcome = _find(practice, typed)
    assert outcome.mode == "name_dob"
    assert outcome.results[0] == smith
    assert "Jones" not in {p.last_name for p in outcome.results}


def test_a_nickname_with_dob_finds_the_legal_first_name(practice, make_patient):
    robert = make_patient(first_name="Robert", last_name="Jones", dob=date(1966, 7, 8))
    outcome = _find(practice, "bob jones 7/8/1966")
    assert outcome.results == [robert]


def test_a_nickname_without_dob_finds_the_legal_first_name(practice, make_patient):
    robert = make_patient(first_name="Robert", last_name="Jones", dob=date(1966, 7, 8))
    make_patient(first_name="Mary", last_name="Jones", dob=date(1970, 1, 1), mobile_phone="")
    outcome = _find(practice, "bob jones")
    assert outcome.results == [robert]


@pytest.mark.parametrize("typed", ["smtih", "simth", "smyth"])
def test_a_misspelt_last_name_without_dob_finds_the_patient(practice, smith, crowd, typed):
    outcome = _find(practice, typed)
    assert outcome.mode == "name"
    assert smith in outcome.results
    assert not {"Jones", "Brown"} & {p.last_name for p in outcome.results}


def test_first_and_last_swapped_without_dob_finds_the_patient(practice, smith, crowd):
    assert _find(practice, "smiht john").results == [smith]
    assert _find(practice, "smyth jon").results == [smith]


def test_prefix_matches_come_before_fuzzy_matches_and_are_not_repeated(practice, make_patient):
    smyth = make_patient(first_name="Ann", last_name="Smyth", mobile_phone="")
    smith = make_patient(first_name="Ann", last_name="Smith", mobile_phone="")
    outcome = _find(practice, "smith")
    assert outcome.results == [smith, smyth]


def test_a_different_name_born_the_same_day_is_not_a_fuzzy_match(practice, smith, crowd):
    outcome = _find(practice, "alice brown 4/1/1980")
    assert outcome.results == []


# --- scope and limits ------------------------------------------------------------------------


def test_merged_records_are_found_only_by_their_old_mrn(practice, make_patient):
    survivor = make_patient(first_name="John", last_name="Smith")
    retired = make_patient(first_name="Jon", last_name="Smith")
    services.patient_merge(survivor=survivor, duplicate=retired)
    for query in ("smith", "(217) 555-0142", "4/1/1980", "jon smith 4/1/1980"):
        assert retired not in _find(practice, query).results, query
    assert _find(practice, "smith").results == [survivor]
    # The MRN on an old paper form still leads to the record that points to the survivor.
    assert _find(practice, retired.mrn).results == [retired]


def test_another_practices_patients_never_appear(practice, other_practice, make_patient, smith):
    theirs = make_patient(other_practice, first_name="John", last_name="Smith")
    for query in ("smith", "john smith", "smtih", "(217) 555-0142", "4/1/1980", theirs.mrn):
        results = _find(practice, query).results
        assert theirs not in results, query
        assert {p.practice_id for p in results} <= {practice.id}
    assert _find(other_practice, "smith").results == [theirs]


@pytest.mark.parametrize("typed", ["", "   ", "\t\n", ",", "-"])
def test_an_empty_or_blank_query_returns_nothing(practice, smith, typed):
    outcome = _find(practice, typed)
    assert outcome.results == []


def test_results_are_capped_at_the_limit(practice, make_patient):
    for i in range(12):
        make_patient(first_name=f"Ann{chr(97 + i)}", last_name="Smith", mobile_phone="")
    assert len(_find(practice, "smith", limit=5).results) == 5
    assert len(_find(practice, "1980-04-01", limit=5).results) == 5
    assert len(_find(practice, "smith 4/1/1980", limit=5).results) == 5
    assert len(_find(practice, "smith").results) == 12


# --- the web box and its audit ---------------------------------------------------------------


def test_the_search_page_posts_the_query_and_lists_results(front_desk, client_for, smith, crowd):
    response = client_for(front_desk).post(reverse("patients:patient-search"), {"q": "smi"})
    assert response.status_code == 200
    assert smith.mrn.encode() in response.content
    assert b"matched by name" in response.content
    assert b"Jones" not in response.content


def test_a_search_is_audited_without_the_search_text(front_desk, client_for, smith, audit_mark):
    mark = audit_mark()
    client_for(front_desk).post(reverse("patients:patient-search"), {"q": "smith"})
    event = AuditEvent.objects.get(id__gt=mark, action=AuditAction.QUERY)
    assert event.detail == "search by name: 1 results"
    assert "smith" not in event.detail.lower()


def test_a_blank_search_on_the_page_runs_no_search(front_desk, client_for, smith, audit_mark):
    mark = audit_mark()
    response = client_for(front_desk).post(reverse("patients:patient-search"), {"q": "   "})
    assert response.status_code == 200
    assert smith.mrn.encode() not in response.content
    assert not AuditEvent.objects.filter(id__gt=mark, action=AuditAction.QUERY).exists()


def test_the_outsider_finds_nothing_of_ours(outsider, client_for, smith):
    response = client_for(outsider).post(reverse("patients:patient-search"), {"q": "smith"})
    assert response.status_code == 200
    assert smith.mrn.encode() not in response.content


# --- query plans (SQLite) --------------------------------------------------------------------

on_sqlite_only = pytest.mark.skipif(
    "os.environ.get('DATABASE_URL', '').startswith('postgres')",
    reason="EXPLAIN QUERY PLAN is SQLite's",
)


def _plans_of(run) -> list[str]:
    """The SQLite plan of every SELECT on patients that `run()` issues."""
    with CaptureQueriesContext(connection) as captured:
        run()
    selects = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and "patients_patient" in q["sql"]
    ]
    assert selects, "no query on patients ran"
    plans = []
    with connection.cursor() as cursor:
        for sql in selects:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plans.append(" | ".join(row[-1] for row in cursor.fetchall()))
    return plans


def _assert_seeks(plans: list[str], needle: str) -> None:
    for plan in plans:
        # A full scan, or an index used only for the practice (every patient of the practice).
        assert "SCAN patients_patient" not in plan, plan
        assert "(practice_id=?)" not in plan, plan
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    assert any(needle in plan for plan in plans), plans


@on_sqlite_only
@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("smi", "search_last>?"),
        ("john smith", "search_last>?"),
        ("smith, jo", "search_last>?"),
        ("00000018", "mrn=?"),
        ("(217) 555-0142", "mobile_phone=?"),
        ("(217) 555-0142", "home_phone=?"),
        ("(217) 555-0142", "work_phone=?"),
        ("04/01/1980", "dob=?"),
        ("1980-04-01", "dob=?"),
        ("jonh smiht 4/1/1980", "dob=?"),
        ("smtih", "last_skeleton=?"),
        ("smyth", "last_key=?"),
        ("smyth jon", "first_key=?"),
    ],
)
def test_search_queries_seek_an_index_never_walk_the_practice(
    practice, smith, crowd, query, needle
):
    plans = _plans_of(lambda: patient_search(practice_id=practice.id, query=query))
    _assert_seeks(plans, needle)


@on_sqlite_only
def test_the_duplicate_check_seeks_indexes_for_dob_and_every_phone(practice, smith):
    plans = _plans_of(
        lambda: duplicate_candidates(
            practice_id=practice.id,
            first_name="Jon",
            last_name="Smith",
            dob=date(1980, 1, 4),
            phones=["+12175550142", "+13125550100"],
        )
    )
    for needle in ("dob=?", "mobile_phone=?", "home_phone=?", "work_phone=?"):
        _assert_seeks(plans, needle)
