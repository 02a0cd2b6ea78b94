"""The office manager's billing set-up: payer fee schedules (expected allowed amounts),
superbill templates chosen by provider and specialty, and the Configuration screens."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from medoffice.billing.models import SuperbillTemplate
from medoffice.billing.selectors import (
    allowed_schedule_for,
    charge_schedule_for,
    current_lines,
    expected_allowed,
    superbill_template_for,
)
from medoffice.coding.models import FeeSchedule, FeeScheduleEntry
from medoffice.core.roles import Role
from tests.billing.conftest import DOS, line


@pytest.fixture
def aetna_contract(practice, payer):
    schedule = FeeSchedule.objects.create(
        practice=practice, payer=payer, name="Aetna 2026", effective_from=date(2026, 1, 1),
        effective_until=date(2026, 12, 31),
    )  # fmt: skip
    FeeScheduleEntry.objects.bulk_create([
        FeeScheduleEntry(schedule=schedule, code="99213", amount=Decimal("92.18")),
        FeeScheduleEntry(schedule=schedule, code="99213", modifier="95", amount=Decimal("88.00")),
        FeeScheduleEntry(schedule=schedule, code="36415", amount=Decimal("3.00")),
    ])  # fmt: skip
    return schedule


def test_the_payers_schedule_in_force_gives_the_expected_allowed_amount(
    signed, aetna_contract, practice, payer, fee_schedule
):
    encounter = signed(lines=[line("99213", modifiers=["95"]), line("36415", units=2)])

    assert allowed_schedule_for(practice_id=practice.pk, payer_id=payer.pk, day=DOS) == (
        aetna_contract
    )
    assert allowed_schedule_for(practice_id=practice.pk, payer_id=payer.pk,
                                day=date(2025, 12, 31)) is None  # fmt: skip
    assert charge_schedule_for(practice_id=practice.pk, day=DOS) == fee_schedule
    assert expected_allowed(encounter, current_lines(encounter)) == Decimal("94.00")


def test_no_expected_amount_when_the_contract_does_not_price_a_line(signed, aetna_contract):
    encounter = signed(lines=[line("99213"), line("93000")])

    assert expected_allowed(encounter, current_lines(encounter)) is None


def test_the_page_shows_charged_and_expected_to_the_roles_that_see_charges(
    signed, aetna_contract, make_user, client_for
):
    encounter = signed(lines=[line("99213")])
    url = reverse("billing:encounter-detail", args=[encounter.public_id])

    coder_page = client_for(make_user(Role.CODER)).get(url).content.decode()
    clinician_page = client_for(make_user(Role.CLINICIAN)).get(url).content.decode()

    assert "Charged $125.00 · Aetna is expected to allow $92.18" in coder_page
    assert "expected to allow" not in clinician_page


def test_a_template_is_chosen_by_provider_then_specialty_then_the_practices_general(
    practice, provider, superbill_template
):
    general = SuperbillTemplate.objects.create(practice=practice, name="General")
    own = SuperbillTemplate.objects.create(practice=practice, name="Dr Nguyen", provider=provider)

    assert superbill_template_for(practice_id=practice.pk, provider=provider) == own
    own.is_active = False
    own.save()
    assert superbill_template_for(practice_id=practice.pk, provider=provider) == (
        superbill_template
    )
    superbill_template.delete()
    assert superbill_template_for(practice_id=practice.pk, provider=provider) == general


@pytest.mark.parametrize(
    "model",
    ["coding/feeschedule", "billing/superbilltemplate", "billing/payerrules",
     "billing/nccitable"],
)  # fmt: skip
def test_the_office_manager_reaches_the_billing_set_up_screens(model, make_user, client_for):
    manager = client_for(make_user(Role.OFFICE_MANAGER))

    assert manager.get(f"/admin/{model}/").status_code == 200
    assert manager.get(f"/admin/{model}/add/").status_code == (
        403 if model == "billing/nccitable" else 200
    )


def test_a_fee_schedule_price_is_saved_through_the_configuration_screen(
    practice, make_user, client_for
):
    manager = client_for(make_user(Role.OFFICE_MANAGER))
    form = {
        "practice": practice.pk, "name": "Charges 2027", "effective_from": "2027-01-01",
        "entries-TOTAL_FORMS": "2", "entries-INITIAL_FORMS": "0",
        "entries-0-code": "99213", "entries-0-modifier": "", "entries-0-amount": "130.00",
        "entries-1-code": "9921", "entries-1-modifier": "", "entries-1-amount": "1.00",
    }  # fmt: skip

    refused = manager.post("/admin/coding/feeschedule/add/", form)
    form["entries-1-code"] = "99214"
    saved = manager.post("/admin/coding/feeschedule/add/", form)

    assert refused.status_code == 200
    assert "A CPT or HCPCS code: five characters" in refused.content.decode()
    assert saved.status_code == 302
    schedule = FeeSchedule.objects.get(name="Charges 2027")
    assert sorted(schedule.entries.values_list("code", "amount")) == [
        ("99213", Decimal("130.00")), ("99214", Decimal("1.00")),
    ]  # fmt: skip
