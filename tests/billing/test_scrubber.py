"""Each scrubber rule on plain snapshots: no database (billing/scrubber.py is pure)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from medoffice.billing.scrubber import (
    RULE_CODES,
    RULES,
    CodeFacts,
    CodeStatus,
    CoverageSnapshot,
    DiagnosisSnapshot,
    EncounterSnapshot,
    LineSnapshot,
    MueLimit,
    PayerSnapshot,
    PtpPair,
    Severity,
    scrub,
)

DOS = date(2026, 3, 2)
VALID = CodeFacts(CodeStatus.VALID, "desc", "2026")
PAYER = PayerSnapshot(name="Aetna", timely_filing_days=365)
COVERED = CoverageSnapshot(
    payer=PAYER, active_on_service_date=True, effective_start=date(2024, 1, 1)
)


def dx(order, code, facts=VALID):
    return DiagnosisSnapshot(order, code, facts)


def ln(number, code, *, units=1, modifiers=(), pointers=(1,), facts=VALID):
    return LineSnapshot(number, code, tuple(modifiers), units, tuple(pointers), facts)


CLEAN = EncounterSnapshot(
    date_of_service=DOS, today=date(2026, 3, 3), place_of_service="11", patient_sex="M",
    patient_dob=date(1980, 4, 1), coverage=COVERED, diagnoses=(dx(1, "E119"), dx(2, "I10")),
    lines=(ln(1, "99213", pointers=(1, 2)),),
)  # fmt: skip


def rules_hit(snapshot) -> list[str]:
    return [issue.rule for issue in scrub(snapshot).issues]


def test_a_complete_visit_is_clean():
    result = scrub(CLEAN)

    assert result.issues == ()
    assert result.is_clean
    assert result.can_claim


def test_rule_codes_are_unique_and_each_has_a_severity():
    assert len(RULE_CODES) == len(RULES)
    assert {rule.severity for rule in RULES} == {Severity.ERROR, Severity.WARNING}


def test_a_pregnancy_code_on_a_male_patient_is_an_error_naming_the_diagnosis():
    o80 = CodeFacts(CodeStatus.VALID, "Encounter for full-term uncomplicated delivery", "2026",
                    sex="F", age_min=12, age_max=55)  # fmt: skip
    snapshot = replace(CLEAN, diagnoses=(dx(1, "O80", o80),), lines=(ln(1, "99213"),))

    (issue,) = scrub(snapshot).issues

    assert (issue.rule, issue.severity, issue.field) == ("DX_SEX", "error", "diagnoses.1")
    assert issue.message.startswith(
        "Diagnosis A (O80: Encounter for full-term uncomplicated delivery) is for female "
        "patients only; this patient's sex at birth is male."
    )


def test_a_sex_specific_code_is_not_judged_for_an_unknown_sex():
    n400 = CodeFacts(CodeStatus.VALID, "BPH", "2026", sex="M")
    snapshot = replace(CLEAN, patient_sex="U", diagnoses=(dx(1, "N400", n400),))

    assert "DX_SEX" not in rules_hit(snapshot)


@pytest.mark.parametrize(
    ("dob", "hit"),
    [(date(2010, 3, 3), True), (date(2008, 3, 2), False), (date(1940, 1, 1), False)],
    ids=["15-years", "18-today", "86-years"],
)
def test_an_adult_exam_code_on_a_child_is_an_age_conflict(dob, hit):
    z0000 = CodeFacts(CodeStatus.VALID, "Adult exam", "2026", age_min=18)
    snapshot = replace(CLEAN, patient_dob=dob, diagnoses=(dx(1, "Z0000", z0000),))

    assert ("DX_AGE" in rules_hit(snapshot)) is hit


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        (CodeStatus.UNKNOWN, "DX_UNKNOWN"),
        (CodeStatus.NO_RELEASE, "DX_NO_RELEASE"),
        (CodeStatus.NOT_BILLABLE, "DX_NOT_BILLABLE"),
        (CodeStatus.EXPIRED, "DX_EXPIRED"),
        (CodeStatus.NOT_YET_VALID, "DX_NOT_YET_VALID"),
    ],
)
def test_each_invalid_diagnosis_status_has_its_rule(status, rule):
    snapshot = replace(
        CLEAN, diagnoses=(dx(1, "E668", CodeFacts(status, release="2026")),),
        lines=(ln(1, "99213"),),
    )  # fmt: skip

    issues = scrub(snapshot).issues

    assert [(i.rule, i.field) for i in issues] == [(rule, "diagnoses.1")]
    assert "E66.8" in issues[0].message


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        (CodeStatus.UNKNOWN, "PX_UNKNOWN"),
        (CodeStatus.NO_RELEASE, "PX_NO_RELEASE"),
        (CodeStatus.EXPIRED, "PX_EXPIRED"),
        (CodeStatus.NOT_YET_VALID, "PX_NOT_YET_VALID"),
    ],
)
def test_each_invalid_procedure_status_has_its_rule(status, rule):
    snapshot = replace(CLEAN, lines=(ln(1, "99213", facts=CodeFacts(status)),))

    assert [(i.rule, i.field) for i in scrub(snapshot).issues] == [(rule, "lines.1.code")]


def test_missing_diagnoses_and_lines_are_errors():
    assert rules_hit(replace(CLEAN, diagnoses=(), lines=())) == ["DX_MISSING", "LINES_MISSING"]


def test_pointer_problems_are_named_per_line():
    snapshot = replace(
        CLEAN,
        lines=(
            ln(1, "99213", pointers=()), ln(2, "36415", pointers=(3,)),
            ln(3, "93000", pointers=(1, 2, 1, 2, 1)),
        ),
    )  # fmt: skip

    issues = {(i.rule, i.field) for i in scrub(snapshot).issues}

    assert issues == {
        ("POINTER_MISSING", "lines.1.pointers"), ("POINTER_RANGE", "lines.2.pointers"),
        ("POINTER_TOO_MANY", "lines.3.pointers"),
    }  # fmt: skip
    message = next(i.message for i in scrub(snapshot).issues if i.rule == "POINTER_RANGE")
    assert message == "Line 2 (36415) points to diagnosis C, which is not on the visit (it has 2)."


def test_units_and_modifier_counts():
    snapshot = replace(
        CLEAN, lines=(ln(1, "99213", units=0, modifiers=("25", "59", "XS", "XU", "GT")),)
    )

    assert set(rules_hit(snapshot)) == {"UNITS_INVALID", "MODIFIER_TOO_MANY"}


def test_an_unknown_modifier_is_a_warning_only_when_the_list_is_loaded():
    line = ln(1, "99213", modifiers=("ZZ",))
    assert rules_hit(replace(CLEAN, lines=(line,))) == []

    issues = scrub(replace(CLEAN, lines=(line,), known_modifiers=frozenset({"25", "95"}))).issues

    assert [(i.rule, i.severity) for i in issues] == [("MODIFIER_UNKNOWN", "warning")]


@pytest.mark.parametrize("place", ["02", "10"])
def test_a_telehealth_visit_without_modifier_95_is_warned(place):
    snapshot = replace(CLEAN, place_of_service=place)

    (issue,) = scrub(snapshot).issues

    assert (issue.rule, issue.severity, issue.field) == (
        "TELEHEALTH_MODIFIER", "warning", "lines.1.modifiers",
    )  # fmt: skip
    assert scrub(replace(snapshot, lines=(ln(1, "99213", modifiers=("95",)),))).is_clean
    assert scrub(replace(CLEAN, lines=(ln(1, "99213", modifiers=("95",)),))).is_clean


def test_a_pair_that_is_never_billed_together_is_an_error():
    snapshot = replace(
        CLEAN, lines=(ln(1, "93000"), ln(2, "93005")), ptp_pairs=(PtpPair("93000", "93005", "0"),)
    )

    (issue,) = scrub(snapshot).issues

    assert (issue.rule, issue.field) == ("NCCI_PTP", "lines.2.code")
    assert "may never be billed with 93000" in issue.message


def test_a_pair_allowed_with_a_modifier_is_clean_once_the_modifier_is_there():
    pair = (PtpPair("20610", "99213", "1"),)
    without = replace(CLEAN, lines=(ln(1, "20610"), ln(2, "99213")), ptp_pairs=pair)
    with_25 = replace(without, lines=(ln(1, "20610"), ln(2, "99213", modifiers=("25",))))
    not_applicable = replace(without, ptp_pairs=(PtpPair("20610", "99213", "9"),))

    assert rules_hit(without) == ["NCCI_PTP"]
    assert rules_hit(with_25) == []
    assert rules_hit(not_applicable) == []


def test_units_above_the_mue_per_day_and_per_line():
    per_day = (MueLimit("36415", 1, per_day=True),)
    split = replace(CLEAN, lines=(ln(1, "36415"), ln(2, "36415")), mue_limits=per_day)
    per_line = replace(
        CLEAN, lines=(ln(1, "J3420", units=2), ln(2, "J3420")),
        mue_limits=(MueLimit("J3420", 1, per_day=False),),
    )  # fmt: skip

    assert [(i.rule, i.message) for i in scrub(split).issues] == [
        ("NCCI_MUE", "36415: 2 units on one day; at most 1 are paid per day (MUE).")
    ]
    assert [i.field for i in scrub(per_line).issues] == ["lines.1.units"]


def test_coverage_missing_or_inactive():
    ended = replace(COVERED, active_on_service_date=False, effective_end=date(2025, 12, 31))

    assert rules_hit(replace(CLEAN, coverage=None)) == ["COVERAGE_MISSING"]
    (issue,) = scrub(replace(CLEAN, coverage=ended)).issues
    assert issue.rule == "COVERAGE_INACTIVE"
    assert "not active on 03/02/2026: it ended on 12/31/2025" in issue.message


def test_timely_filing_warns_in_the_last_30_days_and_blocks_after():
    payer = replace(PAYER, timely_filing_days=90)
    snapshot = replace(CLEAN, coverage=replace(COVERED, payer=payer))  # deadline 05/31/2026

    assert rules_hit(replace(snapshot, today=date(2026, 4, 30))) == []
    assert rules_hit(replace(snapshot, today=date(2026, 5, 2))) == ["FILING_SOON"]
    assert rules_hit(replace(snapshot, today=date(2026, 5, 31))) == ["FILING_SOON"]
    (late,) = scrub(replace(snapshot, today=date(2026, 6, 1))).issues
    assert (late.rule, late.severity) == ("FILING_LATE", "error")
    assert "within 90 days of the visit, by 05/31/2026" in late.message


def test_a_visit_dated_after_today_is_not_billed_before_its_day():
    ahead = replace(CLEAN, today=CLEAN.date_of_service - timedelta(days=1))

    (issue,) = scrub(ahead).issues
    assert (issue.rule, issue.severity, issue.field) == ("DOS_FUTURE", "error", "date_of_service")
    assert rules_hit(replace(ahead, today=CLEAN.date_of_service)) == []


def test_payer_requirements_for_referral_and_prior_authorization():
    payer = replace(PAYER, requires_referral=True, prior_auth_codes=frozenset({"20610"}))
    snapshot = replace(
        CLEAN, coverage=replace(COVERED, payer=payer), lines=(ln(1, "99213"), ln(2, "20610"))
    )

    assert rules_hit(snapshot) == ["REFERRAL_MISSING", "PRIOR_AUTH_MISSING"]
    done = replace(snapshot, referring_provider_npi="1234567893", prior_authorization="PA-1")
    assert rules_hit(done) == []


def test_rules_switched_off_for_the_payer_are_not_run():
    payer = replace(PAYER, rules_off=frozenset({"TELEHEALTH_MODIFIER", "DX_SEX"}))
    snapshot = replace(CLEAN, place_of_service="10", coverage=replace(COVERED, payer=payer))

    assert rules_hit(snapshot) == []
    assert rules_hit(replace(snapshot, coverage=COVERED)) == ["TELEHEALTH_MODIFIER"]


def test_errors_come_before_warnings():
    snapshot = replace(CLEAN, place_of_service="10", diagnoses=())

    assert [i.severity for i in scrub(snapshot).issues] == ["error", "error", "warning"]
