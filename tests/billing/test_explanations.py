"""Denial and rejection codes explained in plain words, with the screen and field to fix."""

import pytest

from medoffice.billing.explanations import (
    FIX_TARGETS,
    KINDS,
    _adjustment_table,
    _rejection_table,
    explain_adjustment,
    explain_claim_status,
    explain_remark,
    explain_syntax_error,
    parse_adjustment,
)


@pytest.mark.parametrize(
    ("group", "reason", "kind", "fix"),
    [
        ("CO", "45", "write_off", None),
        ("CO", "97", "fix", "modifiers"),
        ("CO", "18", "appeal", None),
        ("CO", "29", "appeal", None),
        ("CO", "50", "appeal", "diagnoses"),
        ("CO", "96", "patient", None),
        ("CO", "109", "other_payer", "coverage"),
        ("CO", "197", "appeal", "prior_authorization"),
        ("PR", "1", "patient", None),
        ("PR", "2", "patient", None),
        ("PR", "3", "patient", None),
        ("OA", "23", "info", None),
    ],
)
def test_common_denials_say_what_to_do_and_where(group, reason, kind, fix):
    explained = explain_adjustment(group, reason)
    assert explained.known
    assert explained.kind == kind
    assert (explained.fix.key if explained.fix else None) == fix
    assert explained.meaning
    assert explained.action
    assert explained.code == f"{group}-{reason}"


def test_co_16_takes_the_field_to_fix_from_its_remark_codes():
    missing_dx = explain_adjustment("CO", "16", ["M76"])
    assert missing_dx.kind == "fix"
    assert missing_dx.fix.key == "diagnoses"
    assert missing_dx.remarks[0].code == "M76"
    npi = explain_adjustment("CO", "16", ["MA130", "N290"])
    assert npi.fix.key == "rendering_provider"  # MA130 names no field; N290 does
    assert [r.code for r in npi.remarks] == ["MA130", "N290"]


def test_only_patient_responsibility_may_be_billed_to_the_patient():
    assert explain_adjustment("PR", "2").billable_to_patient
    assert not explain_adjustment("CO", "45").billable_to_patient
    assert "must not be billed to the patient" in explain_adjustment("CO", "45").group_meaning


def test_unknown_codes_are_answered_not_refused():
    odd = explain_adjustment("CO", "W9", ["ZZ999", "N290"])
    assert not odd.known
    assert "not in MedOffice's table" in odd.meaning
    assert odd.fix.key == "rendering_provider"
    assert not explain_remark("ZZ999").known


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("CO-45", ("CO", "45")), ("co45", ("CO", "45")), ("PR 2", ("PR", "2")), ("97", ("", "97"))],
)
def test_adjustment_codes_are_read_as_billers_type_them(text, parsed):
    assert parse_adjustment(text) == parsed


@pytest.mark.parametrize(
    ("stc", "rejected", "fix", "words"),
    [
        (("A7", "562", "82"), True, "rendering_provider", "rendering provider"),
        (("A7", "562", "85"), True, "billing_provider", "billing provider"),
        (("A6", "164", "IL"), True, "coverage", "member"),
        (("A7", "158", "QC"), True, "patient", "date of birth"),
        (("A8", "158", "IL"), True, "coverage", "date of birth"),
        (("A7", "255", ""), True, "diagnoses", "diagnosis"),
        (("A3", "116", ""), True, "coverage", "wrong payer"),
        (("A1", "19", "PR"), False, None, "Received"),
        (("A2", "20", ""), False, None, "Accepted"),
    ],
)
def test_277ca_statuses_give_a_plain_reason_and_the_field_to_fix(stc, rejected, fix, words):
    result = explain_claim_status(*stc)
    assert result.rejected is rejected
    assert (result.fix.key if result.fix else None) == fix
    assert words.lower() in result.reason.lower()


def test_999_errors_point_at_the_part_of_the_claim_that_made_the_segment():
    npi = explain_syntax_error(
        ack="R", segment="NM1", qualifier="82", segment_error="8", element=9, element_error="7"
    )
    assert npi.rejected
    assert npi.fix.key == "rendering_provider"
    assert "NM109" in npi.reason
    assert "invalid code value" in npi.reason
    dx = explain_syntax_error(
        ack="R", segment="HI", segment_error="8", element=1, element_error="7"
    )
    assert dx.fix.key == "diagnoses"
    assert not explain_syntax_error(ack="A").rejected


def test_every_fix_named_in_the_tables_is_a_known_target_and_every_kind_is_known():
    adjustments, rejections = _adjustment_table(), _rejection_table()
    named = [e.get("fix") for e in adjustments["carc"].values()]
    named += [e.get("fix") for e in adjustments["rarc"].values()]
    named += [e.get("fix") for e in rejections["status"].values()]
    named += [v for e in rejections["status"].values() for v in e.get("fix_by_entity", {}).values()]
    named += list(rejections["segment_fix"].values())
    assert {n for n in named if n} <= FIX_TARGETS.keys()
    assert {e["kind"] for e in adjustments["carc"].values()} <= KINDS.keys()
    assert len(adjustments["carc"]) >= 60
    assert len(adjustments["rarc"]) >= 40
