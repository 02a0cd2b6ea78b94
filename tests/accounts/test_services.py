"""Desk payments, the day's close, statements, plans and refunds, on the real ledger."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from medoffice.accounts import paper, services, statements
from medoffice.accounts.errors import NoAddressError, RefundRefusedError
from medoffice.accounts.models import CollectionStatus, Hold, RefundStatus
from medoffice.accounts.selectors import account_credit, account_summary, plan_state
from medoffice.payments import ledger
from medoffice.payments.models import LedgerEntry, Payment
from medoffice.payments.selectors import account_balance

D = Decimal
DAY = date(2026, 3, 2)


def words(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def desk(make_user):
    return make_user("front_desk")


def test_desk_payment_goes_to_the_oldest_balance_and_keeps_the_rest_as_credit(
    patient, location, make_visit, desk, at_desk
):
    at_desk(DAY)
    old = make_visit(patient, date(2026, 1, 5), [("99213", "30.00")])
    new = make_visit(patient, date(2026, 2, 5), [("99214", "50.00")])
    payment = services.desk_payment_take(
        patient=patient, amount="100", method="cash", location=location, by=desk
    )
    applied = {e.charge_id: -e.amount for e in LedgerEntry.objects.filter(payment=payment)}
    assert applied == {old[0].pk: D("30.00"), new[0].pk: D("50.00")}
    assert account_credit(payment.account) == D("20.00")
    receipt = words(paper.receipt_pdf(payment))
    assert "$100.00" in receipt
    assert "Kept on your account as a credit" in receipt
    assert "01/05/2026" in receipt


def test_prepayment_is_applied_when_the_visit_charges_arrive(patient, location, make_visit, desk):
    payment = services.desk_payment_take(
        patient=patient, amount="25", method="check", reference="1042", location=location, by=desk
    )
    assert account_credit(payment.account) == D("25.00")
    make_visit(patient, DAY, [("99213", "80.00")])
    assert services.unapplied_apply(account=payment.account) == D("25.00")
    balance = account_balance(payment.account)
    assert balance.unapplied == D("0.00")
    assert balance.patient_due == D("55.00")


@pytest.mark.parametrize(
    ("method", "reference", "field"),
    [
        ("card", "4111 1111 1111 1111", "reference"),
        ("card", "", "reference"),
        ("check", "", "reference"),
        ("bitcoin", "", "method"),
    ],
)
def test_desk_payment_refusals_write_nothing(patient, location, desk, method, reference, field):
    with pytest.raises(ValidationError) as caught:
        services.desk_payment_take(
            patient=patient,
            amount="20",
            method=method,
            reference=reference,
            location=location,
            by=desk,
        )
    assert field in caught.value.message_dict
    assert not Payment.objects.exists()


def test_card_number_never_reaches_the_database(patient, location, desk):
    payment = services.desk_payment_take(
        patient=patient,
        amount="20",
        method="card",
        reference="APPR 0042",
        location=location,
        by=desk,
    )
    assert payment.reference == "APPR 0042"


def test_day_close_totals_by_method_and_flags_differences(patient, location, desk, at_desk):
    at_desk(DAY)
    for method, amount, ref in (
        ("cash", "20", ""),
        ("cash", "15", ""),
        ("card", "40", "T1"),
        ("check", "25", "301"),
    ):
        services.desk_payment_take(
            patient=patient, amount=amount, method=method, reference=ref, location=location, by=desk
        )
    close = services.day_close(
        location=location,
        user=desk,
        day=DAY,
        by=desk,
        counted={"cash": "30.00", "card": "40", "check": "25"},
    )
    assert close.posted == {"cash": "35.00", "check": "25.00", "card": "40.00"}
    assert close.differences == ["Cash: counted $30.00, posted $35.00 (short $5.00)"]
    slip = words(paper.deposit_slip_pdf(close))
    assert "short $5.00" in slip
    assert "$100.00" in slip
    with pytest.raises(ValidationError, match="already closed"):
        services.day_close(location=location, user=desk, day=DAY, by=desk, counted={})


def test_late_evening_payment_counts_on_the_locations_day_not_the_sites(
    patient, location, desk, at_desk
):
    # 11:30 pm in Chicago is already tomorrow in New York (the site's zone): the drawer
    # is Chicago's, so the cash belongs to this evening's close.
    at_desk(DAY, hour=23)
    services.desk_payment_take(
        patient=patient, amount="12", method="cash", reference="", location=location, by=desk
    )
    assert Payment.objects.get(account__patient=patient).received_on == DAY
    close = services.day_close(
        location=location, user=desk, day=DAY, by=desk, counted={"cash": "12"}
    )
    assert close.posted["cash"] == "12.00"
    assert close.differences == []


def test_statement_explains_the_visit_and_refuses_without_address(
    patient, coverage, location, make_visit, make_user, at_desk
):
    biller = make_user("biller")
    at_desk(DAY)
    (charge,) = make_visit(patient, date(2026, 2, 2), [("99213", "150.00")], coverage=coverage)
    pay = ledger.receive_payment(
        practice=patient.practice,
        kind="insurance",
        amount="80",
        method="eft",
        reference="EFT1",
        payer=coverage.payer,
    )
    ledger.apply_payment(pay, allocations=[(charge, "80")])
    ledger.adjust(charge, "30", group="CO", reason="45")
    ledger.transfer(charge, "40", to_party=ledger.Responsible.patient(), group="PR", reason="2")
    account = ledger.account_for(patient)
    statement = statements.statement_issue(account=account, by=biller, today=DAY)
    text = words(bytes(statement.pdf))
    assert statement.amount_due == D("40.00")
    for expected in ("You owe", "$40.00", "$80.00", "Coinsurance $40.00", "Aetna", "How to pay"):
        assert expected in text
    patient.address1 = ""
    patient.save()
    account = ledger.account_for(patient)
    with pytest.raises(NoAddressError, match="no mailing address"):
        statements.statement_issue(account=account, by=biller, today=DAY)
    assert account.statements.count() == 1


def test_dunning_moves_to_collections_unless_held(patient, location, make_visit, make_user):
    biller = make_user("biller")
    make_visit(patient, date(2026, 1, 2), [("99213", "90.00")])
    account = ledger.account_for(patient)
    days = [date(2026, 2, 1), date(2026, 3, 5), date(2026, 4, 5), date(2026, 5, 5)]
    notices = [statements.statement_issue(account=account, by=biller, today=d).notice for d in days]
    assert notices == [0, 1, 2, 3]
    with pytest.raises(ValidationError, match="collections"):
        statements.statement_issue(account=account, by=biller, today=date(2026, 6, 5))
    assert services.standing_of(account).status == CollectionStatus.COLLECTIONS
    # a disputed account gets plain statements, no notices
    other = ledger.account_for(patient)
    services.hold_set(account=other, hold=Hold.DISPUTE, note="says the visit was covered")
    standing = services.standing_of(other)
    assert standing.hold == Hold.DISPUTE


def test_statement_run_by_cycle_skips_small_balances_and_no_address(
    make_patient, location, make_visit, make_user
):
    biller = make_user("biller")
    owes = make_patient(first_name="Owen", last_name="Owes")
    small = make_patient(first_name="Sam", last_name="Small", dob=date(1970, 1, 2))
    nowhere = make_patient(first_name="Nia", last_name="Nowhere", dob=date(1971, 1, 2))
    make_visit(owes, date(2026, 1, 2), [("99213", "90.00")])
    make_visit(small, date(2026, 1, 2), [("36415", "3.00")])
    make_visit(nowhere, date(2026, 1, 2), [("99213", "60.00")])
    nowhere.address1 = ""
    nowhere.save()
    result = statements.statement_run(practice=owes.practice, by=biller, today=DAY)
    assert [s.account.patient for s in result.issued] == [owes]
    assert [(a.patient, why) for a, why in result.skipped] == [
        (small, "under the minimum of $5.00"),
        (nowhere, "no mailing address"),
    ]
    assert result.run.issued == 1
    assert [s["reason"] for s in result.run.skipped] == [why for _, why in result.skipped]
    again = statements.statement_run(practice=owes.practice, by=biller, today=DAY)
    assert again.issued == []  # not twice within the frequency
    assert ("had a statement on 03/02/2026") in dict(
        (a.patient, why) for a, why in again.skipped
    ).get(owes, "")


def test_payment_plan_balance_and_next_due_show_on_the_account(
    patient, location, make_visit, desk, at_desk
):
    at_desk(date(2026, 1, 10))
    make_visit(patient, date(2026, 1, 2), [("99214", "300.00")])
    account = ledger.account_for(patient)
    plan = services.plan_create(
        account=account, total="300", first_due=date(2026, 2, 1), count=3, by=desk
    )
    assert services.standing_of(account).hold == Hold.PLAN
    services.desk_payment_take(
        patient=patient, amount="100", method="cash", location=location, by=desk
    )
    state = plan_state(plan, date(2026, 3, 20))
    assert state.balance == D("200.00")
    assert state.missed == (2,)
    assert state.next_due == date(2026, 3, 1)
    summary = account_summary(patient, date(2026, 3, 20))
    assert summary.plan_state.next_amount == D("100.00")
    with pytest.raises(ValidationError, match="already has an active plan"):
        services.plan_create(account=account, total="10", first_due=date(2026, 2, 1), count=1)
    services.plan_cancel(plan=plan)
    with pytest.raises(ValidationError, match="cannot be for more"):
        services.plan_create(account=account, total="500", first_due=date(2026, 2, 1), count=2)


def test_refund_of_credit_needs_an_office_manager_and_not_beyond_the_credit(
    patient, location, desk, make_user
):
    manager = make_user("office_manager")
    services.desk_payment_take(
        patient=patient, amount="60", method="cash", location=location, by=desk
    )
    account = ledger.account_for(patient)
    with pytest.raises(RefundRefusedError, match="credit is \\$60.00"):
        services.refund_request(
            account=account, amount="60.01", method="check", reason="moved away", by=desk
        )
    request = services.refund_request(
        account=account, amount="45", method="check", reason="overpaid", by=desk
    )
    with pytest.raises(RefundRefusedError, match="office manager"):
        services.refund_decide(request=request, approve=True, by=desk)
    done = services.refund_decide(request=request, approve=True, by=manager, reference="CHK 88")
    assert done.status == RefundStatus.APPROVED
    assert done.payment.amount == D("-45.00")
    assert account_credit(account) == D("15.00")
