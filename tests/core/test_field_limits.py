"""AC-03 field-level limits, asserted on what is sent, not on what a template hides: every GET
route of the catalogue (pages, fragments, files and API answers) is called by every role,
and the raw answer is searched.

- Note narrative (a signed note's text, a transcribed dictation) reaches only roles holding
  clinical.view_note: never the front desk, the biller or the coder ("billing sees codes,
  not narrative").
- The full SSN reaches nobody except through the reveal routes, and there only a role holding
  patients.reveal_patient_ssn; every other answer that shows it shows ***-**-NNNN.
"""

import pytest
from django.db import transaction

from medoffice.clinical import services as clinical_services
from medoffice.core.roles import ROLE_PERMISSIONS, Role
from medoffice.patients.models import Patient
from tests.core.routes import ROUTES, body_of
from tests.core.test_routes import role_may

pytestmark = pytest.mark.usefixtures("shared_world_with_outsider")

NARRATIVE = "Narrative QX7: intermittent palpitations since the spring"
SSN = "524-71-3388"
REVEAL_ROUTES = {"patients:patient-ssn", "api:patient-ssn"}
GET_ROUTES = tuple(route for route in ROUTES if route.method == "GET")


@pytest.fixture
def marked(world, provider, make_user, monkeypatch):
    """The world's patient with an SSN on file and a signed note carrying NARRATIVE (the
    note the catalogue's note routes open, for this test)."""
    Patient.objects.filter(pk=world.patient.pk).update(ssn=SSN)
    author = make_user("clinician", username="narrative_author")
    note = clinical_services.note_start(patient=world.patient, provider=provider, author=author)
    clinical_services.note_save_draft(note=note, sections={"assessment": NARRATIVE})
    note = clinical_services.note_sign(note=note, signed_by=author)
    monkeypatch.setattr(world, "note", note)
    return world


def answers_of(role, world, client) -> dict[str, str]:
    """The text of every GET route the role may call, by route id."""
    texts = {}
    for route in GET_ROUTES:
        if not role_may(role, route.permission):
            continue
        with transaction.atomic():
            response = route.call(client, world)
            transaction.set_rollback(True)
        texts[route.id] = body_of(response)
    return texts


@pytest.mark.parametrize("role", Role, ids=lambda r: r.value)
def test_note_text_and_the_full_ssn_reach_only_the_roles_allowed(
    role, marked, make_user, client_for
):
    texts = answers_of(role, marked, client_for(make_user(role)))
    sees_notes = "clinical.view_note" in ROLE_PERMISSIONS[role]
    reveals = "patients.reveal_patient_ssn" in ROLE_PERMISSIONS[role]

    with_narrative = sorted(rid for rid, text in texts.items() if NARRATIVE in text)
    with_ssn = sorted(rid for rid, text in texts.items() if SSN in text)
    masked = [rid for rid, text in texts.items() if "***-**-3388" in text]

    if sees_notes:
        assert with_narrative, "the note is on no route: the test would prove nothing"
    else:
        assert with_narrative == []
    expected_ssn = sorted(f"GET {name}" for name in REVEAL_ROUTES) if reveals else []
    assert with_ssn == expected_ssn
    if "patients.view_patient" in ROLE_PERMISSIONS[role]:
        assert "GET patients:patient-detail" in masked
        assert "GET api:patient-detail" in masked


def test_front_desk_biller_and_coder_are_among_those_kept_from_notes():
    kept = {role for role in Role if "clinical.view_note" not in ROLE_PERMISSIONS[role]}

    assert {Role.FRONT_DESK, Role.BILLER, Role.CODER} <= kept
