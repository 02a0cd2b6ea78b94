"""The scrubber on saved encounters: real ICD-10-CM codes judged by the release in force on the
date of service, NCCI tables loaded from files, payer rules, and the coder's queue."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from medoffice.billing import services
from medoffice.billing.models import PayerRules
from medoffice.billing.ncci import ncci_load
from medoffice.billing.selectors import coding_queue, encounter_scrub, encounters_with_content
from medoffice.coding.models import Modifier, ProcedureCode
from medoffice.patients.models import Payer
from tests.billing.conftest import CHICAGO, DOS, line

FIXTURES = Path(__file__).resolve().parents[2] / "src/medoffice/billing/fixtures"


def fresh(encounter):
    return encounters_with_content().get(pk=encounter.pk)


def issues(encounter):
    return [(i.rule, i.severity, i.field) for i in encounter_scrub(fresh(encounter)).issues]


@pytest.fixture
def ncci(db):
    ncci_load(kind="ptp", data=(FIXTURES / "ncci_ptp_sample.txt").read_bytes(),
              version="sample", effective_from=date(2020, 1, 1))  # fmt: skip
    ncci_load(kind="mue", data=(FIXTURES / "ncci_mue_sample.txt").read_bytes(),
              version="sample", effective_from=date(2020, 1, 1))  # fmt: skip


def test_a_complete_office_visit_is_clean(coded):
    assert issues(coded()) == []


def test_a_pregnancy_code_on_a_male_patient_is_flagged(coded, patient):
    assert patient.sex_at_birth == "M"
    encounter = coded(diagnoses=["O80"], lines=[line("99213")])

    result = encounter_scrub(fresh(encounter))

    assert [(i.rule, i.severity) for i in result.issues] == [("DX_SEX", "error")]
    assert "O80: Encounter for full-term uncomplicated delivery" in result.issues[0].message
    assert not result.can_claim


def test_a_prostate_code_on_a_female_patient_is_flagged(coded, make_patient, coverage):
    her = make_patient(first_name="Mary", last_name="Jones", sex_at_birth="F", mobile_phone="")

    encounter = coded(diagnoses=["N40.0"], lines=[line("99213")], patient_=her)

    assert ("DX_SEX", "error", "diagnoses.1") in issues(encounter)


def test_an_adult_exam_code_on_a_child_is_flagged(coded, make_patient):
    child = make_patient(first_name="Tim", dob=date(2016, 5, 5), mobile_phone="")

    encounter = coded(diagnoses=["Z00.00"], lines=[line("99213")], patient_=child)

    assert ("DX_AGE", "error", "diagnoses.1") in issues(encounter)


def test_a_code_deleted_before_the_date_of_service_is_flagged_as_expired(coded):
    encounter = coded(diagnoses=["Z99.99"], lines=[line("99213")])

    (issue,) = encounter_scrub(fresh(encounter)).issues

    assert (issue.rule, issue.severity) == ("DX_EXPIRED", "error")
    assert "no longer valid on 03/02/2026 since 10/01/2025" in issue.message
    assert "not in the ICD-10-CM 2026 release" in issue.message


def test_a_code_is_judged_by_the_release_of_its_date_of_service(coded):
    """E66.8 was billable in FY2024 and became a category when FY2025 split obesity by class;
    E66.811 (class 1) did not exist before FY2025."""
    # Each is scrubbed with the clock on its own day (coded() sets it there).
    in_2024 = coded(diagnoses=["E66.8"], lines=[line("99213")], day=date(2024, 6, 3))
    assert issues(in_2024) == []
    early = coded(diagnoses=["E66.811"], lines=[line("99213")], day=date(2024, 6, 4))
    (issue,) = encounter_scrub(fresh(early)).issues
    assert issue.rule == "DX_NOT_YET_VALID"
    assert "(it starts 10/01/2024)" in issue.message
    in_2026 = coded(diagnoses=["E66.8"], lines=[line("99213")])
    assert issues(in_2026) == [("DX_NOT_BILLABLE", "error", "diagnoses.1")]


def test_a_category_code_is_not_billable(coded):
    encounter = coded(diagnoses=["E11"], lines=[line("99213")])

    assert issues(encounter) == [("DX_NOT_BILLABLE", "error", "diagnoses.1")]


def test_a_terminated_procedure_code_is_flagged(coded):
    ProcedureCode.objects.filter(code="93005").update(terminated_on=date(2025, 12, 31))

    encounter = coded(lines=[line("99213"), line("93005")])

    assert issues(encounter) == [("PX_EXPIRED", "error", "lines.2.code")]


def test_ncci_pairs_and_unit_limits_from_the_loaded_files(coded, ncci):
    pair = coded(lines=[line("93000"), line("93005")])
    modifier_pair = coded(lines=[line("20610"), line("99213")])
    fixed = coded(lines=[line("20610"), line("99213", modifiers=["25"])])
    too_many = coded(lines=[line("99213"), line("36415", units=2)])
    deleted_edit = coded(lines=[line("99213"), line("36415")])

    assert issues(pair) == [("NCCI_PTP", "error", "lines.2.code")]
    assert issues(modifier_pair) == [("NCCI_PTP", "error", "lines.2.modifiers")]
    assert issues(fixed) == []
    assert issues(too_many) == [("NCCI_MUE", "error", "lines.2.units")]
    assert issues(deleted_edit) == []


def test_a_telehealth_visit_needs_modifier_95_and_a_correction_makes_it_clean(signed, make_user):
    encounter = signed(place="10")
    assert issues(encounter) == [("TELEHEALTH_MODIFIER", "warning", "lines.1.modifiers")]

    services.encounter_amend(
        encounter=encounter, amended_by=make_user("coder"), reason="Video visit: modifier 95",
        diagnoses=["E11.9", "I10"], lines=[line("99213", modifiers=["95"])],
    )  # fmt: skip

    encounter.refresh_from_db()
    assert issues(encounter) == []


def test_an_unknown_modifier_warns_once_the_practice_lists_its_modifiers(coded):
    Modifier.objects.create(code="95", description="Synchronous telemedicine service")
    encounter = coded(lines=[line("99213", modifiers=["ZZ"])])

    assert issues(encounter) == [("MODIFIER_UNKNOWN", "warning", "lines.1.modifiers")]


def test_no_insurance_is_flagged(coded, coverage):
    coverage.delete()

    assert issues(coded()) == [("COVERAGE_MISSING", "error", "coverage")]


def test_insurance_ended_after_the_encounter_was_opened_is_flagged(coded, coverage):
    encounter = coded()
    type(coverage).objects.filter(pk=coverage.pk).update(effective_end=date(2026, 2, 28))

    assert issues(encounter) == [("COVERAGE_INACTIVE", "error", "coverage")]


def test_payer_rules_referral_prior_auth_and_filing_limit(coded, payer, freeze):
    PayerRules.objects.create(
        payer=payer, requires_referral=True, prior_auth_codes="20610, 97110",
        timely_filing_days=90,
    )  # fmt: skip
    encounter = coded(lines=[line("99213"), line("20610")])
    assert [i[0] for i in issues(encounter)] == ["REFERRAL_MISSING", "PRIOR_AUTH_MISSING"]

    freeze(datetime.combine(DOS + timedelta(days=91), time(9), tzinfo=CHICAGO))
    assert [i[0] for i in issues(encounter)] == [
        "FILING_LATE", "REFERRAL_MISSING", "PRIOR_AUTH_MISSING",
    ]  # fmt: skip


def test_the_practice_switches_rules_off_per_payer(coded, payer, make_patient, freeze):
    PayerRules.objects.create(payer=payer, rules_off="TELEHEALTH_MODIFIER DX_SEX")
    encounter = coded(diagnoses=["O80"], place="10")

    assert issues(encounter) == []


def test_payer_rules_refuse_unknown_rule_codes_and_malformed_codes(payer):
    rules = PayerRules(payer=payer, rules_off="DX_SEX NOT_A_RULE", prior_auth_codes="20610 2061")

    with pytest.raises(Exception) as refused:
        rules.full_clean()

    assert refused.value.message_dict == {
        "rules_off": ["No scrubber rule named NOT_A_RULE."],
        "prior_auth_codes": ["Not a CPT/HCPCS code: 2061."],
    }


def test_the_queue_lists_signed_encounters_with_results_and_counts_the_clean(
    signed, coded, make_patient, provider, payer, practice
):
    clean = signed()
    warned = signed(place="10")
    signed(diagnoses=["O80"])
    coded()  # open: not in the queue yet
    other = Payer.objects.create(name="Cigna", payer_id="62308")

    queue = coding_queue(practice_id=practice.pk)

    assert [row.encounter for row in queue.rows][:2] == [clean, warned]
    assert (len(queue.rows), queue.clean, queue.with_warnings, queue.with_errors) == (3, 1, 1, 1)
    assert coding_queue(practice_id=practice.pk, payer_id=other.pk).rows == []
    assert len(coding_queue(practice_id=practice.pk, provider_id=provider.pk).rows) == 3
    assert coding_queue(practice_id=practice.pk, date_from=DOS + timedelta(days=1)).rows == []


def test_the_queue_scrubs_many_encounters_in_a_fixed_number_of_queries(
    signed, practice, django_assert_max_num_queries
):
    for _ in range(3):
        signed()
    with django_assert_max_num_queries(20) as few:
        coding_queue(practice_id=practice.pk)
    for _ in range(5):
        signed(place="10")

    with django_assert_max_num_queries(len(few.captured_queries)):
        queue = coding_queue(practice_id=practice.pk)

    assert len(queue.rows) == 8
