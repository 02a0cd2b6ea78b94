"""Patient search as it must behave among a million patients (bench/fhir_search.py times it):
Bundle.total without a count unless `_total` asks for one, and phone numbers found through
the (practice, phone) indexes rather than a walk of the whole practice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.interop.fhir.conftest import valid


def _bundle(fhir, url: str) -> dict:
    response = fhir.get(url)
    assert response.status_code == 200, response.content
    return valid(response.json())


def _ids(bundle: dict) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"}


@pytest.fixture
def five_tellers(make_patient):
    return [
        make_patient(first_name=f"T{n}", last_name="Teller", dob=f"19{60 + n}-03-04",
                     mobile_phone="")
        for n in range(5)
    ]  # fmt: skip


def test_total_is_given_when_the_page_holds_every_match(fhir, five_tellers):
    bundle = _bundle(fhir, "/fhir/Patient?family=teller")
    assert bundle["total"] == 5
    assert len(_ids(bundle)) == 5
    assert _bundle(fhir, "/fhir/Patient?family=nobody-here")["total"] == 0


def test_a_page_with_more_to_follow_has_a_total_only_when_asked(fhir, five_tellers):
    first = _bundle(fhir, "/fhir/Patient?family=teller&_count=2")
    assert "total" not in first
    assert len(_ids(first)) == 2
    assert any(link["relation"] == "next" for link in first["link"])

    assert _bundle(fhir, "/fhir/Patient?family=teller&_count=2&_total=accurate")["total"] == 5
    assert _bundle(fhir, "/fhir/Patient?family=teller&_count=2&_total=estimate")["total"] == 5


def test_the_last_page_knows_the_total_without_counting(fhir, five_tellers):
    with CaptureQueriesContext(connection) as queries:
        last = _bundle(fhir, "/fhir/Patient?family=teller&_count=2&_offset=4")
    assert last["total"] == 5
    assert len(_ids(last)) == 1
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]


def test_the_count_runs_only_when_asked(fhir, five_tellers):
    with CaptureQueriesContext(connection) as unasked:
        _bundle(fhir, "/fhir/Patient?family=teller&_count=2")
    with CaptureQueriesContext(connection) as asked:
        _bundle(fhir, "/fhir/Patient?family=teller&_count=2&_total=accurate")
    counts = [q for q in asked if "COUNT(" in q["sql"].upper()]
    assert not [q for q in unasked if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1


def test_total_none_leaves_the_total_out_even_when_known(fhir, five_tellers):
    assert "total" not in _bundle(fhir, "/fhir/Patient?family=teller&_total=none")


def test_total_must_be_one_of_the_fhir_values(fhir, five_tellers):
    response = fhir.get("/fhir/Patient?family=teller&_total=some")
    assert response.status_code == 400
    assert valid(response.json())["resourceType"] == "OperationOutcome"


def test_phone_finds_every_patient_with_the_number_in_any_column(
    fhir, make_patient, other_practice
):
    mobile = make_patient(first_name="Mo", last_name="Bile", mobile_phone="(217) 555-0142")
    home = make_patient(first_name="Ho", last_name="Me", mobile_phone="",
                        home_phone="217.555.0142")  # fmt: skip
    work = make_patient(first_name="Wo", last_name="Rk", mobile_phone="",
                        work_phone="+1 312 555 0177")  # fmt: skip
    make_patient(first_name="Other", last_name="Office", mobile_phone="217-555-0142",
                 practice_=other_practice)  # fmt: skip

    assert _ids(_bundle(fhir, "/fhir/Patient?phone=2175550142")) == {
        str(mobile.public_id), str(home.public_id),
    }  # fmt: skip
    assert _ids(_bundle(fhir, "/fhir/Patient?phone=2175550142,(312)%20555-0177")) == {
        str(mobile.public_id), str(home.public_id), str(work.public_id),
    }  # fmt: skip
    assert _ids(_bundle(fhir, "/fhir/Patient?phone=2175550142&family=me")) == {str(home.public_id)}
    assert _bundle(fhir, "/fhir/Patient?phone=2175550199")["total"] == 0
    assert _bundle(fhir, "/fhir/Patient?phone=not-a-number")["total"] == 0


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_phone_search_reads_only_the_matching_rows_on_sqlite(fhir, make_patient):
    """Without statistics SQLite's plan is the same for five patients as for a million: it
    must not walk the practice's whole name index (seconds at 1,000,000 patients)."""
    make_patient(first_name="Mo", last_name="Bile", mobile_phone="(217) 555-0142")
    with CaptureQueriesContext(connection) as queries:
        _bundle(fhir, "/fhir/Patient?phone=2175550142,3125550177")
    rows_read = 'SELECT "patients_patient"."id", '
    page = next(q["sql"] for q in queries if q["sql"].startswith(rows_read))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {page}")
        plan = [row[3] for row in cursor.fetchall()]
    walks = [step for step in plan if step.endswith("(practice_id=?)") or step.startswith("SCAN")]
    assert not walks, plan


def test_a_location_limited_user_finds_the_patients_of_their_location_and_grants(
    fhir_for, make_user, make_patient, practice, location
):
    from medoffice.clinical.access import emergency_access_open
    from medoffice.core.roles import Role

    north = practice.locations.create(name="North", time_zone="America/Chicago")
    at_north = make_patient(first_name="Nora", last_name="Northby", home_location=north,
                            mobile_phone="")  # fmt: skip
    elsewhere = make_patient(first_name="Ed", last_name="Northcott", home_location=location,
                             mobile_phone="")  # fmt: skip
    user = make_user(Role.CLINICIAN)
    user.staff.limited_to_locations = True
    user.staff.save(update_fields=["limited_to_locations"])
    user.staff.locations.set([north])
    client = fhir_for(user)

    assert _ids(_bundle(client, "/fhir/Patient?family=north")) == {str(at_north.public_id)}
    assert _bundle(client, f"/fhir/Patient?identifier={elsewhere.mrn}")["total"] == 0

    emergency_access_open(user, elsewhere.public_id, reason="Collapsed at the front desk")
    assert _ids(_bundle(client, "/fhir/Patient?family=north")) == {
        str(at_north.public_id), str(elsewhere.public_id),
    }  # fmt: skip


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_location_limit_is_asked_of_each_row_not_listed_for_every_search(
    fhir_for, make_user, make_patient, practice
):
    """The scope of a location-limited user, on Patient itself, must not be a list of every
    patient of the location built for each search (1.5-3 s at 1,000,000 patients)."""
    from medoffice.core.roles import Role

    north = practice.locations.create(name="North", time_zone="America/Chicago")
    make_patient(first_name="Nora", last_name="Northby", home_location=north)
    user = make_user(Role.FRONT_DESK)
    user.staff.limited_to_locations = True
    user.staff.save(update_fields=["limited_to_locations"])
    user.staff.locations.set([north])
    with CaptureQueriesContext(connection) as queries:
        _bundle(fhir_for(user), "/fhir/Patient?family=north")
    rows_read = 'SELECT "patients_patient"."id", '
    page = next(q["sql"] for q in queries if q["sql"].startswith(rows_read))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {page}")
        plan = [row[3] for row in cursor.fetchall()]
    assert not [step for step in plan if "LIST SUBQUERY" in step], plan
    assert any("pt_name (practice_id=? AND search_last>? AND search_last<?)" in s for s in plan)
