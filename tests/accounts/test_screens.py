"""The account screens, through the real views: a payment at the desk (an overpayment kept
as a flagged credit), the day's close with a difference, the statement run (preview with
skip reasons, then send), plans with a missed instalment, refunds decided by another office
manager; bad input is a 422 naming the field and writes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from medoffice.accounts import services
from medoffice.accounts.models import DayClose, PaymentPlan, RefundRequest, Statement
from medoffice.payments import ledger
from medoffice.payments.models import Payment
from medoffice.worklist.models import Task

D = Decimal
DAY = date(2026, 3, 2)


def _account(patient):
    return reverse("accounts:patient-account", args=[patient.public_id])


def test_desk_payment_goes_oldest_first_and_an_overpayment_is_a_flagged_credit(
    patient, location, make_visit, front_desk, client_for, at_desk
):
    at_desk(DAY)
    make_visit(patient, date(2026, 1, 5), [("99213", "30.00")])
    client = client_for(front_desk)
    url = reverse("accounts:payment-take", args=[patient.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert b"$30.00" in page.content

    bad = client.post(url, {"amount": "ten", "method": "cash", "location": location.pk})
    assert bad.status_code == 422
    assert b"Enter a number" in bad.content
    no_check = client.post(url, {"amount": "50", "method": "check", "location": location.pk})
    assert no_check.status_code == 422
    assert b"check number" in no_check.content
    assert not Payment.objects.exists()

    done = client.post(url, {"amount": "50", "method": "cash", "location": location.pk},
                       follow=True)  # fmt: skip
    text = done.content.decode()
    assert "Overpayment: $20.00" in text
    assert "Credit on account" in text
    task = Task.objects.get(kind="account_credit")
    assert (task.assigned_role, task.status) == ("biller", "open")
    assert "$20.00" in task.title


def test_day_close_flags_the_difference_and_prints_the_deposit_slip(
    patient, location, front_desk, client_for, at_desk
):
    at_desk(DAY, hour=11)
    for method, amount, ref in (("cash", "35", ""), ("card", "40", "T-77")):
        services.desk_payment_take(patient=patient, amount=amount, method=method,
                                   reference=ref, location=location, by=front_desk)  # fmt: skip
    client = client_for(front_desk)
    url = reverse("accounts:day-close")
    page = client.get(url)
    assert page.status_code == 200
    assert "Cash $35.00" in page.content.decode()
    assert "Card $40.00" in page.content.decode()

    bad = client.post(url, {"location": location.pk, "day": "2026-03-02", "cash": "-5"})
    assert bad.status_code == 422
    assert not DayClose.objects.exists()

    form = {"location": location.pk, "day": "2026-03-02", "cash": "30.00", "card": "40"}
    closed = client.post(url, form, follow=True)
    text = closed.content.decode()
    assert "Cash: counted $30.00, posted $35.00 (short $5.00)" in text
    close = DayClose.objects.get()
    slip = client.get(reverse("accounts:deposit-slip-pdf", args=[close.public_id]))
    assert slip["Content-Type"] == "application/pdf"
    again = client.post(url, form)
    assert again.status_code == 422
    assert b"already closed" in again.content


def test_statement_run_previews_who_is_skipped_and_why_then_sends(
    make_patient, make_visit, biller, client_for, at_desk
):
    at_desk(DAY)
    owes = make_patient(first_name="Owen", last_name="Owes")
    small = make_patient(first_name="Sam", last_name="Small", dob=date(1970, 1, 2))
    nowhere = make_patient(first_name="Nia", last_name="Nowhere", dob=date(1971, 1, 2))
    disputed = make_patient(first_name="Dee", last_name="Disputes", dob=date(1972, 1, 2))
    for who, amount in ((owes, "90.00"), (small, "3.00"), (nowhere, "60.00"),
                        (disputed, "70.00")):  # fmt: skip
        make_visit(who, date(2026, 1, 2), [("99213", amount)])
    nowhere.address1 = ""
    nowhere.save()
    services.hold_set(account=ledger.account_for(disputed), hold="dispute",
                      note="says insurance covers it")  # fmt: skip
    client = client_for(biller)
    preview = client.get(reverse("accounts:statement-run")).content.decode()
    assert "Would be sent: 1 ($90.00)" in preview
    for reason in ("under the minimum of $5.00", "no mailing address",
                   "on hold (dispute: says insurance covers it)"):  # fmt: skip
        assert reason in preview
    assert not Statement.objects.exists()  # a preview sends nothing

    sent = client.post(reverse("accounts:statement-run-send"), {"cycle": ""}, follow=True)
    assert "1 statement(s) made ($90.00); 3 account(s) skipped" in sent.content.decode()
    assert [s.account.patient for s in Statement.objects.all()] == [owes]
    account_page = client.get(_account(owes)).content.decode()
    assert "Statements sent" in account_page
    assert "$90.00" in account_page


def test_plan_is_agreed_on_its_schedule_and_a_missed_instalment_is_flagged(
    patient, make_visit, front_desk, client_for, at_desk
):
    at_desk(date(2026, 1, 10))
    make_visit(patient, date(2026, 1, 2), [("99214", "300.00")])
    client = client_for(front_desk)
    url = reverse("accounts:plan-create", args=[patient.public_id])
    too_much = client.post(url, {"total": "500", "frequency": "monthly",
                                 "first_due": "2026-02-01", "count": "2"})  # fmt: skip
    assert too_much.status_code == 422
    assert b"cannot be for more" in too_much.content
    neither = client.post(url, {"total": "300", "frequency": "monthly", "first_due": "2026-02-01"})
    assert neither.status_code == 422
    assert b"number of instalments" in neither.content
    assert client.post(url, {"total": "300", "frequency": "monthly", "first_due": "2026-02-01",
                             "count": "3"}).status_code == 302  # fmt: skip
    at_desk(date(2026, 2, 20))
    client = client_for(front_desk)  # a new day, a new sign-in
    page = client.get(_account(patient)).content.decode()
    assert "02/01/2026" in page
    assert "03/01/2026" in page
    assert "04/01/2026" in page
    assert "Missed" in page
    assert "1 missed" in page
    plan = PaymentPlan.objects.get()
    client.post(reverse("accounts:plan-cancel", args=[plan.public_id]))
    assert PaymentPlan.objects.get().status == "cancelled"


def test_refund_is_approved_by_another_office_manager_never_beyond_the_credit(
    patient, location, front_desk, make_user, client_for
):
    first, second = make_user("office_manager"), make_user("office_manager")
    services.desk_payment_take(patient=patient, amount="60", method="cash", location=location,
                               by=front_desk)  # fmt: skip
    desk = client_for(front_desk)
    url = reverse("accounts:refund-request", args=[patient.public_id])
    beyond = desk.post(url, {"amount": "60.01", "method": "check", "reason": "moved"})
    assert beyond.status_code == 422
    assert b"credit is $60.00" in beyond.content
    assert (
        desk.post(url, {"amount": "45", "method": "check", "reason": "overpaid"}).status_code == 302
    )
    asked = RefundRequest.objects.get()
    assert desk.post(reverse("accounts:refund-decide", args=[asked.public_id]),
                     {"decision": "approve"}).status_code == 403  # fmt: skip

    # A manager's own request needs the other manager.
    own = services.refund_request(account=asked.account, amount="5", method="cash",
                                  reason="rounding", by=first)  # fmt: skip
    mine = client_for(first).post(reverse("accounts:refund-decide", args=[own.public_id]),
                                  {"decision": "approve"})  # fmt: skip
    assert mine.status_code == 422
    assert b"Someone else must approve" in mine.content
    manager = client_for(second)
    listing = manager.get(reverse("accounts:refund-list")).content.decode()
    assert "$45.00" in listing
    assert "overpaid" in listing
    done = manager.post(reverse("accounts:refund-decide", args=[asked.public_id]),
                        {"decision": "approve", "reference": "CHK 88"})  # fmt: skip
    assert done.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "approved"
    assert asked.payment.amount == D("-45.00")


def test_clinicians_do_not_see_accounts(patient, clinician, client_for):
    client = client_for(clinician)
    assert client.get(_account(patient)).status_code == 403
    assert client.get(reverse("api:patient-account", args=[patient.public_id])).status_code == 403


@pytest.mark.parametrize("name", ["accounts:day-close", "accounts:statement-run"])
def test_front_desk_and_billers_get_their_own_pages(name, front_desk, biller, client_for):
    user = front_desk if name == "accounts:day-close" else biller
    assert client_for(user).get(reverse(name)).status_code == 200
