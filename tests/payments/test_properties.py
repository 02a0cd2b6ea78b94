"""Properties of the ledger and the ERA posting, on the real database.

BL-05: a Hypothesis state machine posts charges' adjustments, transfers, payments, write-offs
and reversals in any order; after every step each line's balance by party equals a model
kept beside it and `ledger_problems()` finds nothing. BL-02: generated balanced 835s post
and reconcile exactly; changing any one amount by one cent is rejected with a reason and
posts nothing. And no model anywhere stores money (or anything) as a float.
"""

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from medoffice.formats.x12 import Envelope
from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate, prepared_claims
from medoffice.payments import ledger
from medoffice.payments.checks import ledger_problems
from medoffice.payments.era import era_import
from medoffice.payments.errors import LedgerError
from medoffice.payments.models import EntryKind, EraFile, LedgerEntry, Party, Payment
from medoffice.payments.selectors import line_balances, payment_unapplied
from tests.payments.conftest import ENVELOPE_TIME, line

D = Decimal
CENT = D("0.01")
cents = st.integers(min_value=1, max_value=20_000).map(lambda n: D(n) * CENT)


def test_no_model_has_a_float_field():
    floats = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert floats == []


class LedgerMachine(RuleBasedStateMachine):
    """Posts through the service API; `expected` is the model: {(charge, party key): amount}."""

    charges: list = []
    patient = None
    practice = None
    user = None

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.expected = defaultdict(lambda: D("0.00"))
        for charge in self.charges:
            for key, amount in line_balances([charge.pk]).get(charge.pk, {}).items():
                self.expected[(charge.pk, key)] = amount
        self.payer_key = next(k for (_, k) in self.expected if k[0] == Party.INSURANCE)

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _charge(self, index):
        return self.charges[index % len(self.charges)]

    @rule(index=st.integers(0, 5), amount=cents, group=st.sampled_from(["CO", "OA", "PI"]))
    def adjust(self, index, amount, group):
        charge = self._charge(index)
        payer = ledger.Responsible(Party.INSURANCE, None, self.payer_key[1])
        ledger.adjust(charge, amount, group=group, reason="45", by=self.user, party=payer)
        self.expected[(charge.pk, self.payer_key)] -= amount

    @rule(index=st.integers(0, 5), amount=cents)
    def to_patient(self, index, amount):
        charge = self._charge(index)
        ledger.transfer(charge, amount, to_party=ledger.Responsible.patient(), by=self.user,
                        from_party=ledger.Responsible(Party.INSURANCE, None, self.payer_key[1]),
                        group="PR", reason="2")  # fmt: skip
        self.expected[(charge.pk, self.payer_key)] -= amount
        self.expected[(charge.pk, (Party.PATIENT, None))] += amount

    @rule(amount=cents)
    def patient_pays_oldest_first(self, amount):
        payment = ledger.receive_payment(
            practice=self.practice, kind="patient", amount=amount, method="cash",
            patient=self.patient, by=self.user,
        )  # fmt: skip
        for entry in ledger.apply_payment(payment, by=self.user):
            self.expected[(entry.charge_id, (Party.PATIENT, None))] += entry.amount
        assert payment_unapplied(payment) >= 0

    @rule(index=st.integers(0, 5), amount=cents)
    def write_off(self, index, amount):
        charge = self._charge(index)
        try:
            ledger.write_off(charge, amount, reason="small balance", by=self.user,
                             party=ledger.Responsible.patient())  # fmt: skip
        except LedgerError:
            return
        self.expected[(charge.pk, (Party.PATIENT, None))] -= amount

    @rule(pick=st.integers(0, 10_000))
    def reverse_something(self, pick):
        candidates = list(
            LedgerEntry.objects.filter(reverses__isnull=True, reversed_by__isnull=True)
            .exclude(kind=EntryKind.CHARGE)
            .order_by("id")
        )
        if not candidates:
            return
        entry = candidates[pick % len(candidates)]
        made = (
            ledger.reverse_posting(entry.posting, reason="posted in error", by=self.user)
            if entry.kind == EntryKind.TRANSFER
            else [ledger.reverse(entry, reason="posted in error", by=self.user)]
        )
        for undo in made:
            key = (undo.party, None if undo.party == Party.PATIENT else undo.payer_id)
            if undo.charge_id is not None:
                self.expected[(undo.charge_id, key)] += undo.amount

    @invariant()
    def balances_match_the_model(self):
        actual = line_balances([c.pk for c in self.charges])
        for (charge_id, key), amount in self.expected.items():
            assert actual.get(charge_id, {}).get(key, D("0.00")) == amount, (charge_id, key)

    @invariant()
    def every_invariant_holds(self):
        assert ledger_problems() == []


def test_ledger_state_machine_keeps_every_invariant(posted, patient, practice, biller):
    charges = posted([line("99213"), line("93000"), line("36415")])
    LedgerMachine.charges = charges
    LedgerMachine.patient = patient
    LedgerMachine.practice = practice
    LedgerMachine.user = biller
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20, stateful_step_count=12, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )  # fmt: skip


# ---------------------------------------------------------------- BL-02


def _perturb(remittance, choice: int, sign: int):
    """One amount of the remittance moved by one cent (which one: `choice`)."""
    delta = CENT * sign
    spots = [("total",)]
    for ci, claim in enumerate(remittance.claims):
        spots += [("claim_charge", ci), ("claim_paid", ci)]
        for ai in range(len(claim.adjustments)):
            spots.append(("claim_cas", ci, ai))
        for si, svc in enumerate(claim.services):
            spots += [("svc_charge", ci, si), ("svc_paid", ci, si)]
            spots += [("svc_cas", ci, si, ai) for ai in range(len(svc.adjustments))]
    spots += [("plb", pi) for pi in range(len(remittance.provider_adjustments))]
    spot = spots[choice % len(spots)]
    kind = spot[0]
    if kind == "total":
        return replace(remittance, total_paid=remittance.total_paid + delta), spot
    if kind == "plb":
        plb = list(remittance.provider_adjustments)
        plb[spot[1]] = replace(plb[spot[1]], amount=plb[spot[1]].amount + delta)
        return replace(remittance, provider_adjustments=tuple(plb)), spot
    claims = list(remittance.claims)
    claim = claims[spot[1]]
    if kind == "claim_charge":
        claim = replace(claim, charge=claim.charge + delta)
    elif kind == "claim_paid":
        claim = replace(claim, paid=claim.paid + delta)
    elif kind == "claim_cas":
        cas = list(claim.adjustments)
        cas[spot[2]] = replace(cas[spot[2]], amount=cas[spot[2]].amount + delta)
        claim = replace(claim, adjustments=tuple(cas))
    else:
        services = list(claim.services)
        svc = services[spot[2]]
        if kind == "svc_charge":
            svc = replace(svc, charge=svc.charge + delta)
        elif kind == "svc_paid":
            svc = replace(svc, paid=svc.paid + delta)
        else:
            cas = list(svc.adjustments)
            cas[spot[3]] = replace(cas[spot[3]], amount=cas[spot[3]].amount + delta)
            svc = replace(svc, adjustments=tuple(cas))
        services[spot[2]] = svc
        claim = replace(claim, services=tuple(services))
    claims[spot[1]] = claim
    return replace(remittance, claims=tuple(claims)), spot


ENVELOPE = Envelope(
    sender_id="ACME", receiver_id="MEDOFFICE01", interchange_control_number=7,
    group_control_number=7, created=ENVELOPE_TIME,
)  # fmt: skip


@settings(
    max_examples=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(
    seed=st.integers(1, 10_000), count=st.integers(1, 5), choice=st.integers(0, 1000),
    sign=st.sampled_from([1, -1]),
)  # fmt: skip
def test_balanced_files_post_and_any_one_cent_off_is_rejected(
    practice, payer, seed, count, choice, sign
):
    remittance = adjudicate(prepared_claims(count, seed=seed), seed=seed, trace_number=f"P{seed}")
    bad, spot = _perturb(remittance, choice, sign)
    with transaction.atomic():
        rejected = era_import(
            render_835([bad], envelope=ENVELOPE), practice=practice, name="bad.835"
        )
        assert rejected.status == "rejected", spot
        assert "balance" in rejected.message, (spot, rejected.message)
        assert not Payment.objects.exists()
        assert not LedgerEntry.objects.exists()
        posted = era_import(
            render_835([remittance], envelope=ENVELOPE), practice=practice, name="good.835"
        )
        assert posted.status == "posted", posted.message
        assert posted.total_paid == remittance.total_paid
        assert ledger_problems() == []
        assert EraFile.objects.filter(status="rejected").count() == 1
        transaction.set_rollback(True)


@pytest.mark.parametrize("seed", [3, 11])
def test_generated_files_with_every_status_and_group_reconcile(sent, practice, seed):
    """A messy generated 835 (dropped/reordered modifiers, no control numbers) answering our
    own claims: posted and reconciled exactly."""
    from medoffice.billing.claim_records import claim_records

    claims = [sent([line("99213"), line("36415")]) for _ in range(3)]
    claims.append(sent([line("99214", modifiers=("25",)), line("93000")]))
    records = list(claim_records([c.pk for c in claims]).values())
    remittance = adjudicate(records, seed=seed, messy=True, trace_number=f"GEN{seed}")
    result = era_import(render_835([remittance], envelope=ENVELOPE), practice=practice,
                        name="gen.835")  # fmt: skip
    assert result.status == "posted", result.message
    assert result.matched == len(claims)
    assert ledger_problems() == []
