"""An encounter's life: saved superbill, signing (prices, charges, lock), corrections as new
versions with reversed charges, and refusals that save nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from medoffice.billing import services
from medoffice.billing.errors import EncounterStateError, FeeScheduleMissingError, PriceMissingError
from medoffice.billing.models import Charge, EncounterLine, EncounterVersion
from medoffice.coding.models import FeeSchedule, FeeScheduleEntry
from tests.billing.conftest import DOS, line


def _state(encounter):
    encounter.refresh_from_db()
    return (
        encounter.status, encounter.version,
        list(encounter.diagnoses.values_list("order", "code")),
        list(encounter.lines.values_list("number", "code", "units", "retired_in_version")),
        Charge.objects.filter(encounter=encounter).count(),
    )  # fmt: skip


def test_opening_takes_the_primary_coverage_active_on_the_day(open_encounter, coverage):
    encounter = open_encounter()

    assert encounter.status == "open"
    assert encounter.coverage == coverage
    assert encounter.place_of_service == "11"
    assert encounter.practice_id == encounter.location.practice_id


def test_saving_orders_diagnoses_and_points_lines_at_the_first_four_by_default(coded):
    encounter = coded(
        diagnoses=["e11.9", "I10", "E78.5", "J06.9", "Z00.00"],
        lines=[line("99214"), line("36415", pointers=["B"]), line("93000", pointers=["I10", 1])],
    )

    assert [(d.letter, d.dotted) for d in encounter.diagnoses.all()] == [
        ("A", "E11.9"), ("B", "I10"), ("C", "E78.5"), ("D", "J06.9"), ("E", "Z00.00"),
    ]  # fmt: skip
    lines = list(encounter.lines.order_by("number"))
    assert [ln.pointers for ln in lines] == [(1, 2, 3, 4), (2,), (2, 1)]
    assert lines[0].description == "Placeholder descriptor 99214"
    assert encounter.diagnoses.get(code="E119").description == (
        "Type 2 diabetes mellitus without complications"
    )


@pytest.mark.parametrize(
    ("diagnoses", "lines", "named"),
    [
        (["E11.9"], [line("99213", units=0)], "units must be 1 or more"),
        (["E11.9"], [line("9921")], "'9921' is not a CPT or HCPCS code"),
        (["E11.9"], [line("99999")], "Not a CPT or HCPCS code the practice has loaded: 99999"),
        (["EE11"], [line("99213")], "'EE11' is not an ICD-10-CM code"),
        (["E11.99"], [line("99213")], "Not in any loaded ICD-10-CM release: E11.99"),
        (["E11.9"], [line("99213", pointers=["B"])], "points to diagnosis B, which is not on"),
        (["E11.9"], [line("99213", pointers=["I10"])], "points to diagnosis I10, which is not"),
        (["E11.9"], [line("99213", modifiers=["9"])], "modifier 9 is not two letters"),
        (["E11.9", "E11.9"], [line("99213")], "E11.9 is listed twice"),
        ([f"E66.81{n}" for n in range(13)], [line("99213")], "at most 12 diagnoses"),
        (["E11.9"], [line("99213", modifiers=["25", "59", "95", "GT", "XS"])], "at most 4 mod"),
    ],
    ids=["zero-units", "malformed-cpt", "unknown-cpt", "malformed-icd", "unknown-icd",
         "pointer-letter", "pointer-code", "bad-modifier", "twice", "13-dx", "5-modifiers"],
)  # fmt: skip
def test_bad_superbills_are_refused_with_the_code_named_and_nothing_saved(
    coded, diagnoses, lines, named
):
    encounter = coded()
    before = _state(encounter)

    with pytest.raises(ValidationError) as refused:
        services.superbill_save(encounter=encounter, diagnoses=diagnoses, lines=lines)

    assert named in " ".join(refused.value.messages)
    assert _state(encounter) == before


def test_a_pointer_to_a_removed_diagnosis_is_refused(coded):
    encounter = coded(diagnoses=["E11.9", "I10"], lines=[line("99213", pointers=["A", "B"])])

    with pytest.raises(ValidationError) as refused:
        services.superbill_save(
            encounter=encounter, diagnoses=["E11.9"], lines=[line("99213", pointers=[1, 2])]
        )

    assert "points to diagnosis 2, which is not on the visit (it has 1 diagnosis)" in str(
        refused.value
    )
    assert encounter.diagnoses.count() == 2


def test_signing_prices_each_line_and_makes_one_charge_per_line(signed, clinician, coverage):
    encounter = signed(diagnoses=["E11.9", "I10"], lines=[line("99214"), line("36415", units=2)])

    assert encounter.status == "signed"
    assert encounter.signed_by == clinician
    lines = list(encounter.lines.order_by("number"))
    assert [(ln.unit_price, ln.charge_amount) for ln in lines] == [
        (Decimal("185.00"), Decimal("185.00")), (Decimal("12.50"), Decimal("25.00")),
    ]  # fmt: skip
    charges = list(Charge.objects.filter(encounter=encounter).order_by("id"))
    assert [(c.code, c.units, c.amount, c.line_id) for c in charges] == [
        ("99214", 1, Decimal("185.00"), lines[0].pk), ("36415", 2, Decimal("25.00"), lines[1].pk),
    ]  # fmt: skip
    assert {(c.provider_id, c.coverage_id, c.date_of_service) for c in charges} == {
        (encounter.provider_id, coverage.pk, DOS)
    }
    version = EncounterVersion.objects.get(encounter=encounter)
    assert version.version == 1
    assert version.content["lines"][1]["charge"] == "25.00"


def test_a_price_for_the_modifier_is_used_before_the_plain_price(coded, fee_schedule, clinician):
    FeeScheduleEntry.objects.create(
        schedule=fee_schedule, code="99213", modifier="95", amount=Decimal("110.00")
    )
    encounter = coded(lines=[line("99213", modifiers=["95"])])

    services.encounter_sign(encounter=encounter, signed_by=clinician)

    assert Charge.objects.get(encounter=encounter).amount == Decimal("110.00")


def test_signing_refuses_a_code_without_a_price_naming_it_and_saves_nothing(
    coded, fee_schedule, clinician
):
    FeeScheduleEntry.objects.filter(schedule=fee_schedule, code__in=["93000", "36415"]).delete()
    encounter = coded(lines=[line("99213"), line("93000"), line("36415")])
    before = _state(encounter)

    with pytest.raises(PriceMissingError) as refused:
        services.encounter_sign(encounter=encounter, signed_by=clinician)

    assert refused.value.codes == ["93000", "36415"]
    assert "no price for 93000, 36415" in str(refused.value)
    assert _state(encounter) == before
    assert not encounter.lines.filter(unit_price__isnull=False).exists()


def test_signing_refuses_a_date_no_fee_schedule_covers(coded, fee_schedule, clinician):
    FeeSchedule.objects.filter(pk=fee_schedule.pk).update(effective_until=date(2025, 12, 31))
    encounter = coded()

    with pytest.raises(FeeScheduleMissingError, match="No practice fee schedule covers 03/02/2026"):
        services.encounter_sign(encounter=encounter, signed_by=clinician)

    assert _state(encounter)[0] == "open"


def test_the_newest_schedule_in_force_prices_the_charges(coded, practice, clinician):
    newer = FeeSchedule.objects.create(
        practice=practice, name="Charges from March", effective_from=date(2026, 3, 1)
    )
    FeeScheduleEntry.objects.create(schedule=newer, code="99213", amount=Decimal("130.00"))
    encounter = coded()

    services.encounter_sign(encounter=encounter, signed_by=clinician)

    assert Charge.objects.get(encounter=encounter).amount == Decimal("130.00")


def test_signing_an_empty_superbill_is_refused(open_encounter, clinician):
    encounter = open_encounter()

    with pytest.raises(ValidationError, match="at least one service"):
        services.encounter_sign(encounter=encounter, signed_by=clinician)


def test_a_signed_encounter_is_locked(signed, clinician):
    encounter = signed()

    with pytest.raises(EncounterStateError, match="signed"):
        services.superbill_save(encounter=encounter, diagnoses=["I10"], lines=[line("99214")])
    with pytest.raises(EncounterStateError, match="already signed"):
        services.encounter_sign(encounter=encounter, signed_by=clinician)


def test_correcting_services_retires_lines_reverses_charges_and_keeps_the_signed_version(
    signed, make_user
):
    coder = make_user("coder")
    encounter = signed(diagnoses=["E11.9"], lines=[line("99214")])

    services.encounter_amend(
        encounter=encounter, amended_by=coder, reason="Documentation supports 99213",
        diagnoses=["E11.9", "I10"], lines=[line("99213"), line("36415")],
    )  # fmt: skip

    encounter.refresh_from_db()
    assert (encounter.status, encounter.version) == ("amended", 2)
    retired = EncounterLine.objects.get(encounter=encounter, code="99214")
    assert retired.retired_in_version == 2
    current = list(encounter.lines.filter(retired_in_version__isnull=True).order_by("number"))
    assert [(ln.code, ln.charge_amount, ln.version) for ln in current] == [
        ("99213", Decimal("125.00"), 2), ("36415", Decimal("12.50"), 2),
    ]  # fmt: skip
    charges = list(Charge.objects.filter(encounter=encounter).order_by("id"))
    assert [(c.code, c.amount, c.encounter_version) for c in charges] == [
        ("99214", Decimal("185.00"), 1), ("99214", Decimal("-185.00"), 2),
        ("99213", Decimal("125.00"), 2), ("36415", Decimal("12.50"), 2),
    ]  # fmt: skip
    assert charges[1].reverses == charges[0]
    assert sum(c.amount for c in charges) == Decimal("137.50")
    versions = list(EncounterVersion.objects.filter(encounter=encounter).order_by("version"))
    assert [(v.version, v.reason) for v in versions] == [
        (1, "Signed"), (2, "Documentation supports 99213"),
    ]  # fmt: skip
    assert versions[0].content["lines"][0]["code"] == "99214"
    assert versions[1].made_by == coder


def test_correcting_diagnoses_only_keeps_lines_and_charges(signed, make_user):
    encounter = signed(diagnoses=["E11.9"], lines=[line("99213")])
    charge = Charge.objects.get(encounter=encounter)

    services.encounter_amend(
        encounter=encounter, amended_by=make_user("coder"), reason="Add hypertension",
        diagnoses=["E11.9", "I10"], lines=[line("99213", pointers=["A", "B"])],
    )  # fmt: skip

    assert list(Charge.objects.filter(encounter=encounter)) == [charge]
    kept = encounter.lines.get()
    assert (kept.retired_in_version, kept.pointers) == (None, (1, 2))


def test_a_correction_needs_a_reason_and_a_change(signed, make_user):
    encounter = signed(diagnoses=["E11.9"], lines=[line("99213")])
    coder = make_user("coder")

    with pytest.raises(ValidationError, match="Say why"):
        services.encounter_amend(
            encounter=encounter, amended_by=coder, reason=" ", diagnoses=["E11.9"],
            lines=[line("99213")],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="Nothing was changed"):
        services.encounter_amend(
            encounter=encounter, amended_by=coder, reason="recheck", diagnoses=["E11.9"],
            lines=[line("99213")],
        )  # fmt: skip
    assert _state(encounter)[:2] == ("signed", 1)


def test_a_correction_with_an_unpriced_code_is_refused_whole(signed, make_user):
    encounter = signed(diagnoses=["E11.9"], lines=[line("99213")])
    FeeScheduleEntry.objects.filter(code="93000").delete()
    before = _state(encounter)

    with pytest.raises(PriceMissingError, match="93000"):
        services.encounter_amend(
            encounter=encounter, amended_by=make_user("coder"), reason="ECG done",
            diagnoses=["E11.9", "I10"], lines=[line("99213"), line("93000")],
        )  # fmt: skip

    assert _state(encounter) == before


def test_only_a_signed_encounter_is_corrected(coded, make_user):
    with pytest.raises(EncounterStateError):
        services.encounter_amend(
            encounter=coded(), amended_by=make_user("coder"), reason="x",
            diagnoses=["I10"], lines=[line("99213")],
        )  # fmt: skip


def test_the_database_refuses_to_change_a_charge(signed):
    encounter = signed()
    charge = Charge.objects.get(encounter=encounter)

    with pytest.raises(DatabaseError), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(amount=Decimal("1.00"))

    assert Charge.objects.get(pk=charge.pk).amount == Decimal("125.00")
