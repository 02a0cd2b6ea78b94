"""X12 5010 for the payer exchange: pure Python, no Django; dataclasses in, bytes out.

Reading any file (separators come from its ISA; envelopes and counts checked)::

    from medoffice.formats.x12 import X12Error, iter_transactions, read_transactions

    try:
        for transaction in iter_transactions(path_or_bytes_or_binary_file):  # streams
            transaction.set_id          # "837", "835", "271", "999", "277", ...
            transaction.version         # ST03 or GS08, e.g. "005010X221A1"
            transaction.group.interchange.is_production
            for segment in transaction.body():   # Segment: segment.id, segment[1], ...
                segment.components(1)            # composite split on the component separator
    except X12Error as exc:  # exc.segment_number, exc.offset, exc.segment_id, exc.element,
        ...                  # exc.reason; str(exc) says it all in one line

Writing an 837P batch (control numbers from the caller's never-repeating counter)::

    from medoffice.formats.x12 import Envelope
    from medoffice.formats.x12.claim_837p import (
        BillingProvider, Claim, OtherPayer, Patient, Payer, Provider, Receiver,
        ServiceLine, Submitter, Subscriber, LineAdjudication, render_837p,
    )
    from medoffice.formats.x12.common import Address, Adjustment

    envelope = Envelope(
        sender_id="MEDOFFICE01", receiver_id="CLEARINGHOUSE",
        interchange_control_number=next_isa13, group_control_number=next_gs06,
        created=local_now, production=False,
    )
    data: bytes = render_837p(
        claims,  # list[Claim]; patient=None when the subscriber is the patient
        submitter=Submitter(name, etin, contact_name, phone),
        receiver=Receiver(name, receiver_id),
        envelope=envelope,
        reference=batch_reference,  # BHT03
    )

A bad record (no lines, a pointer to a missing diagnosis, a replacement without
its original claim number, ...) raises `X12Error` naming the claim.

Each transaction has a module with records, `render_*` and `parse_*`:

    claim_837p     837P professional claim, 005010X222A1 (render_837p, parse_837p)
    eligibility    270 request / 271 response, 005010X279A1
    ack_999        999 implementation acknowledgment, 005010X231A1
    claim_ack      277CA claim acknowledgment, 005010X214
    claim_status   276 request / 277 response, 005010X212
    remittance     835 payment and remittance advice, 005010X221A1

The other side, for the demo's simulated clearinghouse and payer and for tests:
`ack_999.acknowledge(group)`, `claim_ack.acknowledge_claims(parse_837p(t), ...)`,
`eligibility.respond(request, benefits=...)`, and `synthetic.adjudicate(claims)`
(a balanced 835 answering claims; `synthetic.prepared_claims(n)` makes claims).

`describe.read_file(path)` turns any supported file into plain JSON-ready data
(what `medoffice x12 read FILE` prints).
"""

from .errors import X12Error
from .reader import (
    Interchange,
    Segment,
    Separators,
    Transaction,
    iter_segments,
    iter_transactions,
    read_interchanges,
    read_transactions,
)
from .writer import Envelope, TransactionBody, render_interchange

__all__ = [
    "Envelope",
    "Interchange",
    "Segment",
    "Separators",
    "Transaction",
    "TransactionBody",
    "X12Error",
    "iter_segments",
    "iter_transactions",
    "read_interchanges",
    "read_transactions",
    "render_interchange",
]
