"""The accounts API: the same services and role checks as the screens, JSON problems on
bad input (400 naming the field) and nothing written."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from medoffice.accounts.models import PaymentPlan, RefundRequest
from medoffice.payments.models import Payment

D = Decimal


def _url(name, patient):
    return reverse(name, args=[patient.public_id])


def test_front_desk_takes_a_payment_and_the_overpayment_is_a_flagged_credit(
    patient, location, make_visit, front_desk, client_for
):
    make_visit(patient, date(2026, 1, 5), [("99213", "30.00")])
    client = client_for(front_desk)
    url = _url("api:patient-payment-list", patient)
    card = {"amount": "5", "method": "card", "location": str(location.public_id),
            "reference": "4111111111111111"}  # fmt: skip
    bad = client.post(url, card, content_type="application/json")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert "card number" in bad.json()["errors"]["reference"][0]
    assert not Payment.objects.exists()
    made = client.post(url, {"amount": "50", "method": "cash", "location": str(location.public_id)},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201
    body = made.json()
    assert (body["credit"], body["credit_flagged"], body["patient_due"]) == ("20.00", True, "0.00")
    account = client.get(_url("api:patient-account", patient)).json()
    assert account["credit"] == "20.00"
    assert account["aging"][0]["who"] == "Patient"


def test_biller_agrees_a_plan_and_a_refund_is_decided_by_an_office_manager(
    patient, location, make_visit, biller, front_desk, make_user, client_for
):
    make_visit(patient, date(2026, 1, 5), [("99214", "300.00")])
    client = client_for(biller)
    plans = _url("api:patient-plan-list", patient)
    too_much = {"total": "400", "frequency": "monthly", "first_due": "2026-02-01", "count": 2}
    assert client.post(plans, too_much, content_type="application/json").status_code == 400
    made = client.post(plans, {"total": "300", "frequency": "monthly", "first_due": "2026-02-01",
                               "count": 3}, content_type="application/json")  # fmt: skip
    assert made.status_code == 201
    assert [i["amount"] for i in made.json()["state"]["instalments"]] == ["100.00"] * 3
    assert PaymentPlan.objects.count() == 1

    desk = client_for(front_desk)
    desk.post(_url("api:patient-payment-list", patient),
              {"amount": "320", "method": "cash", "location": str(location.public_id)},
              content_type="application/json")  # fmt: skip
    refunds = _url("api:patient-refund-list", patient)
    beyond = desk.post(refunds, {"amount": "25", "method": "cash", "reason": "overpaid"},
                       content_type="application/json")  # fmt: skip
    assert beyond.status_code == 400
    assert "credit is $20.00" in beyond.json()["errors"]["amount"][0]
    asked = desk.post(refunds, {"amount": "20", "method": "cash", "reason": "overpaid"},
                      content_type="application/json")  # fmt: skip
    assert asked.status_code == 201
    decision = reverse("api:refund-decision", args=[asked.json()["id"]])
    assert desk.post(decision, {"decision": "approve"},
                     content_type="application/json").status_code == 403  # fmt: skip
    done = client_for(make_user("office_manager")).post(
        decision, {"decision": "approve"}, content_type="application/json"
    )
    assert done.json()["status"] == "approved"
    assert RefundRequest.objects.get().payment.amount == D("-20.00")


def test_statement_run_dry_run_says_who_is_skipped_and_sends_nothing(
    make_patient, make_visit, biller, client_for
):
    owes = make_patient(first_name="Owen", last_name="Owes")
    nowhere = make_patient(first_name="Nia", last_name="Nowhere", dob=date(1971, 1, 2))
    make_visit(owes, date(2026, 1, 2), [("99213", "90.00")])
    make_visit(nowhere, date(2026, 1, 2), [("99213", "60.00")])
    nowhere.address1 = ""  # moved away, no new address yet
    nowhere.save()
    client = client_for(biller)
    url = reverse("api:statement-run")
    dry = client.post(url, {"dry_run": True}, content_type="application/json").json()
    assert sorted((a["amount"], a["skipped"]) for a in dry["accounts"]) == [
        ("60.00", "no mailing address"), ("90.00", ""),
    ]  # fmt: skip
    assert client.get(_url("api:patient-statement-list", owes)).json() == []
    assert client.post(url, {"cycle": 0}, content_type="application/json").status_code == 400
    ran = client.post(url, {}, content_type="application/json")
    assert ran.status_code == 201
    assert [s["amount_due"] for s in ran.json()["issued"]] == ["90.00"]
    assert len(client.get(_url("api:patient-statement-list", owes)).json()) == 1
