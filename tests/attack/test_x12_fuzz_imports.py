"""Every import that takes X12 in, under mutated files: a documented outcome, never a crash,
and a refused file changes nothing.

- 835 (ERA posting, `era_import`): posted, already posted, or rejected with the reason; a
  rejected file adds its own EraFile row (status rejected) and one audit entry, and every
  other table (ledger, payments, claims, suspense, ...) is unchanged row for row.
- 999 / 277CA / 277 (clearinghouse answers, `acks.response_receive`): processed, duplicate,
  left for others, or quarantined with the reason; a quarantined file adds its
  ExchangeFile row and one audit entry, nothing else.
- 271 (eligibility, `services.response_receive`): applied, or kept aside as a stray
  response with the reason; a stray changes nothing but the stray table.

Seeds are answers to the test office's own claims and checks (made by the simulators and
the synthetic payer, so unmutated they post and apply), plus the public samples and our
writers' files. Each example runs in a savepoint rolled back afterwards, so every
mutation meets the same office. A posted file must leave the ledger consistent
(`ledger_problems()` empty).
"""

from datetime import date

from django.db import transaction
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from medoffice.billing import acks, exchange
from medoffice.billing.claim_records import claim_records
from medoffice.billing.simulator import simulate_answers
from medoffice.eligibility import services as eligibility
from medoffice.eligibility.simulator import answer_270
from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate
from medoffice.payments.checks import ledger_problems
from medoffice.payments.era import era_import
from tests.payments.conftest import ENVELOPE_TIME, line

from .budget import SEED, TimeBox, report, size
from .db import AUDIT, changed, fingerprint
from .mutations import mutate, ops, sample_seeds, written_seeds

EXAMPLES = size("MEDOFFICE_FUZZ_IMPORT_EXAMPLES", 40, 4_000)
SECONDS = size("MEDOFFICE_FUZZ_SECONDS", 600, 900)
HYPOTHESIS = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}


def _seeds(kinds: tuple[str, ...], own: dict[str, bytes]) -> dict[str, bytes]:
    others = {**written_seeds(), **sample_seeds()}
    return {**own, **{k: v for k, v in others.items() if any(x in k for x in kinds)}}


def _fuzz(seeds: dict[str, bytes], attempt, claim: str) -> dict:
    """Run `attempt(data) -> outcome` on mutated seeds, each in a rolled-back savepoint."""
    names = sorted(seeds)
    box = TimeBox(SECONDS)
    outcomes: dict[str, int] = {}

    @seed(SEED)
    @settings(max_examples=EXAMPLES, **HYPOTHESIS)
    @given(name=st.sampled_from(names), mutations=ops())
    def run(name, mutations):
        if not box.open():
            return
        data = mutate(seeds[name], mutations)
        with transaction.atomic():
            outcome = attempt(data)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            transaction.set_rollback(True)

    run()
    report(claim, mutations=box.ran, crashes=0, partial_changes=0, seed=SEED, **outcomes)
    assert box.ran > 0
    return outcomes


def _refused_changes_only(before: dict, allowed: set[str]) -> None:
    diff = changed(before, fingerprint())
    assert set(diff) <= allowed, f"a refused file changed {diff}"


# ---------------------------------------------------------------- 835


def test_mutated_835s_post_whole_or_are_rejected_changing_nothing(sent, practice, biller):
    claims = [sent([line("99213"), line("36415")]) for _ in range(3)]
    records = list(claim_records([c.pk for c in claims]).values())
    from medoffice.formats.x12 import Envelope

    envelope = Envelope(sender_id="ACME", receiver_id="MEDOFFICE01",
                        interchange_control_number=7, group_control_number=7,
                        created=ENVELOPE_TIME)  # fmt: skip
    own = {
        f"own/835-{n}": render_835(
            [adjudicate(records, seed=n, messy=bool(n % 2), trace_number=f"FUZZ{n}")],
            envelope=envelope,
        )
        for n in (1, 2)
    }
    with transaction.atomic():  # unmutated, a seed posts (then undone)
        assert era_import(own["own/835-1"], practice=practice, name="x").status == "posted"
        transaction.set_rollback(True)
    seeds = _seeds(("835",), own)

    def attempt(data: bytes) -> str:
        before = fingerprint()
        result = era_import(data, practice=practice, name="fuzz.835", by=biller)
        assert result.status in ("posted", "already_posted", "rejected"), result
        if result.status == "rejected":
            assert result.message.strip()
            assert result.era_file.status == "rejected"
            _refused_changes_only(before, {"payments_erafile", *AUDIT})
        elif result.status == "already_posted":
            assert changed(before, fingerprint()) == {}
        else:
            assert ledger_problems() == []
        return result.status

    outcomes = _fuzz(seeds, attempt, "835 ERA posting, mutated files")
    assert outcomes.get("rejected", 0) > 0


# ---------------------------------------------------------------- 999, 277CA, 277


def test_mutated_clearinghouse_answers_apply_whole_or_are_quarantined_changing_nothing(
    signed, clearinghouse, practice, tmp_path
):  # fmt: skip
    clearinghouse.simulate_responses = True
    clearinghouse.save()
    signed()
    signed(day=date(2026, 3, 3))
    exchange.claims_send(practice_id=practice.id)
    assert simulate_answers(clearinghouse) == 1
    own = {f"own/{p.name}": p.read_bytes() for p in sorted((tmp_path / "inbox").iterdir())}
    assert len(own) == 2  # the 999 and the 277CA answering the batch
    seeds = _seeds(("999", "277"), own)

    def attempt(data: bytes) -> str:
        before = fingerprint()
        outcome = acks.response_receive(clearinghouse, "fuzz.x12", data)
        assert outcome.status in ("processed", "duplicate", "quarantined", "left"), outcome
        if outcome.status == "quarantined":
            assert outcome.record.reason.strip()
            _refused_changes_only(before, {"billing_exchangefile", *AUDIT})
        elif outcome.status in ("duplicate", "left"):
            assert changed(before, fingerprint()) == {}
        return outcome.status

    outcomes = _fuzz(seeds, attempt, "999/277CA/277 clearinghouse answers, mutated files")
    assert outcomes.get("quarantined", 0) > 0


# ---------------------------------------------------------------- 271


def test_mutated_271s_settle_their_check_or_are_kept_aside_changing_nothing(insured):
    check = eligibility.check_create(coverage=insured, service_date=date(2026, 3, 2))
    own = {"own/271": answer_270(bytes(check.request_x12))}
    seeds = _seeds(("271",), own)

    def attempt(data: bytes) -> str:
        before = fingerprint()
        received = eligibility.response_receive(content=data, source="fuzz")
        if received.applied:
            return "applied"
        assert received.strays
        assert received.reason.strip()
        _refused_changes_only(before, {"eligibility_strayresponse"})
        return "stray"

    outcomes = _fuzz(seeds, attempt, "271 eligibility answers, mutated files")
    assert outcomes.get("stray", 0) > 0
