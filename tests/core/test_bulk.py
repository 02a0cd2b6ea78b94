"""core/bulk.py writes what the ORM would: the same values read back, defaults per row,
ids in insertion order; on SQLite here, on PostgreSQL under scripts/with-postgres.sh."""

import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from medoffice.accounts.models import DayClose
from medoffice.core import bulk
from medoffice.payments import summaries
from medoffice.payments.models import EntryKind, LedgerDay, LedgerEntry, Party, SourceKind

AT = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)


def _entry(practice, **given) -> dict:
    return {
        "practice_id": practice.pk, "posting": uuid.uuid4(), "kind": EntryKind.ADJUSTMENT,
        "amount": Decimal("12.34"), "party": Party.PRACTICE, "source_kind": SourceKind.MANUAL,
        "effective_on": date(2026, 3, 8), "posted_at": AT, **given,
    }  # fmt: skip


def test_insert_rows_writes_dicts_as_the_orm_reads_them(practice, patient):
    rows = [_entry(practice, amount=Decimal(f"{n}.05"), note=f"row {n}") for n in range(7)]
    rows[3]["patient_id"] = patient.pk  # rows may give different columns
    rows[5]["remarks"] = "N130 M15"

    assert bulk.insert_rows(LedgerEntry, rows) == 7

    written = list(LedgerEntry.objects.order_by("id"))
    assert [e.amount for e in written] == [Decimal(f"{n}.05") for n in range(7)]
    assert [e.note for e in written] == [f"row {n}" for n in range(7)]
    assert [e.posting for e in written] == [r["posting"] for r in rows]
    assert all(e.effective_on == date(2026, 3, 8) and e.posted_at == AT for e in written)
    assert [e.patient_id for e in written] == [None, None, None, patient.pk, None, None, None]
    # Left out: "" for text, None for a nullable key, a fresh UUID per row for public_id.
    assert [e.remarks for e in written] == ["", "", "", "", "", "N130 M15", ""]
    assert len({e.public_id for e in written}) == 7


def test_insert_rows_of_nothing_writes_nothing(db):
    assert bulk.insert_rows(LedgerEntry, []) == 0
    assert bulk.insert_rows(LedgerEntry, iter(())) == 0


def test_insert_rows_refuses_unknown_and_missing_columns(practice):
    with pytest.raises(ValueError, match="no column"), transaction.atomic():
        bulk.insert_rows(LedgerEntry, [_entry(practice, colour="red")])
    row = _entry(practice)
    del row["posted_at"]
    with pytest.raises(ValueError, match="posted_at needs a value"), transaction.atomic():
        bulk.insert_rows(LedgerEntry, [_entry(practice), row])
    assert not LedgerEntry.objects.exists()


def test_insert_sets_primary_keys_in_order_when_asked(practice):
    entries = [LedgerEntry(**_entry(practice, note=f"entry {n}")) for n in range(5)]

    bulk.insert(entries, returning=True)

    assert [e.pk for e in entries] == list(
        LedgerEntry.objects.order_by("id").values_list("id", flat=True)
    )
    assert [LedgerEntry.objects.get(pk=e.pk).note for e in entries] == [
        f"entry {n}" for n in range(5)
    ]
    assert not entries[0]._state.adding
    # The ids are real: a reversal can name the entry it reverses.
    reversal = LedgerEntry(**_entry(practice, kind=EntryKind.REVERSAL, reverses_id=entries[2].pk))
    bulk.insert([reversal])
    assert LedgerEntry.objects.get(kind=EntryKind.REVERSAL).reverses_id == entries[2].pk


def test_insert_writes_json_and_instances_defaults(location, biller):
    closes = [
        DayClose(
            location=location,
            user=biller,
            day=date(2026, 3, d),
            posted={"cash": "10.00"},
            counted={"cash": "9.50"},
            payment_count=d,
            closed_at=AT,
        )  # fmt: skip
        for d in (2, 3)
    ]
    closes[1].differences = [{"method": "cash", "difference": "-0.50"}]

    assert bulk.insert(closes) == closes

    written = list(DayClose.objects.order_by("day"))
    assert [c.posted for c in written] == [{"cash": "10.00"}, {"cash": "10.00"}]
    assert [c.differences for c in written] == [[], [{"method": "cash", "difference": "-0.50"}]]
    assert [c.public_id for c in written] == [c.public_id for c in closes]


def test_insert_rows_writes_json_lists_and_ids_by_reads_them_back(location, biller):
    rows = [
        {
            "location_id": location.pk,
            "user_id": biller.pk,
            "day": date(2026, 4, d),
            "posted": {},
            "counted": {"card": "1.00"},
            "differences": [d, "x"],
            "payment_count": 0,
            "closed_at": AT,
        }  # fmt: skip
        for d in range(1, 4)
    ]
    bulk.insert_rows(DayClose, rows)

    ids = bulk.ids_by(DayClose, "day", [date(2026, 4, d) for d in range(1, 4)])
    assert sorted(ids) == [date(2026, 4, d) for d in range(1, 4)]
    assert DayClose.objects.get(pk=ids[date(2026, 4, 2)]).differences == [2, "x"]


def test_new_ids_are_time_ordered_uuids_and_made_per_row(practice):
    # Version 7: a new id sorts after an older one, so it lands on its index's last page.
    earlier = bulk.new_uuid()
    time.sleep(0.002)
    later = bulk.new_uuid()
    assert (earlier.version, later.version) == (7, 7)
    assert earlier.hex < later.hex

    rows = bulk.Rows(LedgerEntry)
    template = rows.template(_entry(practice, note="from a template"))
    made = [rows.fresh(template) for _ in range(3)]
    made[1][rows.index["amount"]] = Decimal("-1.50")
    assert rows.write(made) == 3

    written = list(LedgerEntry.objects.order_by("id"))
    assert [e.amount for e in written] == [Decimal("12.34"), Decimal("-1.50"), Decimal("12.34")]
    assert {e.note for e in written} == {"from a template"}
    assert len({e.public_id for e in written}) == 3  # a new public id per row
    assert all(e.public_id.version == 7 for e in written)
    assert len({e.posting for e in written}) == 1  # what the template gave stays


def test_rows_with_per_row_columns_write_what_the_plain_rows_write(practice, patient):
    """`Rows(per_row=...)` converts a template once and each row's named columns only: the
    same entries read back as from `Rows` without it; an unknown column is refused."""
    with pytest.raises(ValueError, match="no column"):
        bulk.Rows(LedgerEntry, per_row=("amount", "colour"))
    written = {}
    for per_row in (None, ("amount", "patient_id")):
        rows = bulk.Rows(LedgerEntry, per_row=per_row)
        template = rows.template(_entry(practice, note="line", effective_on=date(2026, 3, 9)))
        made = [rows.fresh(template) for _ in range(3)]
        made[0][rows.index["amount"]] = Decimal("-1.50")
        made[2][rows.index["patient_id"]] = patient.pk
        assert rows.write(made) == 3
        written[per_row] = [
            (e.amount, e.patient_id, e.note, e.effective_on, e.posted_at, e.posting.version)
            for e in LedgerEntry.objects.order_by("-id")[:3][::-1]
        ]
    assert written[None] == written[("amount", "patient_id")]
    assert written[None][0][:2] == (Decimal("-1.50"), None)
    assert written[None][2][:2] == (Decimal("12.34"), patient.pk)
    assert LedgerEntry.objects.values("public_id").distinct().count() == 6


def test_many_rows_go_in_staged_as_the_orm_reads_them_in_order(practice, patient):
    """From bulk.STAGED_FROM rows SQLite takes them through a staging table: the same values
    (decimals, dates, times, NULLs, text that looks like a number), in order, the summaries'
    trigger run for each; a failing row fails the call and leaves nothing staged behind."""
    count = bulk.STAGED_FROM + 50
    rows = [
        _entry(practice, amount=Decimal(f"{n}.10"), note=f"{n:05d}", remarks="0012")
        for n in range(count)
    ]
    rows[7]["patient_id"] = patient.pk
    rows[9]["amount"] = Decimal("-0.01")

    assert bulk.insert_rows(LedgerEntry, rows) == count

    written = list(LedgerEntry.objects.order_by("id"))
    assert [e.note for e in written] == [f"{n:05d}" for n in range(count)]
    assert [e.posting for e in written] == [r["posting"] for r in rows]
    assert written[9].amount == Decimal("-0.01")
    assert written[10].amount == Decimal("10.10")
    assert {e.remarks for e in written} == {"0012"}  # text stays text
    assert [e.patient_id for e in written if e.patient_id] == [patient.pk]
    assert all(e.effective_on == date(2026, 3, 8) and e.posted_at == AT for e in written)
    # The summaries' trigger ran per row.
    cents = LedgerDay.objects.filter(practice_id=practice.pk).aggregate(c=Sum("amount_cents"))["c"]
    assert cents == sum(int(r["amount"] * 100) for r in rows)
    assert summaries.problems(practice.pk) == []

    clash = [_entry(practice) for _ in range(count)]
    clash[-1]["public_id"] = written[0].public_id
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(LedgerEntry, clash)
    assert LedgerEntry.objects.count() == count
    assert bulk.insert_rows(LedgerEntry, clash[:-1]) == count - 1
    assert LedgerEntry.objects.count() == 2 * count - 1


def test_many_rows_returning_give_each_row_its_own_key(practice):
    """insert_rows_returning of more than bulk.STAGED_FROM rows (staged on SQLite): each key
    is the key of the row at the same position, across more than one BATCH."""
    count = bulk.BATCH + bulk.STAGED_FROM
    rows = [_entry(practice, note=f"{n:05d}") for n in range(count)]

    keys = bulk.insert_rows_returning(LedgerEntry, rows)

    assert len(keys) == count
    notes = dict(LedgerEntry.objects.values_list("id", "note"))
    assert [notes[key] for key in keys] == [f"{n:05d}" for n in range(count)]
