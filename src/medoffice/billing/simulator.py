"""A simulated clearinghouse for the demo, training and tests: it answers each 837P batch
in a folder connection's outbox with a 999 and a 277CA in its inbox, as a real one would,
and each claim status request (276) with the payer's 277 (pending, in process).

It reads the batch with the X12 codec (nothing from our database: it knows only
what the file says), accepts every transaction set in the 999, and in the
277CA accepts each claim unless its subscriber's member id does not match the
connection's `simulate_member_id_pattern` (the simulated payer's format):
then the claim is rejected with STC A7:21:IL (invalid information, subscriber),
so a new user sees the whole loop: send, rejection, fix, resend.

Answered batches are moved to the outbox's `simulated` folder. `simulate_payments` then
plays the payers (for the demo's past, see reports/demo.py): each answered batch's accepted
claims are adjudicated into a balanced 835 per payer (paid, adjusted, some denied; the
synthetic payer of formats/x12/synthetic.py) in the inbox, where the ERA pick-up posts it.
"""

import logging
import os
import re
import zlib
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from medoffice.billing.models import ClearinghouseConnection, ConnectionKind
from medoffice.formats.x12 import Envelope, X12Error, read_transactions
from medoffice.formats.x12.ack_999 import acknowledge, render_999
from medoffice.formats.x12.claim_837p import parse_837p
from medoffice.formats.x12.claim_ack import ClaimAcknowledgment, ProviderClaims, render_277ca
from medoffice.formats.x12.claim_status import (
    ClaimStatus,
    ClaimStatusResponse,
    StatusCode,
    parse_276,
    render_277,
)
from medoffice.formats.x12.common import Entity, Person
from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate

logger = logging.getLogger(__name__)

ACCEPTED = StatusCode("A2", "20")  # accepted into adjudication: accepted for processing
RECEIVED = StatusCode("A1", "19")  # acknowledgement: receipt of the claims
REJECTED_MEMBER = StatusCode("A7", "21", "IL")  # invalid information: the subscriber


def _write(directory: Path, name: str, data: bytes) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = directory / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, directory / name)


def _answer(data: bytes, *, pattern: str, counter: int) -> tuple[bytes, bytes]:
    transactions = read_transactions(data)
    group = transactions[0].group
    header = group.interchange
    now = timezone.now().astimezone(ZoneInfo("America/Chicago"))
    envelope = Envelope(
        sender_id=header.receiver_id.strip(), receiver_id=header.sender_id.strip(),
        sender_qualifier=header.receiver_qualifier, receiver_qualifier=header.sender_qualifier,
        interchange_control_number=counter, group_control_number=counter, created=now,
        production=header.is_production,
    )  # fmt: skip
    ack_999 = render_999([acknowledge(group)], envelope=envelope)
    providers: dict[str, tuple[Entity, list[ClaimStatus]]] = {}
    reference = ""
    for transaction in transactions:
        batch = parse_837p(transaction)
        reference = batch.reference
        for claim in batch.claims:
            provider = claim.billing_provider
            entity = Entity(provider.name, provider.npi, "XX", provider.first_name)
            member = claim.subscriber.member_id
            ok = not pattern or re.fullmatch(pattern, member) is not None
            patient = claim.patient or claim.subscriber
            days = [line.service_date for line in claim.lines]
            providers.setdefault(provider.npi, (entity, []))[1].append(
                ClaimStatus(
                    patient_control_number=claim.patient_control_number,
                    statuses=(ACCEPTED if ok else REJECTED_MEMBER,),
                    effective_date=now.date(),
                    total_charge=claim.total_charge,
                    action="WQ" if ok else "U",
                    payer_claim_number=f"SIM{claim.patient_control_number[:12]}" if ok else "",
                    service_from=min(days),
                    service_to=max(days),
                    patient=Person(patient.last_name, patient.first_name, member_id=member),
                )  # fmt: skip
            )
    ack_277 = render_277ca(
        ClaimAcknowledgment(
            reference=f"SIM{counter:09d}",
            source=Entity("MEDOFFICE SIMULATED CLEARINGHOUSE", header.receiver_id.strip(), "46"),
            source_trace=f"SIM{counter:09d}",
            received=now.date(),
            processed=now.date(),
            receiver=Entity(group.sender, header.sender_id.strip(), "46"),
            receiver_trace=reference,
            receiver_statuses=(RECEIVED,),
            providers=tuple(
                ProviderClaims(entity, (RECEIVED,), tuple(claims))
                for entity, claims in providers.values()
            ),
        ),  # fmt: skip
        envelope=replace(
            envelope, interchange_control_number=counter + 1, group_control_number=counter + 1
        ),
    )
    return ack_999, ack_277


PENDING = StatusCode("P1", "20")  # pending: in process; accepted for processing


def _answer_276(data: bytes, *, counter: int) -> bytes:
    """The simulated payer's 277: every claim asked about is pending, in process (the trace
    number and our claim number echoed, as a payer does)."""
    transactions = read_transactions(data)
    header = transactions[0].group.interchange
    now = timezone.now().astimezone(ZoneInfo("America/Chicago"))
    envelope = Envelope(
        sender_id=header.receiver_id.strip(), receiver_id=header.sender_id.strip(),
        sender_qualifier=header.receiver_qualifier, receiver_qualifier=header.sender_qualifier,
        interchange_control_number=counter, group_control_number=counter, created=now,
        production=header.is_production,
    )  # fmt: skip
    responses = [
        ClaimStatusResponse(
            payer=request.payer,
            receiver=request.receiver,
            provider=request.provider,
            subscriber=request.subscriber,
            dependent=request.dependent,
            claims=(
                ClaimStatus(
                    patient_control_number=request.patient_control_number,
                    statuses=(PENDING,),
                    effective_date=now.date(),
                    total_charge=request.total_charge,
                    trace_number=request.trace_number,
                    payer_claim_number=request.payer_claim_number,
                    service_from=request.service_from,
                    service_to=request.service_to,
                ),
            ),
        )  # fmt: skip
        for transaction in transactions
        for request in parse_276(transaction)
    ]
    return render_277(responses, envelope=envelope, reference=f"SIM{counter:09d}")


def simulate_answers(connection: ClearinghouseConnection) -> int:
    """Answer every batch waiting in the connection's outbox; returns how many."""
    if connection.kind != ConnectionKind.FOLDER or not connection.simulate_responses:
        return 0
    from medoffice.billing.exchange import folder_paths

    outbox, inbox = folder_paths(connection)
    if not outbox.is_dir():
        return 0
    answered = 0
    for entry in sorted(os.scandir(outbox), key=lambda e: e.name):
        if not entry.is_file() or entry.name.startswith("."):
            continue
        path = Path(entry.path)
        stamp = timezone.now().astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
        counter = (int(stamp[-9:]) % 900_000_000) + 1
        data = path.read_bytes()
        try:
            kind = read_transactions(data)[0].set_id
            if kind not in ("837", "276"):
                continue  # a 270 goes to the payer through the clearinghouse: not answered here
            if kind == "276":
                _write(inbox, f"{path.stem}.277", _answer_276(data, counter=counter))
            else:
                ack_999, ack_277 = _answer(
                    data, pattern=connection.simulate_member_id_pattern, counter=counter
                )
                _write(inbox, f"{path.stem}.999", ack_999)
                _write(inbox, f"{path.stem}.277", ack_277)
        except X12Error as exc:
            logger.warning("simulated clearinghouse: %s left unanswered: %s", entry.name, exc)
            continue  # not a file the simulator can read: a real clearinghouse would 999-reject
        done = outbox / "simulated"
        done.mkdir(mode=0o700, exist_ok=True)
        os.replace(path, done / path.name)
        answered += 1
    return answered


def _remittance(data: bytes, *, pattern: str, counter: int) -> bytes | None:
    """The payers' 835 for one answered 837P batch: its accepted claims, one remittance per
    payer and billing provider; None when every claim was rejected."""
    transactions = read_transactions(data)
    if transactions[0].set_id != "837":
        return None  # a claim status request (276) answered earlier: nothing to pay
    header = transactions[0].group.interchange
    today = timezone.now().astimezone(ZoneInfo("America/Chicago")).date()
    by_payer: dict[tuple, list] = {}
    for transaction in transactions:
        for claim in parse_837p(transaction).claims:
            if pattern and re.fullmatch(pattern, claim.subscriber.member_id) is None:
                continue  # rejected in the 277CA: never reaches the payer
            provider = claim.billing_provider
            key = (claim.payer.name, claim.payer.payer_id, provider.name, provider.npi)
            by_payer.setdefault(key, []).append(claim)
    if not by_payer:
        return None
    remittances = [
        adjudicate(
            claims,
            seed=counter + n,
            payer=Entity(payer_name, payer_id, "PI"),
            payee=Entity(provider_name, npi, "XX"),
            trace_number=f"SIM{counter:09d}{n:02d}",
            payment_date=today,
            takebacks=False,
        )  # fmt: skip
        for n, ((payer_name, payer_id, provider_name, npi), claims) in enumerate(by_payer.items())
    ]
    envelope = Envelope(
        sender_id=header.receiver_id.strip(), receiver_id=header.sender_id.strip(),
        sender_qualifier=header.receiver_qualifier, receiver_qualifier=header.sender_qualifier,
        interchange_control_number=counter, group_control_number=counter,
        created=timezone.now().astimezone(ZoneInfo("America/Chicago")),
        production=header.is_production,
    )  # fmt: skip
    return render_835(remittances, envelope=envelope)


def simulate_payments(connection: ClearinghouseConnection) -> int:
    """The payers pay: an 835 in the inbox for every batch answered since the last call (each
    batch is paid once: it moves on to `simulated/paid`). Returns how many 835 files."""
    if connection.kind != ConnectionKind.FOLDER or not connection.simulate_responses:
        return 0
    from medoffice.billing.exchange import folder_paths

    outbox, inbox = folder_paths(connection)
    answered = outbox / "simulated"
    if not answered.is_dir():
        return 0
    paid = answered / "paid"
    written = 0
    for entry in sorted(os.scandir(answered), key=lambda e: e.name):
        if not entry.is_file() or entry.name.startswith("."):
            continue
        path = Path(entry.path)
        # From the batch's name, not the clock: one trace number per batch however fast.
        counter = zlib.crc32(entry.name.encode()) % 900_000_000 + 1
        try:
            remittance = _remittance(
                path.read_bytes(), pattern=connection.simulate_member_id_pattern, counter=counter
            )
        except X12Error as exc:
            logger.warning("simulated payer: %s left unpaid: %s", entry.name, exc)
            continue
        if remittance is not None:
            _write(inbox, f"{path.stem}.835", remittance)
            written += 1
        paid.mkdir(mode=0o700, exist_ok=True)
        os.replace(path, paid / path.name)
    return written
