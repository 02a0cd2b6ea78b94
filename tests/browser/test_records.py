"""Health information management in a real browser.

A records clerk handles an attorney's request end to end: logs it with its scope, is
refused the release while identity and the authorisation are missing, records the identity
check, files the signed authorisation, prepares the packet (a PDF with the chart sections
asked for, the clinical ones included), releases it, and finds the disclosure on the
patient's list and in the full accounting PDF (the legal accounting leaves authorised
disclosures out, 164.528(a)(1)(iv)).

A medical assistant logs a patient's phone call with a clinical question, routed to the
clinician's inbox; the clinician answers it there and the answer shows on the chart's log.
"""

from datetime import date, timedelta
from io import BytesIO

from playwright.sync_api import expect
from pypdf import PdfReader

from medoffice.clinical import services as clinical
from medoffice.core.roles import Role
from medoffice.records.models import Communication, Disclosure, RoiRequest
from tests.clock import office_today
from tests.records.conftest import pdf_bytes


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _fetch_pdf(page, href: str) -> str:
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    return _pdf_text(answer.body())


def _chart(patient, provider, clinician) -> None:
    clinical.medication_add(
        patient=patient, name="Lisinopril", dose="10 mg", route="PO", frequency="daily",
        start_date=date(2024, 2, 1), prescriber=provider,
    )  # fmt: skip
    clinical.allergy_add(
        patient=patient, substance="Sulfa drugs", reaction="Rash", severity="mild", verified=True
    )
    note = clinical.note_start(patient=patient, provider=provider, author=clinician)
    clinical.note_save_draft(
        note=note,
        sections={"subjective": "Neck pain after a car accident.", "plan": "Physiotherapy."},
    )
    clinical.note_sign(note=note, signed_by=clinician)


def test_records_clerk_releases_records_to_an_attorney(
    page, login, records_clerk, clinician, provider, patient, tmp_path
):
    provider.user = clinician
    provider.save(update_fields=["user"])
    _chart(patient, provider, clinician)

    login(records_clerk)
    page.goto(f"/patients/{patient.public_id}/")
    record_nav = page.get_by_role("navigation", name="Patient record")
    record_nav.get_by_role("link", name="Release of information").click()
    page.get_by_role("link", name="New request for records").click()
    expect(page.locator("h1")).to_have_text("New request for records")

    page.select_option("#id_requester_kind", "attorney")
    page.fill("#id_requester_name", "Dana Brooks")
    page.fill("#id_requester_organization", "Brooks & Hale LLP")
    page.fill("#id_requester_address", "200 Court St, Springfield, IL 62701")
    page.fill("#id_purpose", "Personal injury claim")
    page.select_option("#id_basis", "authorization")
    page.fill("#id_scope_from", f"{office_today() - timedelta(days=365):%Y-%m-%d}")
    for key in ("demographics", "medications", "notes"):
        page.check(f"input[name=sections][value={key}]")
    page.select_option("#id_delivery_method", "mail")
    page.get_by_role("button", name="Log the request").click()

    expect(page.locator(".message").first).to_contain_text("Request logged; due")
    expect(page.locator("#roi-status")).to_have_text("Open")
    expect(page.locator("#checklist li.todo")).to_have_count(3)

    # Nothing goes out before identity and authorisation: the refusal names both.
    page.get_by_role("button", name="Release and log the disclosure").click()
    expect(page.locator("#blockers")).to_contain_text("identity")
    assert Disclosure.objects.filter(patient=patient).count() == 0
    page.snap("refused")

    form = page.locator("#identity-form")
    form.locator("select[name=method]").select_option("bar_number")
    form.locator("input[name=detail]").fill("IL bar 6301234, active")
    form.locator("select[name=passed]").select_option("yes")
    form.get_by_role("button", name="Record check").click()
    expect(page.locator(".message").first).to_contain_text("Identity check recorded.")

    signed = tmp_path / "authorization.pdf"
    signed.write_bytes(pdf_bytes("I authorise the release of my records to Dana Brooks."))
    form = page.locator("#authorization-form")
    form.locator("input[name=file]").set_input_files(str(signed))
    form.locator("input[name=signed_on]").fill(f"{office_today():%Y-%m-%d}")
    form.get_by_role("button", name="File and link").click()
    # An authorisation without an expiry is not valid (164.508(c)(1)(v)): the field says so.
    form = page.locator("#authorization-form")
    expect(form).to_contain_text("valid only with an expiry date")
    form.locator("input[name=file]").set_input_files(str(signed))
    form.locator("input[name=signed_on]").fill(f"{office_today():%Y-%m-%d}")
    form.locator("input[name=expires_on]").fill(f"{office_today() + timedelta(days=180):%Y-%m-%d}")
    form.get_by_role("button", name="File and link").click()
    expect(page.locator(".message").first).to_contain_text("Authorisation filed")

    page.get_by_role("button", name="Prepare the release packet").click()
    expect(page.locator("#roi-status")).to_have_text("Packet prepared")
    expect(page.locator("#checklist li.todo")).to_have_count(0)
    packet_link = page.locator("#checklist").get_by_role("link", name="pages")
    packet = _fetch_pdf(page, packet_link.get_attribute("href"))
    assert "Dana Brooks" in packet  # the cover sheet
    assert "Lisinopril" in packet
    assert "Sulfa drugs" in packet
    assert "Neck pain after a car accident." in packet
    assert "I authorise the release" not in packet  # the request's own papers stay home

    page.get_by_role("button", name="Release and log the disclosure").click()
    expect(page.locator(".message").first).to_contain_text(
        "Released to Dana Brooks, Brooks & Hale LLP; disclosure logged."
    )
    expect(page.locator("#roi-status")).to_have_text("Released")
    expect(page.locator("#disclosure")).to_contain_text("Dana Brooks")
    page.snap("released")

    page.get_by_role("link", name=f"{patient.last_name}, {patient.first_name}").click()
    expect(page.locator("table").nth(1)).to_contain_text("Dana Brooks")
    full = page.get_by_role("link", name="every disclosure recorded").get_attribute("href")
    legal = page.get_by_role("link", name="Accounting of disclosures (PDF)").get_attribute("href")
    assert "Dana Brooks" in _fetch_pdf(page, full)
    assert "Dana Brooks" not in _fetch_pdf(page, legal)

    # The filed authorisation is on the chart summary's Documents panel, linked to the viewer.
    page.get_by_role("navigation", name="Patient record").get_by_role("link", name="Chart").click()
    panel = page.locator("section", has=page.locator("#h-panel-documents"))
    expect(panel).to_contain_text("Authorisation for Dana Brooks")
    panel.get_by_role("link", name=f"{office_today():%m/%d/%Y}").click()
    expect(page.locator("h1")).to_contain_text("Authorisation for Dana Brooks")
    page.snap("document-from-chart")

    roi = RoiRequest.objects.get(patient=patient)
    disclosure = Disclosure.objects.get(patient=patient)
    assert roi.status == "released"
    assert disclosure.roi_request_id == roi.pk
    assert disclosure.pages == roi.packet_pages
    assert not disclosure.late


def test_medical_assistant_routes_a_clinical_question_to_the_clinician(
    page, login, make_user, clinician, provider, patient
):
    provider.user = clinician
    provider.save(update_fields=["user"])
    assistant = make_user(Role.MEDICAL_ASSISTANT, username="ma_lopez")

    login(assistant)
    page.goto(f"/patients/{patient.public_id}/")
    record_nav = page.get_by_role("navigation", name="Patient record")
    record_nav.get_by_role("link", name="Communications log").click()
    form = page.locator("#log-form")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("select[name=direction]").select_option("in")
    form.locator("input[name=party]").fill("The patient")
    form.locator("select[name=topic]").select_option("clinical")
    form.locator("input[name=subject]").fill("Dizzy since the new blood pressure pill")
    form.locator("textarea[name=summary]").fill(
        "Started lisinopril Monday; dizzy when standing up. Asks whether to keep taking it."
    )
    form.locator("select[name=routed_to]").select_option(label=str(provider))
    form.locator("input[name=follow_up]").fill("Call the patient back with the answer")
    form.locator("select[name=follow_up_owner]").select_option(str(assistant.pk))
    form.locator("input[name=follow_up_due]").fill(f"{office_today():%Y-%m-%d}")
    form.get_by_role("button", name="Log it").click()

    expect(page.locator(".message").first).to_contain_text(
        f"Logged: Dizzy since the new blood pressure pill. Sent to {provider}'s inbox."
    )
    entry = page.locator("section.log-entry").first
    expect(entry).to_contain_text("waiting for the clinician")
    expect(entry.locator("textarea[name=answer]")).to_have_count(0)  # assistants do not answer
    page.snap("logged")

    page.context.clear_cookies()
    login(clinician)
    page.goto("/records/inbox/")
    question = page.locator("section.log-entry", has_text="Dizzy since the new blood pressure pill")
    expect(question).to_contain_text("logged by ma_lopez")
    question.locator("textarea[name=answer]").fill(
        "Keep taking it; rise slowly. Check BP at home and call if below 100."
    )
    question.get_by_role("button", name="Record answer").click()
    expect(page.locator(".message").first).to_contain_text("Answer recorded on the chart.")
    expect(page.locator("section.log-entry")).to_have_count(0)

    page.goto(f"/patients/{patient.public_id}/")
    page.get_by_role("navigation", name="Patient record").get_by_role(
        "link", name="Communications log"
    ).click()
    entry = page.locator("section.log-entry").first
    expect(entry).to_contain_text("answered")
    expect(entry).to_contain_text("Keep taking it; rise slowly.")

    logged = Communication.objects.get(patient=patient)
    assert logged.handled_by == assistant
    assert logged.routed_to == provider
    assert logged.answered_by == clinician
    assert logged.follow_up_owner == assistant
