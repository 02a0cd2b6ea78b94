"""What is billed is what left the shelf: signing an encounter with a drug or supply line takes
the item off the visit location's shelf (lot recorded against the patient); a correction
that drops the line puts it back; short stock becomes a task, never a refused signature."""

from datetime import timedelta

import pytest

from medoffice.billing import services as billing
from medoffice.inventory import selectors
from medoffice.inventory.models import StockMovement
from medoffice.worklist.models import Task
from tests.billing.conftest import line
from tests.inventory.conftest import TODAY


@pytest.fixture
def b12_on_shelf(b12, stocked):
    stocked(b12, 3, lot="B12-SOON", expires=TODAY + timedelta(days=400))
    stocked(b12, 5, lot="B12-LATE", expires=TODAY + timedelta(days=700))
    return b12


def test_signing_takes_the_billed_drug_off_the_shelf_against_the_patient(
    b12_on_shelf, signed, location, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        encounter = signed(lines=[line("99213"), line("J3420", pointers=(1,))])

    (move,) = StockMovement.objects.filter(encounter=encounter)
    assert (move.kind, move.quantity, move.lot.number) == ("administer", -1, "B12-SOON")
    assert move.patient == patient
    assert selectors.balance(b12_on_shelf, location) == 7


def test_a_correction_that_drops_the_line_puts_the_vial_back(
    b12_on_shelf, signed, location, clinician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        encounter = signed(lines=[line("99213"), line("J3420", units=2, pointers=(1,))])
    assert selectors.balance(b12_on_shelf, location) == 6

    with django_capture_on_commit_callbacks(execute=True):
        billing.encounter_amend(encounter=encounter, amended_by=clinician,
                                reason="Injection not given", diagnoses=["E11.9", "I10"],
                                lines=[line("99213")])  # fmt: skip

    assert selectors.balance(b12_on_shelf, location) == 8
    kinds = list(StockMovement.objects.filter(encounter=encounter).values_list("kind", "quantity"))
    assert kinds == [("administer", -2), ("put_back", 2)]


def test_signing_twice_announced_does_not_take_twice(
    b12_on_shelf, signed, location, django_capture_on_commit_callbacks
):
    from medoffice.inventory.services import encounter_stock_sync

    with django_capture_on_commit_callbacks(execute=True):
        encounter = signed(lines=[line("99213"), line("J3420", pointers=(1,))])
    encounter_stock_sync(encounter=encounter)

    assert selectors.balance(b12_on_shelf, location) == 7


def test_short_stock_does_not_stop_the_signature_and_asks_the_office_manager(
    b12, signed, location, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        encounter = signed(lines=[line("99213"), line("J3420", pointers=(1,))])

    assert encounter.status == "signed"
    assert StockMovement.objects.count() == 0
    task = Task.objects.get(kind="stock_short")
    assert "Cyanocobalamin" in task.title
    assert task.assigned_role == "office_manager"
