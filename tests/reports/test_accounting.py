"""The accounting export: a month's journal of charges and supply purchases, mapped to the
practice's accounts, each entry and the whole balancing to zero, as CSV and QuickBooks IIF;
a month with visits not yet signed is warned about."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from medoffice.formats.journal import Posting, Transaction, UnbalancedError, render_iif
from medoffice.inventory.models import OrderStatus, PurchaseOrder
from medoffice.inventory.services import order_create, order_receive
from medoffice.reports.accounting import by_account, journal_for, period_bounds
from medoffice.reports.models import AccountMap
from tests.billing.conftest import DOS, line


@pytest.fixture
def march(signed, coded, practice, vendor, location, gloves, flu_vaccine, manager, assistant,
          freeze):  # fmt: skip
    """Two signed visits and one open one in March 2026, and a delivery received in March."""
    signed(lines=[line("99213"), line("36415")])  # 125.00 + 12.50
    signed(lines=[line("99214")], day=DOS + timedelta(days=1))  # 185.00
    coded(day=DOS + timedelta(days=2))  # open: not posted
    order = order_create(practice=practice, vendor=vendor, location=location, by=manager,
                         lines=[(gloves, 10, Decimal("8.00")),
                                (flu_vaccine, 10, Decimal("18.25"))])  # fmt: skip
    PurchaseOrder.objects.filter(pk=order.pk).update(status=OrderStatus.SENT)
    glv, flu = order.lines.order_by("id")
    order_receive(order=order, by=assistant, receipts=[
        {"line": glv, "quantity": 10},
        {"line": flu, "quantity": 4, "lot_number": "L1", "expires_on": date(2026, 12, 1)},
    ])  # fmt: skip
    return practice


def test_the_journal_balances_and_maps_accounts(march):
    AccountMap.objects.create(practice=march, key="revenue", account="4000 Patient Fees",
                              account_type="INC")  # fmt: skip

    journal = journal_for(march, "2026-03")

    assert journal.total_debits == journal.total_credits == Decimal("475.50")
    assert all(t.balance == 0 for t in journal.transactions)
    assert by_account(journal) == {
        "Accounts Receivable": Decimal("322.50"),
        "4000 Patient Fees": Decimal("-322.50"),
        "Medical Supplies Inventory": Decimal("153.00"),
        "Accounts Payable": Decimal("-153.00"),
    }


def test_the_csv_lists_every_posting_and_sums_to_zero(march):
    rows = list(csv.DictReader(io.StringIO(journal_for(march, "2026-03").render("csv").decode())))

    debits = sum(Decimal(r["Debit"] or 0) for r in rows)
    credits = sum(Decimal(r["Credit"] or 0) for r in rows)
    assert debits == credits == Decimal("475.50")
    assert {r["Source"] for r in rows} == {"charges", "supply purchases"}
    first = rows[0]
    assert (first["Date"], first["Account"], first["Debit"]) == (
        "2026-03-02", "Accounts Receivable", "137.50",
    )  # fmt: skip


def test_the_iif_file_is_what_quickbooks_imports(march):
    text = journal_for(march, "2026-03").render("iif").decode()
    lines = text.split("\r\n")

    assert lines[:3] == [
        "!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tDOCNUM\tMEMO",
        "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tDOCNUM\tMEMO",
        "!ENDTRNS",
    ]
    assert lines[3].split("\t")[:6] == ["TRNS", "", "GENERAL JOURNAL", "03/02/2026",
                                        "Accounts Receivable", "137.50"]  # fmt: skip
    transactions, current = [], []
    for row in lines[3:]:
        if row == "ENDTRNS":
            transactions.append(current)
            current = []
        elif row:
            current.append(Decimal(row.split("\t")[5]))
    assert len(transactions) == 3
    assert all(sum(t) == 0 for t in transactions)


def test_a_month_with_unsigned_visits_is_warned_about(march):
    journal = journal_for(march, "2026-03")

    assert journal.warnings[0].startswith("1 day(s) of March 2026 have visits not yet signed")
    assert "03/04" in journal.warnings[0]


def test_an_unbalanced_entry_is_never_written():
    bad = Transaction(1, date(2026, 3, 2), "charges", "X", (
        Posting("AR", "AR", Decimal("10.00"), Decimal("0")),
        Posting("Revenue", "INC", Decimal("0"), Decimal("9.99")),
    ))  # fmt: skip

    with pytest.raises(UnbalancedError, match="off by 0.01"):
        render_iif([bad])


@pytest.mark.parametrize("period", ["2026-13", "March", "2026/03", ""])
def test_a_bad_period_is_refused(period):
    with pytest.raises(ValueError, match="YYYY-MM"):
        period_bounds(period)


def test_payments_refunds_and_deposits_balance_and_an_unclosed_drawer_is_warned_about(
    march, patient, location, make_user, freeze
):
    from medoffice.accounts import services as accounts
    from medoffice.payments import ledger

    desk, manager = make_user("front_desk"), make_user("office_manager")
    freeze(datetime(2026, 3, 10, 10, tzinfo=ZoneInfo("America/Chicago")))
    accounts.desk_payment_take(patient=patient, amount="60", method="cash", location=location,
                               by=desk, apply=False)  # fmt: skip
    request = accounts.refund_request(account=ledger.account_for(patient), amount="45",
                                      method="check", reason="overpaid", by=desk)  # fmt: skip
    accounts.refund_decide(request=request, approve=True, by=manager, reference="CHK 88")

    journal = journal_for(march, "2026-03")

    assert any("desk payments in a drawer nobody closed" in w and "03/10" in w
               for w in journal.warnings)  # fmt: skip
    money = [t for t in journal.transactions if t.source in ("payments", "deposits")]
    assert [(t.source, t.postings[0].account, t.postings[0].debit) for t in money] == [
        ("deposits", "Operating Account", Decimal("15.00")),
        ("payments", "Undeposited Funds", Decimal("15.00")),  # $60 taken less the $45 refund
    ]
    rows = list(csv.DictReader(io.StringIO(journal.render("csv").decode())))
    assert sum(Decimal(r["Debit"] or 0) for r in rows) == sum(
        Decimal(r["Credit"] or 0) for r in rows
    )
    amounts = [Decimal(line.split("\t")[5]) for line in journal.render("iif").decode().split(
        "\r\n") if line.startswith(("TRNS", "SPL"))]  # fmt: skip
    assert sum(amounts) == 0

    accounts.day_close(location=location, user=desk, day=date(2026, 3, 10), by=desk,
                       counted={"cash": "60.00"})  # fmt: skip
    assert not any("drawer" in w for w in journal_for(march, "2026-03").warnings)
