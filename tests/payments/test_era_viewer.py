"""The ERA viewer as a biller works a payer's file: the payments it holds, its claims a page
at a time, narrowed to the denied ones, those in suspense or those the patient owes on, a
claim looked for, and only the claims of patients a location-limited user may reach."""

import re
from datetime import date

import pytest
from django.urls import reverse

from medoffice.core.roles import Role
from medoffice.patients import services as patient_services
from medoffice.payments import viewer
from medoffice.payments.era import era_import
from tests.payments.conftest import claim_payment, era_bytes, line, service


def _claims_listed(page) -> list[str]:
    """The claim numbers of the page's claim table, in order."""
    table = page.content.decode().split('id="era-claims"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="#claim-([^"]+)"', table)


@pytest.fixture
def remittance(sent, practice, make_patient, payer):
    """One payment of three claims: one denied, one with coinsurance for the patient (another
    patient's), one we never sent (into suspense)."""
    denied_claim = sent([line("99213")])
    olga = make_patient(first_name="Olga", last_name="Owes")
    patient_services.coverage_add(
        patient=olga,
        fields={"payer": payer, "member_id": "W87654321", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1)},
    )  # fmt: skip
    owed_claim = sent([line("99214")], patient_=olga, day=date(2026, 3, 3))
    (denied_line,) = denied_claim.lines.all()
    (owed_line,) = owed_claim.lines.all()
    payments = [
        claim_payment(
            denied_claim, [service(denied_line, "0", ("CO", "50", denied_line.amount))],
            status="4", number="DENY1",
        ),
        claim_payment(
            owed_claim,
            [service(owed_line, "80.00", ("CO", "45", owed_line.amount - 100),
                     ("PR", "2", "20.00"))],
            number="OWES2",
        ),
        claim_payment(None, [service(owed_line, "10.00", ("CO", "45", owed_line.amount - 10))],
                      number="LOST3"),
    ]  # fmt: skip
    result = era_import(era_bytes(payments, trace="EFT777"), practice=practice, name="three.835")
    assert result.status == "posted"
    return result.era_file, denied_claim, owed_claim


def _page(client, era_file, **query):
    return client.get(reverse("payments:era-detail", args=[era_file.public_id]), query)


def test_the_claims_can_be_narrowed_to_what_needs_work(remittance, biller, client_for):
    era_file, denied_claim, owed_claim = remittance
    client = client_for(biller)
    everything = _page(client, era_file)
    assert everything.status_code == 200
    assert _claims_listed(everything) == [
        denied_claim.patient_control_number,
        owed_claim.patient_control_number,
        "UNKNOWN0001",
    ]
    text = everything.content.decode()
    assert "EFT777" in text
    assert "Denied (1)" in text
    assert "In suspense (1)" in text
    assert "Patient owes (1)" in text
    assert _claims_listed(_page(client, era_file, show="denied")) == [
        denied_claim.patient_control_number
    ]
    assert _claims_listed(_page(client, era_file, show="suspense")) == ["UNKNOWN0001"]
    assert _claims_listed(_page(client, era_file, show="patient")) == [
        owed_claim.patient_control_number
    ]
    # by the payer's claim number, and by the patient's name as the payer wrote it
    assert _claims_listed(_page(client, era_file, q="owes2")) == [owed_claim.patient_control_number]
    assert len(_claims_listed(_page(client, era_file, q="doe"))) == 3
    nothing = _page(client, era_file, q="nobody")
    assert _claims_listed(nothing) == []
    assert "No claim of this file is found for" in nothing.content.decode()
    # an unknown choice is all claims, not an error
    assert len(_claims_listed(_page(client, era_file, show="bogus"))) == 3


def test_a_long_file_is_read_a_page_at_a_time(remittance, biller, client_for, monkeypatch):
    era_file, denied_claim, owed_claim = remittance
    monkeypatch.setattr(viewer, "CLAIMS_PER_PAGE", 2)
    client = client_for(biller)
    first = _page(client, era_file)
    assert len(_claims_listed(first)) == 2
    assert "Page 1 of 2" in first.content.decode()
    second = _page(client, era_file, page=2)
    assert _claims_listed(second) == ["UNKNOWN0001"]
    # only this page's claims are written out in full
    assert f'id="claim-{denied_claim.patient_control_number}"' not in second.content.decode()
    assert 'id="claim-UNKNOWN0001"' in second.content.decode()


def test_a_user_limited_to_other_locations_sees_none_of_their_claims(
    remittance, make_user, client_for, practice, location
):
    era_file, denied_claim, owed_claim = remittance
    north = practice.locations.create(name="North", time_zone="America/Chicago")
    limited = make_user(Role.BILLER)
    limited.staff.limited_to_locations = True
    limited.staff.save(update_fields=["limited_to_locations"])
    limited.staff.locations.set([north])
    page = _page(client_for(limited), era_file)
    text = page.content.decode()
    assert page.status_code == 200
    assert _claims_listed(page) == []
    assert "3 claims of patients outside your locations are not shown" in text
    for name in ("DOE", "Olga", "Owes", denied_claim.patient_control_number):
        assert name not in text
    assert "EFT777" in text  # the payment itself is the practice's
    limited.staff.locations.set([location])  # where both patients were seen
    here = _page(client_for(limited), era_file)
    assert _claims_listed(here) == [
        denied_claim.patient_control_number,
        owed_claim.patient_control_number,
    ]  # the unmatched claim names no patient of ours: only the whole practice sees it


def test_the_list_names_each_files_payer_and_trace(remittance, biller, client_for):
    page = client_for(biller).get(reverse("payments:era-list"))
    text = page.content.decode()
    assert "EFT777" in text
    assert "AETNA" in text
    assert "03/20/2026" in text
