"""The superbill page, its PDFs, the code search and the coding queue, as each role sees them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from medoffice.billing.models import Charge, Encounter
from medoffice.core.roles import Role
from tests.billing.conftest import line


def url(name, encounter):
    return reverse(name, args=[encounter.public_id])


@pytest.fixture
def page_encounter(superbill_template, open_encounter):
    return open_encounter()


def test_the_superbill_shows_the_providers_template_as_check_boxes(
    page_encounter, clinician, client_for
):
    page = client_for(clinician).get(url("billing:encounter-detail", page_encounter))

    assert page.status_code == 200
    html = page.content.decode()
    assert page_encounter.template.name == "Family medicine"
    for section in ("Office visits", "Tests", "Chronic", "Acute"):
        assert f"<h3>{section}</h3>" in html
    assert 'name="svc" value="99213" id="svc-99213">' in html
    assert 'name="dx" value="E119" id="dx-E119">' in html
    assert "Save superbill" in html
    assert ">Sign the superbill</button>" in html


def test_ticking_boxes_saves_the_superbill_then_signing_makes_the_charges(
    page_encounter, clinician, client_for
):
    client = client_for(clinician)
    form = {"dx": ["E119", "I10"], "svc": ["99214", "36415"], "units-99214": "1",
            "units-36415": "2", "ptr-36415": "B", "place_of_service": "11"}  # fmt: skip

    saved = client.post(url("billing:encounter-save", page_encounter), form)
    signed = client.post(url("billing:encounter-sign", page_encounter))

    assert saved.status_code == signed.status_code == 302
    page_encounter.refresh_from_db()
    assert page_encounter.status == "signed"
    lines = {ln.code: ln for ln in page_encounter.lines.all()}
    assert (lines["36415"].units, lines["36415"].pointers) == (2, (2,))
    assert lines["99214"].pointers == (1, 2)
    assert sorted(Charge.objects.values_list("code", "amount")) == [
        ("36415", Decimal("25.00")), ("99214", Decimal("185.00")),
    ]  # fmt: skip
    page = client.get(url("billing:encounter-detail", page_encounter)).content.decode()
    assert "Save superbill" not in page
    assert "Signed" in page


def test_a_refused_save_shows_why_and_keeps_what_was_ticked(page_encounter, clinician, client_for):
    form = {"dx": ["E119"], "svc": ["99213", "36415"], "units-36415": "0"}

    response = client_for(clinician).post(url("billing:encounter-save", page_encounter), form)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Line 2 (36415): units must be 1 or more (not 0)." in html
    assert 'value="99213" id="svc-99213" checked>' in html
    assert 'name="units-36415" id="units-36415" value="0"' in html
    assert not page_encounter.lines.exists()


def test_signing_without_a_price_names_the_code(
    page_encounter, clinician, client_for, fee_schedule
):
    fee_schedule.entries.filter(code="93000").delete()
    client = client_for(clinician)
    client.post(url("billing:encounter-save", page_encounter), {"dx": ["I10"], "svc": ["93000"]})

    response = client.post(url("billing:encounter-sign", page_encounter))

    assert response.status_code == 422
    assert "has no price for 93000" in response.content.decode()
    assert Encounter.objects.get(pk=page_encounter.pk).status == "open"


def test_the_coder_corrects_a_signed_encounter_with_a_reason(
    superbill_template, signed, make_user, client_for
):
    coder = make_user(Role.CODER)
    encounter = signed(place="10")
    client = client_for(coder)
    page = client.get(url("billing:encounter-detail", encounter)).content.decode()
    assert "TELEHEALTH_MODIFIER" in page
    assert "Save correction" in page

    refused = client.post(url("billing:encounter-amend", encounter),
                          {"dx": ["E119", "I10"], "svc": ["99213"], "mod-99213": "95"})  # fmt: skip
    fixed = client.post(
        url("billing:encounter-amend", encounter),
        {"dx": ["E119", "I10"], "svc": ["99213"], "mod-99213": "95", "reason": "Video visit"},
    )

    assert refused.status_code == 422
    assert "Say why the signed encounter is corrected." in refused.content.decode()
    assert fixed.status_code == 302
    page = client.get(url("billing:encounter-detail", encounter)).content.decode()
    assert "Nothing to fix: ready for a claim." in page
    assert "Version 2: Video visit" in page


def test_the_front_desk_never_sees_diagnoses_but_prints_the_receipt(signed, front_desk, client_for):
    encounter = signed(diagnoses=["E11.9", "I10"], lines=[line("99213")])
    client = client_for(front_desk)

    assert client.get(url("billing:encounter-detail", encounter)).status_code == 403
    assert client.get(url("billing:encounter-pdf", encounter)).status_code == 403
    assert (
        client.get(reverse("api:encounter-detail", args=[encounter.public_id])).status_code == 403
    )
    receipt = client.get(url("billing:encounter-receipt", encounter))
    charges = client.get(reverse("api:encounter-charge-list", args=[encounter.public_id]))

    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert b"99213" in receipt.content
    assert b"$125.00" in receipt.content
    for code in (b"E11.9", b"E119", b"I10", b"diabetes"):
        assert code not in receipt.content
    assert charges.status_code == 200
    assert "E11" not in charges.content.decode()
    assert charges.json()[0]["amount"] == "125.00"


def test_the_superbill_pdf_prints_the_diagnoses_lines_and_ticked_boxes(
    superbill_template, signed, clinician, client_for
):
    encounter = signed(diagnoses=["E11.9", "I10"], lines=[line("99213"), line("36415")])

    response = client_for(clinician).get(url("billing:encounter-pdf", encounter))

    assert response.status_code == 200
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    for text in (b"(Superbill)", b"(E11.9)", b"Type 2 diabetes mellitus without complications",
                 b"(99213)", b"($137.50)", b"Signed by"):  # fmt: skip
        assert text in pdf, text
    assert pdf.count(b"(X)") == 4  # 99213, 36415, E11.9, I10 ticked on the printed form


def test_code_search_finds_codes_of_the_date_of_service(billing_office, clinician, client_for):
    client = client_for(clinician)

    by_code = client.get(reverse("billing:code-search"),
                         {"kind": "diagnosis", "q": "e11", "day": "2026-03-02"})  # fmt: skip
    by_words = client.get(reverse("billing:code-search"),
                          {"kind": "diagnosis", "q": "class 1", "day": "2026-03-02"})  # fmt: skip
    too_early = client.get(reverse("billing:code-search"),
                           {"kind": "diagnosis", "q": "class 1", "day": "2024-06-01"})  # fmt: skip
    services = client.get(reverse("billing:code-search"),
                          {"kind": "service", "q": "992", "day": "2026-03-02"})  # fmt: skip

    assert "E11.9" in by_code.content.decode()
    assert "(category: not billable)" in by_code.content.decode()  # E11 itself
    assert "E66.811" in by_words.content.decode()
    assert "No diagnosis code matches" in too_early.content.decode()
    assert 'value="99213"' in services.content.decode()
    assert 'value="99214"' in services.content.decode()


def test_the_queue_page_shows_the_clean_count_and_each_encounters_issues(
    signed, make_user, client_for
):
    signed()
    signed(place="10")
    page = client_for(make_user(Role.CODER)).get(reverse("billing:queue"))

    html = page.content.decode()
    assert page.status_code == 200
    assert '<strong id="count-clean">1</strong>clean' in html
    assert "usually needs modifier 95" in html


def test_the_visit_panel_links_to_its_superbill_for_clinicians_only(
    billing_office, patient, provider, location, freeze, arrive, clinician, front_desk,
    client_for, django_capture_on_commit_callbacks,
):  # fmt: skip
    from datetime import datetime, time, timedelta

    from medoffice.scheduling.models import Appointment, AppointmentType
    from tests.billing.conftest import CHICAGO, DOS

    kind = AppointmentType.objects.create(
        practice=location.practice, name="Visit", duration_minutes=30
    )
    starts = datetime.combine(DOS, time(9), tzinfo=CHICAGO)
    appointment = Appointment.objects.create(
        patient=patient, appointment_type=kind, provider=provider, location=location,
        starts_at=starts, ends_at=starts + timedelta(minutes=30),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        arrive(appointment)
    panel = reverse("scheduling:appointment-detail", args=[appointment.public_id])
    encounter = Encounter.objects.get(appointment=appointment)

    assert (
        url("billing:encounter-detail", encounter)
        in client_for(clinician).get(panel).content.decode()
    )
    assert "Superbill" not in client_for(front_desk).get(panel).content.decode()


def test_pointers_show_as_codes_and_unticking_a_pointed_diagnosis_is_named(
    page_encounter, clinician, client_for
):
    client = client_for(clinician)
    client.post(url("billing:encounter-save", page_encounter),
                {"dx": ["E119", "I10"], "svc": ["99213", "36415"], "ptr-36415": "B"})  # fmt: skip
    page = client.get(url("billing:encounter-detail", page_encounter)).content.decode()
    assert 'name="ptr-36415" id="ptr-36415" value="I10"' in page
    assert 'name="ptr-99213" id="ptr-99213" value=""' in page  # the default: first four

    response = client.post(
        url("billing:encounter-save", page_encounter),
        {"dx": ["E119"], "svc": ["99213", "36415"], "ptr-36415": "I10"},
    )

    assert response.status_code == 422
    assert "Line 2 (36415) points to diagnosis I10, which is not on the visit" in (
        response.content.decode()
    )
    assert page_encounter.diagnoses.count() == 2
