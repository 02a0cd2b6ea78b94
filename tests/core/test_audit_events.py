"""AU-01: every touch of PHI and every sign-in event leaves exactly one complete audit row."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.core.roles import ROLE_PERMISSIONS, Role
from tests.conftest import PASSWORD
from tests.core.conftest import new_client
from tests.core.routes import FHIR_PHI, PHI_READS, ROUTES, WEBHOOKS

# One world for the module, rolled back at its end; each test in a savepoint (conftest.py).
pytestmark = pytest.mark.usefixtures("shared_world")

LOCALHOST = "127.0.0.1"


def _first_role_with(permission: str) -> str:
    return next(role for role, perms in ROLE_PERMISSIONS.items() if permission in perms)


def _named_routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def _is_phi_route(name: str) -> bool:
    if name == "scheduling:offer":  # the patient's own token-keyed page: test_waitlist.py
        return False
    if name == "billing:code-search":  # the code sets only: no patient data
        return False
    if name == "clinical:term-suggest":  # the lexicon and code sets only: no patient data
        return False
    if name.startswith("fhir:"):  # the FHIR types that carry patient data
        return name.split(":")[1].split("-")[0] in FHIR_PHI
    return name.startswith(
        ("patients:", "scheduling:", "messaging:", "billing:", "eligibility:", "clinical:",
         "records:", "accounts:")
    ) or (
        name.startswith("api:")
        and any(
            w in name
            for w in (
                "patient",
                "coverage",
                "appointment",
                "waitlist",
                "encounter",
                "charge",
                "claim",
                "appeal",
                "patient", "coverage", "appointment", "waitlist", "encounter", "charge",
                "eligibility",
                "chart",
                "problem",
                "result",
                "note",
                "patient", "coverage", "appointment", "waitlist", "encounter", "charge",
                "document", "communication", "roi", "disclosure", "referral",
            )
        )
    )  # fmt: skip


def test_every_phi_route_in_the_urlconf_is_in_the_audit_catalogue():
    phi_routes = {name for name in _named_routes() if _is_phi_route(name)}
    catalogued = {route.name for route in ROUTES + WEBHOOKS}

    assert phi_routes, "the URLconf walk found no PHI routes"
    assert phi_routes - catalogued == set(), "PHI routes without an audit test"


def _assert_complete(event, *, user, response, patient=None):
    assert event.user_id == user.pk
    assert event.username == user.username
    assert event.role == user.staff.role
    assert event.action in AuditAction.values
    assert event.object_type
    assert event.category
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.client_ip == LOCALHOST
    assert event.request_id == response["X-Request-ID"]
    assert event.at is not None
    if patient is not None:
        assert event.patient_id == str(patient.public_id)


@pytest.mark.parametrize("route", PHI_READS, ids=lambda r: r.id)
def test_each_phi_read_writes_exactly_one_complete_audit_row(
    route, world, make_user, client_for, audit_mark, audit_since
):
    user = make_user(_first_role_with(route.permission))
    client = client_for(user)
    mark = audit_mark()

    response = route.call(client, world)

    assert response.status_code == route.ok
    events = audit_since(mark)
    assert len(events) == 1, [(e.action, e.object_type, e.detail) for e in events]
    event = events[0]
    patient = world.patient if route.target else None
    _assert_complete(event, user=user, response=response, patient=patient)
    expected_action = (
        AuditAction.QUERY
        if route.searches
        else AuditAction.PRINT
        if route.name.endswith(("-pdf", "-receipt"))
        else AuditAction.EXPORT
        if route.name.endswith(("-bundle", "-export"))
        else AuditAction.READ
    )
    assert event.action == expected_action
    if route.target and not route.name.endswith("-list"):
        target = getattr(world, route.target)
        assert event.object_id == str(target.public_id)


WRITES = tuple(r for r in ROUTES if r.phi and r.method != "GET" and "search" not in r.name)
# What each write leaves in the trail: one row per record changed (a merge changes two).
WRITE_ACTIONS = {
    "POST patients:patient-register": ["create"],
    "POST patients:patient-edit": ["update"],
    "POST patients:patient-merge": ["merge", "merge"],
    "POST patients:coverage-add": ["create"],
    "POST patients:consent-add": ["create"],
    "POST patients:consent-revoke": ["update"],
    "POST patients:coverage-edit": ["update"],
    "POST api:patient-list": ["create"],
    # FHIR writes go through the same services, so they leave the same rows.
    "POST fhir:Patient-type": ["create"],
    "PUT fhir:Patient-instance": ["update"],
    "POST fhir:Appointment-type": ["create"],
    "PUT fhir:Appointment-instance": ["update"],
    "POST fhir:Coverage-type": ["create"],
    "PUT fhir:Coverage-instance": ["update"],
    "PATCH api:patient-detail": ["update"],
    "POST api:coverage-list": ["create"],
    "PATCH api:coverage-detail": ["update"],
    "POST api:appointment-list": ["create"],
    "POST api:appointment-reschedule": ["update"],
    "POST api:appointment-status": ["update"],
    "POST scheduling:appointment-check-in": ["update", "create"],
    "POST scheduling:appointment-step": ["update"],
    "POST scheduling:appointment-cancel": ["update"],
    "POST scheduling:appointment-reschedule": ["update"],
    "POST scheduling:outside-add": ["create"],
    "POST scheduling:waitlist-add": ["create"],
    "POST scheduling:book-at-time": ["create"],
    "POST api:appointment-check-in": ["update", "create"],
    "POST api:appointment-step": ["update"],
    "POST api:waitlist-list": ["create"],
    "POST scheduling:waitlist-remove": ["update"],
    "POST scheduling:outside-edit": ["update"],
    "POST scheduling:outside-document-add": ["create"],
    "POST scheduling:appointment-book": ["create"],
    # Signing and corrections change the encounter and make (and reverse) its charges.
    "POST billing:encounter-save": ["update"],
    "POST billing:encounter-sign": ["update", "create"],
    "POST billing:encounter-amend": ["update", "create"],
    "PUT api:encounter-superbill": ["update"],
    "POST api:encounter-sign": ["update", "create"],
    "POST api:encounter-amend": ["update", "create"],
    # The billers' work on claims: a refused resend or status request (the claim is denied,
    # not rejected or waiting) changes nothing and leaves no row.
    "POST billing:claim-note": ["create"],
    "POST billing:claim-assign": ["update"],
    "POST billing:claim-close": ["update"],
    "POST billing:claim-status-request": [],
    "POST billing:appeal-start": ["create"],
    "POST billing:appeal-update": ["update"],
    "POST api:claim-note": ["create"],
    "POST api:claim-status-request": [],
    "POST api:claim-appeal-create": ["create"],
    # A claim the clearinghouse accepted is not sent again (refused, nothing written); a
    # correction makes the new claim and closes the original.
    "POST billing:claim-resend": [],
    "POST billing:claim-correct": ["create", "update"],
    "POST api:claim-resend": [],
    "POST api:claim-correct": ["create", "update"],
    # Asking the payer records the check (with its 270), then its answer (the 271).
    "POST eligibility:coverage-check-run": ["create", "update"],
    "POST eligibility:appointment-check-run": ["create", "update"],
    "POST api:eligibility-check-list": ["create", "update"],
    # The chart. Signing a transcribed dictation makes a note, signs it, and closes the dictation.
    "POST clinical:problem-add": ["create"],
    "POST clinical:entry-add": ["create"],
    "POST clinical:note-new": ["create"],
    "POST clinical:amendment-add": ["create"],
    "POST clinical:dictation-upload": ["create"],
    "POST clinical:break-glass": ["privilege_change"],
    "POST clinical:note-save": ["update"],
    "POST clinical:note-sign": ["update"],
    "POST clinical:note-addendum": ["create"],
    "POST clinical:result-review": ["update"],
    "POST clinical:amendment-decide": ["update"],
    "POST clinical:dictation-transcribe": ["update"],
    "POST clinical:dictation-sign": ["create", "update", "update"],
    "POST clinical:emergency-reviewed": ["update"],
    "POST api:problem-list": ["create"],
    "POST api:result-list": ["create"],
    "POST api:result-review": ["update"],
    "POST api:note-list": ["create", "update"],
    "PATCH api:note-detail": ["update"],
    "POST api:note-sign": ["update"],
    "POST api:note-addendum": ["create"],
    # Records: filing a paper, logging or answering, each step of a request; a release or a
    # transfer records its disclosure; filing received records makes the transfer and documents.
    "POST records:document-add": ["create"],
    "POST records:communication-add": ["create"],
    "POST records:communication-send": ["create"],
    "POST records:communication-answer": ["update"],
    "POST records:communication-done": ["update"],
    "POST records:roi-add": ["create"],
    "POST records:disclosure-add": ["create"],
    "POST records:transfer-out": ["create"],
    "POST records:transfer-in": ["create", "create"],
    "POST records:transfer-send": ["update", "create"],
    "POST records:roi-identity": ["update"],
    "POST records:roi-authorization": ["create", "update"],
    "POST records:roi-extend": ["update"],
    "POST records:roi-close": ["update"],
    # A held lab message opened (read), filed by hand: its two results, then the message.
    "POST interop:inbound-match": ["read", "create", "create", "update"],
    "POST interop:inbound-dismiss": ["read", "update"],
    "POST records:roi-prepare": ["create"],
    "POST records:roi-release": ["create", "export"],
    "POST records:referral-add": ["create"],
    "POST records:referral-send": ["create", "update"],
    "POST records:referral-schedule": ["update"],
    "POST records:referral-consult": ["create", "update"],
    "POST records:referral-status": ["update"],
    "POST api:patient-document-list": ["create"],
    "POST api:patient-communication-list": ["create"],
    "POST api:communication-answer": ["update"],
    "POST api:patient-roi-list": ["create"],
    "POST api:roi-identity": ["update"],
    "POST api:roi-prepare": ["create"],
    "POST api:roi-release": ["create", "export"],
    "POST api:patient-referral-list": ["create"],
    "POST api:referral-status": ["update"],
    # Patient accounts: a plan holds the dunning sequence (the account's standing) first.
    "POST accounts:payment-take": ["create"],
    "POST accounts:plan-create": ["update", "create"],
    "POST accounts:plan-cancel": ["update"],
    "POST accounts:refund-request": ["create"],
    # The world's patient has no consent to e-mail: refused, the account page read again.
    "POST accounts:receipt-send": ["read"],
    "POST accounts:refund-decide": ["update"],
    "POST api:patient-payment-list": ["create"],
    "POST api:patient-plan-list": ["update", "create"],
    "POST api:patient-refund-list": ["create"],
    "POST api:refund-decision": ["update"],
}


def test_every_write_route_has_its_expected_audit_rows():
    assert {r.id for r in WRITES} == set(WRITE_ACTIONS)


@pytest.mark.parametrize("route", WRITES, ids=lambda r: r.id)
def test_each_phi_write_writes_one_complete_audit_row_per_record_changed(
    route, world, make_user, client_for, audit_mark, audit_since
):
    user = make_user(_first_role_with(route.permission))
    client = client_for(user)
    mark = audit_mark()

    response = route.call(client, world)

    assert response.status_code == route.ok, response.content[:500]
    events = audit_since(mark)
    # Registration through the form may add one consent row per box ticked: none are ticked here.
    assert [e.action for e in events] == WRITE_ACTIONS[route.id], [
        (e.action, e.detail) for e in events
    ]
    for event in events:
        _assert_complete(event, user=user, response=response)
        assert event.patient_id


def test_denied_access_writes_one_denied_row(world, make_user, client_for, audit_mark, audit_since):
    coder = make_user(Role.CODER)
    client = client_for(coder)
    mark = audit_mark()

    response = client.get(reverse("patients:patient-edit", args=[world.patient.public_id]))

    assert response.status_code == 403
    events = audit_since(mark)
    assert len(events) == 1
    event = events[0]
    assert event.outcome == AuditOutcome.DENIED
    assert (event.user_id, event.username, event.role) == (coder.pk, coder.username, Role.CODER)
    assert event.client_ip == LOCALHOST
    assert event.request_id == response["X-Request-ID"]
    assert "patients.change_patient" in event.detail


def test_denied_api_call_writes_one_denied_row(
    world, make_user, client_for, audit_mark, audit_since
):
    coder = make_user(Role.CODER)
    client = client_for(coder)
    mark = audit_mark()

    response = client.patch(
        reverse("api:coverage-detail", args=[world.coverage.public_id]),
        data={"plan_name": "x"},
        content_type="application/json",
    )

    assert response.status_code == 403
    events = audit_since(mark)
    assert [(e.outcome, e.user_id, e.role) for e in events] == [
        (AuditOutcome.DENIED, coder.pk, Role.CODER)
    ]
    assert events[0].request_id == response["X-Request-ID"]
    assert "patients.change_coverage" in events[0].detail


def test_login_writes_one_row_with_the_user(front_desk, audit_mark, audit_since):
    client = new_client()
    mark = audit_mark()

    response = client.post(
        reverse("core:login"), {"username": front_desk.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    events = audit_since(mark)
    assert [e.action for e in events] == [AuditAction.LOGIN]
    event = events[0]
    assert (event.user_id, event.username, event.role) == (
        front_desk.pk,
        front_desk.username,
        Role.FRONT_DESK,
    )
    assert event.outcome == AuditOutcome.SUCCESS
    assert event.client_ip == LOCALHOST
    assert event.request_id == response["X-Request-ID"]


def test_logout_writes_one_row_with_the_user(front_desk, client_for, audit_mark, audit_since):
    client = client_for(front_desk)
    mark = audit_mark()

    response = client.post(reverse("core:logout"))

    assert response.status_code == 302
    events = audit_since(mark)
    assert [(e.action, e.user_id, e.outcome) for e in events] == [
        (AuditAction.LOGOUT, front_desk.pk, AuditOutcome.SUCCESS)
    ]
    assert events[0].role == Role.FRONT_DESK
    assert events[0].request_id == response["X-Request-ID"]


@pytest.mark.parametrize("known_user", [True, False], ids=["bad-password", "unknown-user"])
def test_failed_login_writes_a_failure_row_with_the_name_tried_and_no_user(
    front_desk, audit_mark, audit_since, known_user
):
    username = front_desk.username if known_user else "nobody-here"
    mark = audit_mark()

    response = new_client().post(
        reverse("core:login"), {"username": username, "password": "wrong-password-123"}
    )

    assert response.status_code == 200
    events = audit_since(mark)
    assert len(events) == 1
    event = events[0]
    assert event.action == AuditAction.LOGIN_FAILED
    assert event.outcome == AuditOutcome.FAILURE
    assert event.username == username
    assert event.user_id is None
    assert event.client_ip == LOCALHOST
    assert event.request_id == response["X-Request-ID"]
    assert "wrong-password-123" not in str(event.__dict__)


def test_failed_login_answers_the_same_for_unknown_user_and_bad_password(front_desk):
    responses = [
        new_client().post(
            reverse("core:login"), {"username": name, "password": "wrong-password-123"}
        )
        for name in (front_desk.username, "nobody-here")
    ]

    assert {r.status_code for r in responses} == {200}
    errors = [r.context["form"].non_field_errors() for r in responses]
    assert errors[0] == errors[1]
    assert errors[0]


def test_username_with_line_breaks_cannot_forge_a_second_line(audit_mark, audit_since, db):
    mark = audit_mark()

    new_client().post(
        reverse("core:login"),
        {"username": "eve\r\n2025-01-01 admin login ok", "password": "wrong-password-123"},
    )

    (event,) = audit_since(mark)
    assert "\n" not in event.username
    assert "\r" not in event.username
    assert event.username.startswith("eve\\r\\n")
