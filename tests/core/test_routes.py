"""AC-02 deny by default: every route declares a policy, every role gets what the table says,
and nobody reaches another practice's records (404, as if they did not exist)."""

import uuid
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.urls import resolve as url_resolve
from rest_framework.views import APIView

from medoffice.core.policy import AUTHENTICATED, PUBLIC, HasRequiredPermission
from medoffice.core.roles import ROLE_PERMISSIONS, Role
from medoffice.imports.models import ImportRun
from medoffice.patients.models import Consent, Coverage, Patient
from tests.core.conftest import new_client
from tests.core.routes import DETAIL_ROUTES, ROUTES, SMART, WEBHOOKS, body_of

# One world for the module, rolled back at its end; each test in a savepoint (conftest.py).
pytestmark = pytest.mark.usefixtures("shared_world_with_outsider")

# scheduling:offer is the patient's page for a waitlist offer: its unguessable token is the key
# (tests/scheduling/test_waitlist.py).
# core:mfa-verify, core:mfa-recovery and core:mfa-enrol are the second sign-in step: a session
# past the password only is not yet "authenticated" for the policy, so they are public routes
# that send an anonymous caller to the sign-in themselves (tests/core/test_mfa.py).
PUBLIC_ROUTES = {
    "core:login",
    "core:logout",
    "core:health",
    "scheduling:offer",
    "core:mfa-verify",
    "core:mfa-recovery",
    "core:mfa-enrol",
    "fhir:metadata",  # the FHIR CapabilityStatement: clients read it before signing in
} | {r.name for r in WEBHOOKS}
# SMART on FHIR: OAuth endpoints and routes that check their own bearer token (routes.py).
PUBLIC_ROUTES |= {r.name for r in SMART if r.permission == PUBLIC}
HANDLERS = ("get", "post", "put", "patch", "delete")
ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def walk(patterns, namespace=""):
    """Yield (route name, callback) for every route outside the Django admin and static files."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or str(entry.pattern).startswith("static"):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or entry.pattern}", entry.callback


def declared_policies(callback) -> dict[str, str] | None:
    """The permission per HTTP method a view declares, or None if it declares none."""
    if hasattr(callback, "medoffice_policy"):
        policy = callback.medoffice_policy
        # A dict names the permission per method (the FHIR views, interop/fhir/views.py).
        return dict(policy) if isinstance(policy, dict) else {"*": policy}
    cls = getattr(callback, "cls", None)
    if cls is None or not issubclass(cls, APIView):
        return None
    if HasRequiredPermission not in cls.permission_classes:
        return None
    needed = getattr(cls, "required_permission", None)
    if needed is None:
        return None
    if isinstance(needed, str):
        return {"*": needed}
    return dict(needed)


def policy_problems(patterns) -> list[str]:
    problems = []
    for name, callback in walk(patterns):
        policies = declared_policies(callback)
        if policies is None:
            problems.append(f"{name}: no declared policy")
            continue
        for method, permission in policies.items():
            if permission == PUBLIC and name not in PUBLIC_ROUTES:
                problems.append(f"{name}: public but not on the public allow-list")
            elif permission not in (PUBLIC, AUTHENTICATED) and permission not in ALL_PERMISSIONS:
                problems.append(f"{name} {method}: {permission!r} is granted to no role")
        cls = getattr(callback, "cls", None)
        if cls is not None and not hasattr(callback, "medoffice_policy"):
            for handler in HANDLERS:
                if hasattr(cls, handler) and handler.upper() not in policies | {"*": 1}:
                    problems.append(f"{name}: {handler.upper()} has a handler but no permission")
    return problems


def test_every_route_declares_a_policy():
    routes = list(walk(get_resolver().url_patterns))

    assert len(routes) >= 25, "the URLconf walk missed routes"
    assert policy_problems(get_resolver().url_patterns) == []


def test_the_policy_walk_flags_undeclared_and_unknown_policies():
    def bare(request):
        return None

    class LooseApi(APIView):
        def get(self, request):
            return None

    class HalfDeclaredApi(APIView):
        permission_classes = [HasRequiredPermission]
        required_permission = {"GET": "patients.view_patient"}

        def get(self, request):
            return None

        def delete(self, request):
            return None

    def typo(request):
        return None

    typo.medoffice_policy = "patients.view_patients"

    def open_door(request):
        return None

    open_door.medoffice_policy = PUBLIC

    problems = policy_problems(
        [
            path("a/", bare, name="bare"),
            path("b/", LooseApi.as_view(), name="loose"),
            path("c/", HalfDeclaredApi.as_view(), name="half"),
            path("d/", typo, name="typo"),
            path("e/", open_door, name="open"),
        ]
    )

    assert problems == [
        "bare: no declared policy",
        "loose: no declared policy",
        "half: DELETE has a handler but no permission",
        "typo *: 'patients.view_patients' is granted to no role",
        "open: public but not on the public allow-list",
    ]


def test_every_permission_in_the_role_table_exists(db):
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }

    assert ALL_PERMISSIONS - existing == set()


def test_catalogue_matches_the_policy_each_view_declares():
    ids = SimpleNamespace(public_id=uuid.uuid4())
    visit = SimpleNamespace(public_id=ids.public_id, appointment_type=ids)
    urls = SimpleNamespace(
        patient=ids, coverage=ids, consent=ids, appointment=visit, todays_appointment=visit,
        outside_visit=ids, outside_document=ids, waitlist_entry=ids, encounter=ids,
        signed_encounter=ids, work_claim=ids, appeal=ids, paths_only=True,
        claim=ids, exchange_file=ids,
        eligibility_check=ids,
        note=ids, draft_note=ids, result=ids,
        dictation=ids, transcribed_dictation=ids, amendment=ids, emergency_grant=ids,
        document=ids, communication=ids, roi_request=ids, transfer=ids, referral=ids,
        draft_referral=ids, referral_in=ids,
        item=ids, draft_order=ids, awaiting_order=ids,
        approved_order=ids, sent_order=ids, received_order=ids, equipment_record=ids,
        equipment_document=ids,
        ticket=ids, cycle_count=ids, vendor=ids, era_file=ids, suspense_item=ids, desk_payment=ids,
        statement=ids, refund_request=ids, day_close=ids, plan=ids,
        risk_assessment=ids, risk_answer=ids, incident=ids, policy=ids, business_associate=ids,
        import_run=ids, csv_run=ids, inbound_message=ids,
    )  # fmt: skip
    wrong = []
    for route in ROUTES + WEBHOOKS + SMART:
        policies = declared_policies(url_resolve(route.url(urls).split("?")[0]).func) or {}
        declared = policies.get(route.method, policies.get("*"))
        if declared != route.permission:
            wrong.append((route.id, declared, route.permission))

    assert wrong == [], "(route, declared by the view, catalogued)"


def test_api_schema_and_docs_refuse_anonymous_callers(db):
    for url in ("/api/schema/", "/api/docs/"):
        response = new_client().get(url)
        assert response.status_code in (401, 403), url


# --- The role x route matrix, generated from ROLE_PERMISSIONS ---


def role_may(role: str, permission: str) -> bool:
    return permission == AUTHENTICATED or permission in ROLE_PERMISSIONS[role]


def _expected_status(role: str, route) -> int:
    return route.ok if role_may(role, route.permission) else 403


@pytest.mark.parametrize("role", Role, ids=lambda r: r.value)
def test_role_gets_what_the_policy_table_says_on_every_route(role, world, make_user, client_for):
    """One cell per route; each request runs in a savepoint rolled back afterwards, so every
    route meets the same records (a merge or a new coverage does not leak into the next).
    Every answer to a signed-in user, allowed or refused, must also be no-store (DP-02)."""
    client = client_for(make_user(role))
    mismatches = []
    for route in ROUTES:
        with transaction.atomic():
            response = route.call(client, world)
            transaction.set_rollback(True)
        expected = _expected_status(role, route)
        problem_json = response.get("Content-Type") == "application/problem+json"
        if route.fhir:  # FHIR refuses with an OperationOutcome
            problem_json = response.get("Content-Type", "").startswith("application/fhir+json")
        refused_plainly = (route.api or route.fhir) and expected == 403 and not problem_json
        if response.status_code != expected or refused_plainly:
            mismatches.append((route.id, response.status_code, expected))
        if response.get("Cache-Control") != "no-store":
            mismatches.append((route.id, "Cache-Control", response.get("Cache-Control")))

    assert mismatches == [], "(route, got, expected)"


def test_the_matrix_covers_every_role_and_both_outcomes():
    cells = [(role, route) for role in Role for route in ROUTES]
    allowed = sum(role_may(role, route.permission) for role, route in cells)

    assert len(cells) == len(Role) * len(ROUTES) >= 9 * 30
    assert 0 < allowed < len(cells)
    # Every role is refused something, and every route is refused to some role but home.
    assert all(any(not role_may(role, r.permission) for r in ROUTES) for role in Role)
    assert all(
        any(not role_may(role, r.permission) for role in Role)
        for r in ROUTES
        if r.permission != AUTHENTICATED
    )


def test_anonymous_caller_is_sent_to_login_or_refused_on_every_route(world):
    client = new_client()
    wrong = []
    for route in ROUTES:
        response = route.call(client, world)
        if route.fhir:
            outcome = response.get("Content-Type", "").startswith("application/fhir+json")
            if response.status_code != 401 or not outcome:
                wrong.append((route.id, response.status_code, response.get("Content-Type")))
            elif response.json()["resourceType"] != "OperationOutcome":
                wrong.append((route.id, "not an OperationOutcome"))
        elif route.api:
            problem = response.get("Content-Type") == "application/problem+json"
            if response.status_code not in (401, 403) or not problem:
                wrong.append((route.id, response.status_code, response.get("Content-Type")))
            elif response.json()["status"] != response.status_code:
                wrong.append((route.id, "problem status", response.json()["status"]))
        elif response.status_code != 302 or not response["Location"].startswith("/login/?next="):
            wrong.append((route.id, response.status_code, response.get("Location")))

    assert wrong == []


@pytest.mark.parametrize("route", SMART, ids=lambda r: r.id)
def test_a_smart_route_answers_an_anonymous_caller_as_catalogued(route, world):
    """OAuth endpoints answer OAuth errors, discovery documents are open, the bearer-token
    routes refuse with a 401 OperationOutcome and its challenge, the approval page sends
    the caller to sign in."""
    response = route.call(new_client(), world)

    assert response.status_code == route.ok, body_of(response)[:300]
    if route.ok == 401 and route.name.split(":")[0] in ("smart", "fhir"):
        assert response.json()["resourceType"] == "OperationOutcome"
        assert response["WWW-Authenticate"].startswith("Bearer")
    if route.ok == 302:
        assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("route", WEBHOOKS, ids=lambda r: r.id)
@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_a_webhook_refuses_every_caller_without_its_own_credential(
    route, role, world, make_user, client_for
):
    """A staff session is no credential for a webhook: its own signature or secret is."""
    from medoffice.messaging.models import Message

    client = client_for(make_user(role)) if role else new_client()
    before = (_state(), Message.objects.count())

    response = route.call(client, world)

    assert response.status_code == route.ok == 403
    assert response["Content-Type"] == "application/problem+json"
    assert (_state(), Message.objects.count()) == before


# Facts the docs state in words, pinned so a table edit that breaks them is noticed.


def _status(client, route_name, method, world):
    route = next(r for r in ROUTES if (r.name, r.method) == (route_name, method))
    return route.call(client, world).status_code


def test_biller_sees_coverage_but_cannot_register_patients(world, biller, client_for):
    client = client_for(biller)

    assert _status(client, "patients:coverage-list", "GET", world) == 200
    assert _status(client, "api:coverage-detail", "GET", world) == 200
    assert _status(client, "patients:patient-register", "GET", world) == 403
    assert _status(client, "api:patient-list", "POST", world) == 403


def test_coder_cannot_change_coverage(world, make_user, client_for):
    client = client_for(make_user(Role.CODER))

    assert _status(client, "patients:coverage-list", "GET", world) == 200
    assert _status(client, "patients:coverage-edit", "POST", world) == 403
    assert _status(client, "api:coverage-detail", "PATCH", world) == 403
    assert world.coverage.plan_name == Coverage.objects.get(pk=world.coverage.pk).plan_name


def test_administrator_cannot_view_patients(world, administrator, client_for):
    client = client_for(administrator)

    assert _status(client, "patients:patient-detail", "GET", world) == 403
    assert _status(client, "patients:patient-search", "POST", world) == 403
    assert _status(client, "api:patient-detail", "GET", world) == 403
    assert _status(client, "core:audit-list", "GET", world) == 200


def test_privacy_officer_can_review_the_audit_trail(world, privacy_officer, client_for):
    client = client_for(privacy_officer)

    assert _status(client, "core:audit-list", "GET", world) == 200
    assert _status(client, "core:audit-export", "GET", world) == 200


def test_front_desk_cannot_review_the_audit_trail_or_merge(world, front_desk, client_for):
    client = client_for(front_desk)

    assert _status(client, "core:audit-list", "GET", world) == 403
    assert _status(client, "core:audit-export", "GET", world) == 403
    assert _status(client, "patients:patient-merge", "GET", world) == 403
    assert _status(client, "patients:patient-merge", "POST", world) == 403
    assert Patient.objects.get(pk=world.duplicate.pk).status == "active"


# --- IDOR: another practice's ids behave as if they did not exist ---


def _prober(route, make_user, outsider, practice_):
    """The outsider persona where its role allows the route; else a same-practice colleague
    with a role that does, so the 404 comes from the scope check and not the role check."""
    if route.permission in ROLE_PERMISSIONS[Role.FRONT_DESK]:
        return outsider
    role = next(r for r in ROLE_PERMISSIONS if role_may(r, route.permission))
    return make_user(role, practice_=practice_)


def _state():
    return (
        list(Patient.objects.order_by("pk").values_list("pk", "updated_at", "status")),
        list(Coverage.objects.order_by("pk").values_list("pk", "updated_at")),
        list(Consent.objects.order_by("pk").values_list("pk", "revoked_on")),
    )


def _probe_all(
    clients_for_route, world, *, other: bool, hidden: Patient, routes=DETAIL_ROUTES
) -> list:
    """Call every detail route; return what leaked: a status other than 404, a non-problem
    API body, the patient's name or MRN in the answer, or any change to the records."""
    leaks = []
    for route in routes:
        client = clients_for_route(route)  # signed in outside the savepoint rolled back below
        before = _state()
        with transaction.atomic():
            response = route.call(client, world, other=other)
            after = _state()
            transaction.set_rollback(True)
        body = body_of(response)
        if response.status_code != 404:
            leaks.append((route.id, response.status_code))
        elif route.api and response.get("Content-Type") != "application/problem+json":
            leaks.append((route.id, "not a problem document"))
        if hidden.last_name in body or hidden.mrn in body:
            leaks.append((route.id, "patient named in the answer"))
        if after != before:
            leaks.append((route.id, "records changed"))
    return leaks


def test_outsider_gets_404_for_every_detail_route_of_our_patient(
    world_with_outsider, make_user, outsider, other_practice, client_for
):
    """The outsider persona (front desk elsewhere) probes every route its role allows; the
    routes it does not (merge) are probed by a colleague of the other practice who may,
    so the 404 comes from the scope check and not from the role check."""
    clients = {}

    def client(route):
        prober = _prober(route, make_user, outsider, other_practice)
        if prober.pk not in clients:
            clients[prober.pk] = client_for(prober)
        return clients[prober.pk]

    leaks = _probe_all(client, world_with_outsider, other=False, hidden=world_with_outsider.patient)

    assert leaks == []
    assert len(clients) >= 2, "merge was not probed by a role that may merge"


def test_our_users_get_404_for_another_practices_patient(
    world_with_outsider, make_user, client_for
):
    clients = {}

    def client(route):
        role = next(r for r in ROLE_PERMISSIONS if role_may(r, route.permission))
        if role not in clients:
            clients[role] = client_for(make_user(role))
        return clients[role]

    world = world_with_outsider
    leaks = _probe_all(client, world, other=True, hidden=world.other_patient)

    assert leaks == []


# --- Location limits: a user limited to other locations finds our patient absent ---

# Files and runs of the whole practice (a clearinghouse file, an 835, its suspense line) are
# not one patient's records: a location limit does not hide them from a biller who may read
# them (their claims, each one patient's, are limited).
# Breaking the glass is how a member of the emergency group opens such a chart: its form
# answers them (test_breaking_the_glass_opens_a_chart_outside_the_users_locations).
PRACTICE_WIDE_TARGETS = {"exchange_file", "era_file", "suspense_item"}
PATIENT_DETAIL_ROUTES = tuple(
    r
    for r in DETAIL_ROUTES
    if r.phi and r.target not in PRACTICE_WIDE_TARGETS and r.name != "clinical:break-glass"
)


def _limited_to(user, *locations):
    user.staff.limited_to_locations = True
    user.staff.save(update_fields=["limited_to_locations"])
    user.staff.locations.set(locations)
    return user


def test_users_limited_to_other_locations_get_404_for_every_route_of_our_patient(
    world_with_outsider, make_user, client_for, practice
):
    """Every role, limited to a location where our patient is neither registered nor seen,
    probes every route of the patient's records: all 404, nothing named, nothing changed."""
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    clients = {}

    def client(route):
        role = next(r for r in ROLE_PERMISSIONS if role_may(r, route.permission))
        if role not in clients:
            clients[role] = client_for(_limited_to(make_user(role), north))
        return clients[role]

    leaks = _probe_all(
        client, world_with_outsider, other=False, hidden=world_with_outsider.patient,
        routes=PATIENT_DETAIL_ROUTES,
    )  # fmt: skip

    assert leaks == [], "\n".join(map(str, leaks))
    assert len(clients) >= 4


def test_lists_name_no_patient_outside_a_location_limited_users_locations(
    world_with_outsider, make_user, client_for, practice
):
    """Every list, queue and report a role may read, read by a user limited to another
    location: our patient is named in none of them."""
    hidden = world_with_outsider.patient
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    clients = {}
    named = []
    for route in ROUTES:
        if route.target is not None or route.method != "GET" or not route.phi:
            continue
        role = next(r for r in ROLE_PERMISSIONS if role_may(r, route.permission))
        if role not in clients:
            clients[role] = client_for(_limited_to(make_user(role), north))
        response = route.call(clients[role], world_with_outsider)
        body = body_of(response)
        if hidden.last_name in body or hidden.mrn in body:
            named.append(route.id)

    assert named == [], "\n".join(named)


def test_import_screens_name_no_patient_outside_a_location_limited_users_locations(
    world_with_outsider, make_user, client_for, practice
):
    """Imports are the practice's, so a limited user reads the runs, but every import
    route's answer leaves out our patient when a file's lines are about them (a CSV dry run
    matched to the patient here): the lines keep their place, not who or which MRN."""
    from medoffice.imports.csv_import import auto_match, csv_dry_run, mapping_save, read_csv

    hidden = world_with_outsider.patient
    data = (
        "Account,First Name,Last Name,DOB,Sex,Address,City,State,Zip\r\n"
        f"H-1,{hidden.first_name},{hidden.last_name},{hidden.dob:%Y-%m-%d},F,1 Main St,"
        "Springfield,IL,62701\r\n"
    ).encode()
    mapping = mapping_save(
        practice=practice, name="location-probe", columns=auto_match(read_csv(data)[0])
    )
    run = csv_dry_run(data, practice=practice, mapping=mapping, name="probe.csv")
    assert hidden.mrn in str(run.report)  # the dry run is about our patient
    world = SimpleNamespace(**{**vars(world_with_outsider), "import_run": run, "csv_run": run})
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    imports = [r for r in ROUTES if r.name.startswith("imports:") and r.method == "GET"]
    role = next(r for r in ROLE_PERMISSIONS if role_may(r, imports[0].permission))
    limited = client_for(_limited_to(make_user(role), north))
    whole = client_for(make_user(role))

    named = []
    for route in imports:
        body = body_of(route.call(limited, world))
        if hidden.last_name in body or hidden.mrn in body:
            named.append(route.id)
    detail = reverse("imports:run-detail", args=[run.public_id])
    commit = limited.post(reverse("imports:csv-commit", args=[run.public_id]))

    assert {r.name for r in imports} >= {"imports:run-list", "imports:run-detail"}
    assert named == [], named
    assert "outside your locations" in limited.get(detail).content.decode()
    assert hidden.mrn in whole.get(detail).content.decode()
    assert commit.status_code == 302  # refused back to the report: nothing committed
    assert not ImportRun.objects.filter(mapping=mapping).exclude(pk=run.pk).exists()


def test_a_location_limited_user_sees_no_other_locations_day_board(
    world_with_outsider, make_user, client_for, practice, location
):
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    client = client_for(_limited_to(make_user(Role.FRONT_DESK), north))

    assert client.get(f"/schedule/?location={location.public_id}").status_code == 404
    own = client.get(f"/schedule/?location={north.public_id}")
    assert own.status_code == 200
    assert client.get("/schedule/").context["location"] == north


def test_a_user_limited_to_the_patients_location_reaches_the_patient(
    world_with_outsider, make_user, client_for, location
):
    world = world_with_outsider
    client = client_for(_limited_to(make_user(Role.FRONT_DESK), location))

    assert client.get(f"/patients/{world.patient.public_id}/").status_code == 200
    assert client.get(f"/api/patients/{world.patient.public_id}/").status_code == 200


def test_location_limited_search_finds_only_the_patients_of_the_users_locations(
    world_with_outsider, make_user, client_for, practice, location
):
    world = world_with_outsider
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    away = client_for(_limited_to(make_user(Role.FRONT_DESK), north))
    here = client_for(_limited_to(make_user(Role.FRONT_DESK), location))

    for client, found in ((away, False), (here, True)):
        answer = client.post(
            "/api/patients/search/", {"q": world.patient.last_name}, content_type="application/json"
        )
        assert answer.status_code == 200
        ids = {r["id"] for r in answer.json()["results"]}
        assert (str(world.patient.public_id) in ids) is found


def test_breaking_the_glass_opens_a_chart_outside_the_users_locations(
    world_with_outsider, make_user, client_for, practice
):
    world = world_with_outsider
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    role = next(r for r in ROLE_PERMISSIONS if role_may(r, "clinical.break_glass"))
    doctor = client_for(_limited_to(make_user(role), north))
    chart = f"/patients/{world.patient.public_id}/chart/"
    assert doctor.get(chart).status_code == 404
    found = doctor.post("/patients/search/", {"q": world.patient.last_name}).content.decode()
    assert f"/patients/{world.patient.public_id}/chart/emergency/" in found
    assert f'href="/patients/{world.patient.public_id}/"' not in found

    opened = doctor.post(
        f"/patients/{world.patient.public_id}/chart/emergency/",
        {"reason": "Unconscious in the waiting room, no chart at this site"},
    )

    assert opened.status_code == 302
    assert doctor.get(chart).status_code == 200


def test_search_never_returns_another_practices_patient(world_with_outsider, outsider, client_for):
    client = client_for(outsider)
    ours = world_with_outsider.patient

    for query in (ours.last_name, ours.mrn, ours.dob.strftime("%m/%d/%Y"), "217-555-0142"):
        api = client.post("/api/patients/search/", {"q": query}, content_type="application/json")
        assert api.status_code == 200
        assert str(ours.public_id) not in {r["id"] for r in api.json()["results"]}, query
        page = client.post("/patients/search/", {"q": query})
        assert page.status_code == 200
        assert str(ours.public_id) not in page.content.decode()
