"""The pure parts of patient accounts: plan schedules, the card gateway, aging, the PDFs."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from medoffice.accounts import aging, gateways, plans
from medoffice.formats.pdf import account as pdf

D = Decimal


def words(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_even_split_puts_leftover_cents_on_the_last_instalment():
    got = plans.schedule(total=D("100.00"), first_due=date(2026, 1, 31), count=3)
    assert [i.amount for i in got] == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(i.amount for i in got) == D("100.00")
    # monthly keeps the 31st where the month has one, else the month's last day
    assert [i.due for i in got] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


def test_schedule_by_amount_ends_with_the_remainder():
    got = plans.schedule(
        total=D("250.00"), first_due=date(2026, 3, 1), amount=D("60"), frequency="biweekly"
    )
    assert [i.amount for i in got] == [D("60.00")] * 4 + [D("10.00")]
    assert got[1].due == date(2026, 3, 15)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"total": D("0"), "count": 2}, "total"),
        ({"total": D("10"), "count": 0}, "count"),
        ({"total": D("10")}, "count"),
        ({"total": D("10"), "count": 2, "amount": D("5")}, "count"),
        ({"total": D("10"), "amount": D("-1")}, "amount"),
        ({"total": D("0.05"), "count": 10}, "count"),
        ({"total": D("1000"), "amount": D("1")}, "amount"),
        ({"total": D("10"), "count": 2, "frequency": "daily"}, "frequency"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(plans.PlanError) as caught:
        plans.schedule(first_due=date(2026, 1, 1), **kwargs)
    assert caught.value.field == field


def test_plan_state_fills_instalments_in_order_and_flags_missed_ones():
    schedule = plans.schedule(total=D("300"), first_due=date(2026, 1, 1), count=3)
    state = plans.plan_state(schedule, D("130"), today=date(2026, 2, 20), grace_days=10)
    assert [i.paid for i in state.instalments] == [D("100.00"), D("30.00"), D("0.00")]
    assert state.missed == (2,)  # due 02/01, still $70 open 19 days later
    assert state.next_due == date(2026, 2, 1)
    assert state.next_amount == D("70.00")
    assert state.balance == D("170.00")
    assert state.past_due == D("70.00")
    on_time = plans.plan_state(schedule, D("130"), today=date(2026, 2, 11), grace_days=10)
    assert on_time.missed == ()
    done = plans.plan_state(schedule, D("300"), today=date(2026, 9, 1))
    assert done.complete
    assert done.next_due is None
    assert done.missed == ()


@pytest.mark.parametrize("typed", ["4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005"])
def test_terminal_gateway_refuses_a_card_number(typed):
    with pytest.raises(gateways.CardReferenceError, match="card number"):
        gateways.TerminalGateway().charge(amount=D("20"), reference=typed, description="copay")


def test_terminal_gateway_keeps_the_terminal_reference():
    result = gateways.TerminalGateway().charge(
        amount=D("20"), reference=" APPR 448812 ", description="copay"
    )
    assert result.reference == "APPR 448812"
    assert result.gateway == "terminal"
    # 16 digits that fail Luhn are a reference, not a card
    assert not gateways.looks_like_card_number("4111111111111112")
    with pytest.raises(gateways.CardReferenceError):
        gateways.clean_reference("  ")
    with pytest.raises(gateways.CardDeclinedError):
        gateways.TerminalGateway().charge(amount=D("0"), reference="x", description="")


def test_gateway_path_that_does_not_exist_is_an_error():
    with pytest.raises(ValueError, match="No card gateway"):
        gateways.gateway_from_path("medoffice.accounts.gateways.Nope")
    assert (
        gateways.gateway_from_path("medoffice.accounts.gateways.TerminalGateway").name == "terminal"
    )


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "0-30"),
        (30, "0-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-120"),
        (120, "91-120"),
        (121, "120+"),
        (900, "120+"),
        (-3, "0-30"),
    ],
)
def test_aging_bucket_edges(days, bucket):
    as_of = date(2026, 6, 30)
    assert aging.bucket_of(date.fromordinal(as_of.toordinal() - days), as_of) == bucket


def test_aging_rows_sum_to_the_open_amounts():
    as_of = date(2026, 6, 30)
    rows = [
        ("Acme", date(2026, 6, 29), D("10.00")),
        ("Acme", date(2026, 1, 1), D("5.55")),
        ("Bolt", date(2026, 5, 1), D("40.00")),
        ("Bolt", date(2026, 5, 2), D("0")),
    ]
    got = aging.age(rows, as_of)
    assert [r.key for r in got] == ["Bolt", "Acme"]
    assert got[1].amounts == [D("10.00"), D("0.00"), D("0.00"), D("0.00"), D("5.55")]
    assert sum(r.total for r in got) == D("55.55")
    assert aging.days_in_ar(D("3000"), D("9000"), 90) == D("30.0")
    assert aging.days_in_ar(D("1"), D("0"), 90) is None
    assert aging.percent(D("1"), D("3")) == D("33.3")


PRACTICE = pdf.Party(
    "Maple Family Medicine", ("12 Elm St, Springfield, IL 62701", "Phone 217-555-0100")
)


def test_statement_says_what_insurance_paid_what_you_owe_and_why():
    record = pdf.StatementRecord(
        practice=PRACTICE,
        patient=pdf.Party("Ana Lima", ("4 Oak Ave", "Springfield, IL 62702")),
        account="MRN00042",
        statement_date=date(2026, 4, 1),
        due_date=date(2026, 4, 25),
        visits=(
            pdf.StatementVisit(
                date(2026, 3, 2),
                "Dr. Rivera",
                "Acme Health",
                (
                    pdf.StatementLine(
                        "Office visit (99213)",
                        D("150.00"),
                        D("80.00"),
                        D("30.00"),
                        D("20.00"),
                        D("20.00"),
                        "Coinsurance $20.00",
                    ),
                ),
            ),
        ),
        amount_due=D("20.00"),
        how_to_pay=("Online at pay.example.com", "By phone 217-555-0100"),
        message="Second notice: your balance is past due.",
    )
    text = words(pdf.render_statement(record))
    for expected in (
        "Statement",
        "Ana Lima",
        "You owe",
        "$20.00",
        "Insurance paid",
        "$80.00",
        "Why you owe this: Coinsurance $20.00",
        "How to pay",
        "Second notice",
        "04/25/2026",
        "Acme Health",
    ):
        assert expected in text


def test_receipt_and_deposit_slip_carry_their_figures():
    receipt = words(
        pdf.render_payment_receipt(
            pdf.PaymentReceiptRecord(
                practice=PRACTICE,
                patient="Ana Lima",
                account="MRN00042",
                received_at="04/01/2026 09:12 CDT",
                method="Card (terminal ref APPR 1)",
                amount=D("45.00"),
                applied=(("Visit 03/02/2026", D("20.00")),),
                unapplied=D("25.00"),
                number="R-7",
            )
        )
    )
    assert "Amount paid" in receipt
    assert "$45.00" in receipt
    assert "$25.00" in receipt
    assert "APPR 1" in receipt
    assert "R-7" in receipt
    slip = words(
        pdf.render_deposit_slip(
            pdf.DepositSlipRecord(
                practice=PRACTICE,
                location="Main",
                day=date(2026, 4, 1),
                closed_by="Kim",
                rows=(pdf.DepositRow("Cash", "", "Ana Lima", D("45.00")),),
                totals=(("Cash", D("45.00")),),
                counted=(("Cash", D("40.00")),),
                differences=("Cash: counted $40.00, posted $45.00 (short $5.00)",),
            )
        )
    )
    assert "Deposit slip" in slip
    assert "short $5.00" in slip
    assert "$40.00" in slip
