"""Any supported X12 file as plain, JSON-ready data: what `medoffice x12 read FILE` prints.

For support staff: every transaction set is read with its parser and shown
with its records, plus the plain-language parts (the 271's benefit summary,
the 999's and 277CA's explanations, the 835's balancing check). A file that
cannot be read raises `X12Error` with the segment number and the reason.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from .ack_999 import parse_999
from .claim_837p import parse_837p
from .claim_ack import parse_277ca
from .claim_status import parse_276, parse_277
from .eligibility import parse_270, parse_271
from .errors import X12Error
from .reader import Source, Transaction, read_interchanges
from .remittance import balancing_errors, parse_835

KINDS = {
    "837": "837P professional claims",
    "270": "270 eligibility request",
    "271": "271 eligibility response",
    "276": "276 claim status request",
    "277": "277 claim status response",
    "277CA": "277CA claim acknowledgment",
    "999": "999 implementation acknowledgment",
    "835": "835 payment and remittance advice",
}


def plain(value: Any) -> Any:
    """Records to dicts, Decimal to text (exact), dates to ISO; empty fields left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result = {}
        for f in dataclasses.fields(value):
            item = plain(getattr(value, f.name))
            if item not in (None, "", (), [], {}):
                result[f.name] = item
        return result
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def describe_transaction(transaction: Transaction) -> dict:
    set_id = transaction.set_id
    kind = set_id
    content: Any
    extra: dict = {}
    if set_id == "837":
        if "X222" not in transaction.version:
            raise transaction.segments[0].error(
                f"only the professional 837 (005010X222A1) is supported, not {transaction.version}"
            )
        content = parse_837p(transaction)
    elif set_id == "270":
        content = parse_270(transaction)
    elif set_id == "271":
        content = parse_271(transaction)
        extra["summaries"] = [r.summary() for r in content]
        extra["benefits_in_words"] = [[b.describe() for b in r.benefits] for r in content]
    elif set_id == "276":
        content = parse_276(transaction)
    elif set_id == "277" and "X214" in transaction.version:
        kind = "277CA"
        content = parse_277ca(transaction)
        extra["claims"] = [
            {
                "patient_control_number": c.patient_control_number,
                "result": "rejected" if c.is_rejected else "accepted" if c.is_accepted else "other",
                "statuses": c.explain(),
            }
            for c in content.claims()
        ]
    elif set_id == "277":
        content = parse_277(transaction)
    elif set_id == "999":
        content = parse_999(transaction)
        extra["explanation"] = content.explain()
    elif set_id == "835":
        content = parse_835(transaction)
        extra["claims_in_words"] = [
            f"{c.patient_control_number}: {c.status_text}, charged {c.charge}, paid {c.paid}"
            for c in content.claims
        ]
        extra["balancing_errors"] = balancing_errors(content)
    else:
        raise transaction.segments[0].error(f"transaction set {set_id} is not supported", 1)
    return {
        "transaction": KINDS[kind],
        "control_number": transaction.control_number,
        "version": transaction.version,
        "content": plain(content),
        **{key: plain(value) for key, value in extra.items()},
    }


def read_file(source: Source) -> dict:
    """Every interchange, group and transaction of a file (envelopes checked first)."""
    interchanges = read_interchanges(source)
    if not interchanges:
        raise X12Error("the file holds no transaction set")
    return {
        "interchanges": [
            {
                "sender": f"{i.header.sender_qualifier}:{i.header.sender_id}",
                "receiver": f"{i.header.receiver_qualifier}:{i.header.receiver_id}",
                "control_number": i.header.control_number,
                "date": i.header.date,
                "time": i.header.time,
                "usage": "production" if i.header.is_production else "test",
                "groups": [
                    {
                        "functional_id": g.functional_id,
                        "control_number": g.control_number,
                        "version": g.version,
                        "transactions": [describe_transaction(t) for t in g.transactions],
                    }
                    for g in i.groups
                ],
            }
            for i in interchanges
        ]
    }
