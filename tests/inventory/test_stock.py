"""Stock is what the ledger says: receipts, uses, transfers and adjustments add up; lots
go first-expiring first out; expired lots are refused and quarantined; nothing below zero."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from medoffice.core.models import AuditEvent
from medoffice.inventory import selectors
from medoffice.inventory.errors import ExpiredLotError, InsufficientStockError
from medoffice.inventory.models import Lot, StockMovement
from medoffice.inventory.services import (
    count_post,
    count_start,
    lots_quarantine_expired,
    stock_adjust,
    stock_receive,
    stock_transfer,
    stock_use,
)
from medoffice.worklist.models import Task
from tests.inventory.conftest import TODAY


def test_balance_is_the_sum_of_receipts_uses_and_adjustments(gloves, location, stocked, assistant):
    stocked(gloves, 30)
    stock_use(item=gloves, location=location, quantity=4, by=assistant)
    stock_adjust(item=gloves, location=location, change=-2, reason="damage", by=assistant)

    assert selectors.balance(gloves, location) == 24
    assert list(StockMovement.objects.values_list("kind", "quantity")) == [
        ("receive", 30), ("use", -4), ("adjust", -2),
    ]  # fmt: skip


def test_use_takes_the_first_expiring_lot_first_and_spans_lots(
    flu_vaccine, location, stocked, assistant, patient
):
    stocked(flu_vaccine, 5, lot="LATE", expires=TODAY + timedelta(days=300))
    stocked(flu_vaccine, 3, lot="SOON", expires=TODAY + timedelta(days=20))

    moves = stock_use(item=flu_vaccine, location=location, quantity=4, by=assistant,
                      patient=patient)  # fmt: skip

    assert [(m.lot.number, m.quantity, m.kind) for m in moves] == [
        ("SOON", -3, "administer"), ("LATE", -1, "administer"),
    ]  # fmt: skip
    assert all(m.patient == patient for m in moves)
    assert list(selectors.administered_to(patient).values_list("lot__number", flat=True)) == [
        "SOON", "LATE",
    ]  # fmt: skip


def test_using_more_than_is_on_the_shelf_is_refused_and_nothing_is_written(
    gloves, location, stocked, assistant
):
    stocked(gloves, 3)

    with pytest.raises(InsufficientStockError, match="Only 3 usable"):
        stock_use(item=gloves, location=location, quantity=4, by=assistant)

    assert selectors.balance(gloves, location) == 3
    assert StockMovement.objects.count() == 1


def test_an_adjustment_cannot_make_stock_negative(gloves, location, stocked, assistant):
    stocked(gloves, 2)

    with pytest.raises(InsufficientStockError, match="negative"):
        stock_adjust(item=gloves, location=location, change=-3, reason="count", by=assistant)
    with pytest.raises(ValidationError, match="Say why"):
        stock_adjust(item=gloves, location=location, change=-1, reason="", by=assistant)

    assert selectors.balance(gloves, location) == 2


def test_an_expired_lot_is_refused_and_first_out_skips_it(
    flu_vaccine, location, stocked, assistant, freeze
):
    from django.utils import timezone

    stocked(flu_vaccine, 2, lot="OLD", expires=TODAY + timedelta(days=1))
    stocked(flu_vaccine, 2, lot="NEW", expires=TODAY + timedelta(days=200))
    freeze(timezone.now() + timedelta(days=3))
    old = Lot.objects.get(number="OLD")

    with pytest.raises(ExpiredLotError, match="expired"):
        stock_use(item=flu_vaccine, location=location, quantity=1, by=assistant, lot=old)
    moves = stock_use(item=flu_vaccine, location=location, quantity=2, by=assistant)
    with pytest.raises(InsufficientStockError, match="Only 0 usable"):
        stock_use(item=flu_vaccine, location=location, quantity=1, by=assistant)

    assert [m.lot.number for m in moves] == ["NEW"]


def test_expired_lots_are_quarantined_with_a_task_to_dispose_of_them(
    flu_vaccine, location, stocked, practice
):
    stocked(flu_vaccine, 2, lot="OLD", expires=TODAY + timedelta(days=1))
    stocked(flu_vaccine, 2, lot="NEW", expires=TODAY + timedelta(days=200))

    quarantined = lots_quarantine_expired(practice=practice, today=TODAY + timedelta(days=2))

    assert [lot.number for lot in quarantined] == ["OLD"]
    row = next(r for r in selectors.stock_levels(practice, today=TODAY + timedelta(days=2)))
    assert (row.on_hand, row.usable, row.expired) == (4, 2, 2)
    task = Task.objects.get(kind="expired_stock")
    assert "lot OLD" in task.title
    assert task.assigned_role == "office_manager"


def test_receiving_an_already_expired_lot_or_a_lot_without_expiry_is_refused(
    flu_vaccine, location, assistant
):
    with pytest.raises(ExpiredLotError):
        stock_receive(item=flu_vaccine, location=location, quantity=1, by=assistant,
                      lot_number="X1", expires_on=TODAY - timedelta(days=1))  # fmt: skip
    with pytest.raises(ValidationError, match="tracked by lot"):
        stock_receive(item=flu_vaccine, location=location, quantity=1, by=assistant)

    assert StockMovement.objects.count() == 0
    assert Lot.objects.count() == 0


def test_a_transfer_moves_units_and_keeps_the_lot(flu_vaccine, location, annex, stocked, assistant):
    stocked(flu_vaccine, 5, lot="A1")

    out, into = stock_transfer(item=flu_vaccine, from_location=location, to_location=annex,
                               quantity=2, by=assistant)  # fmt: skip

    assert out.transfer == into.transfer
    assert into.lot.number == "A1"
    assert selectors.balance(flu_vaccine, location) == 3
    assert selectors.balance(flu_vaccine, annex) == 2


def test_the_ledger_refuses_changes_and_deletions(gloves, stocked):
    movement = stocked(gloves, 5)

    for change in (
        lambda: StockMovement.objects.filter(pk=movement.pk).update(quantity=50),
        lambda: StockMovement.objects.filter(pk=movement.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()

    assert StockMovement.objects.get(pk=movement.pk).quantity == 5


def test_every_movement_is_audited_with_the_patient_when_given(
    flu_vaccine, location, stocked, assistant, patient
):
    stocked(flu_vaccine, 2, lot="A1")
    stock_use(item=flu_vaccine, location=location, quantity=1, by=assistant, patient=patient)

    events = AuditEvent.objects.filter(category="inventory").order_by("id")
    assert [e.detail.split(":")[0] for e in events] == [
        "receive 2 FLU-Q lot A1", "administer -1 FLU-Q lot A1",
    ]  # fmt: skip
    assert events.last().patient_id == str(patient.public_id)


def test_a_cycle_count_adjusts_the_variances(gloves, flu_vaccine, location, stocked, assistant):
    stocked(gloves, 10)
    stocked(flu_vaccine, 4, lot="A1")
    count = count_start(location=location, by=assistant)
    lines = {line.item.sku: line for line in count.lines.all()}
    assert {sku: line.expected for sku, line in lines.items()} == {"GLV-M": 10, "FLU-Q": 4}

    moves = count_post(count=count, counted={lines["GLV-M"].id: 8, lines["FLU-Q"].id: 4},
                       by=assistant)  # fmt: skip

    assert [(m.item.sku, m.quantity, m.reason) for m in moves] == [("GLV-M", -2, "count")]
    assert selectors.balance(gloves, location) == 8
    with pytest.raises(ValidationError, match="already posted"):
        count_post(count=count, counted={}, by=assistant)
