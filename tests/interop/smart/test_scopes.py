"""SMART scopes decided without the database: v1 and v2 forms, contexts, narrowing."""

import pytest

from medoffice.interop.smart.scopes import Grant, ScopeError, describe, parse_clinical, within


@pytest.mark.parametrize(
    ("scope", "letters"),
    [("patient/*.read", "rs"), ("user/*.write", "cud"), ("user/*.*", "cruds"),
     ("patient/Observation.rs", "rs"), ("system/Patient.r", "r"),
     ("patient/Observation.rs?category=vital-signs", "rs")],
)  # fmt: skip
def test_clinical_scopes_parse_in_v1_and_v2_forms(scope, letters):
    assert parse_clinical(scope).letters == frozenset(letters)


@pytest.mark.parametrize("scope", ["patient/*.sing", "admin/*.read", "patient/observation.read",
                                   "patient/*.", "user/*.sr", "launch"])  # fmt: skip
def test_malformed_scopes_are_refused(scope):
    with pytest.raises(ScopeError):
        parse_clinical(scope)


def test_non_clinical_scopes_are_known_words():
    assert parse_clinical("launch/patient") is None
    assert "patient" in describe("launch/patient")
    assert describe("patient/*.read") == "Read, search the chosen patient's all record types"


def test_a_grant_allows_what_its_scopes_say_and_knows_when_it_is_patient_only():
    grant = Grant.of("openid patient/*.read user/Practitioner.read")

    assert grant.allows("Observation", "search")
    assert grant.allows("Patient", "read")
    assert not grant.allows("Patient", "create")
    assert grant.patient_only("Observation", "read")
    assert not grant.patient_only("Practitioner", "read")
    assert not grant.allows("Observation", "delete-everything")


def test_a_request_is_within_the_registration_only_if_no_wider():
    allowed = ["patient/*.read", "user/Observation.cruds", "openid"]

    assert within("patient/Observation.rs", allowed)
    assert within("user/Observation.r", allowed)
    assert within("openid", allowed)
    assert not within("user/*.read", allowed)
    assert not within("patient/*.write", allowed)
    assert not within("fhirUser", allowed)
