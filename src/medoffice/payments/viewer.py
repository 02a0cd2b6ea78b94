"""An ERA in plain language: payment by payment, claim by claim, line by line, with the
meaning of every adjustment (CARC, by group) and remark (RARC) from billing's tables, and
what the posting did with each claim. Reads the stored file; writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from medoffice.billing import explanations
from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.remittance import PAYMENT_METHODS, parse_835
from medoffice.payments.models import EraClaim, EraFile, SuspenseItem


@dataclass
class LineView:
    number: int
    code: str
    modifiers: str
    units: object
    service_date: object
    charge: object
    paid: object
    allowed: object
    adjustments: list
    remarks: list
    suspense: SuspenseItem | None = None


@dataclass
class ClaimView:
    pcn: str
    status: str
    status_text: str
    charge: object
    paid: object
    patient_responsibility: object
    payer_claim_number: str
    patient: str
    adjustments: list
    remarks: list
    lines: list
    record: EraClaim | None
    suspense: list = field(default_factory=list)


@dataclass
class PaymentView:
    trace: str
    payer: str
    method: str
    total: object
    date: object
    claims: list
    provider_adjustments: list


def _adjustments(items, remarks=()):
    return [(a, explanations.explain_adjustment(a.group, a.reason, remarks)) for a in items]


def era_view(record: EraFile) -> tuple[list[PaymentView], str]:
    """The file as payments of claims of lines; an error text when it cannot be read."""
    try:
        transactions = read_transactions(bytes(record.content))
    except X12Error as exc:
        return [], str(exc)
    stored = {}
    traces = dict(record.payments.values_list("trace_number", "id"))
    for era in EraClaim.objects.filter(era_payment__era_file=record).select_related("claim"):
        stored[(era.era_payment_id, era.sequence)] = era
    items = {}
    for item in SuspenseItem.objects.filter(era_claim__era_payment__era_file=record):
        items.setdefault(item.era_claim_id, []).append(item)
    payments = []
    for t in transactions:
        if t.set_id != "835":
            continue
        try:
            r = parse_835(t)
        except X12Error as exc:
            return payments, str(exc)
        claims = []
        for sequence, c in enumerate(r.claims, 1):
            era = stored.get((traces.get(r.trace_number), sequence))
            suspense = items.get(era.pk, []) if era else []
            by_index = {i.service_index: i for i in suspense if i.service_index is not None}
            lines = [
                LineView(
                    n,
                    s.procedure_code,
                    " ".join(s.modifiers),
                    s.units or 1,
                    s.service_date,
                    s.charge,
                    s.paid,
                    s.allowed,
                    _adjustments(s.adjustments, s.remarks),
                    [explanations.explain_remark(code) for code in s.remarks],
                    by_index.get(n - 1),
                )  # fmt: skip
                for n, s in enumerate(c.services, 1)
            ]
            patient = c.patient
            claims.append(
                ClaimView(
                    c.patient_control_number,
                    c.status,
                    c.status_text,
                    c.charge,
                    c.paid,
                    c.patient_responsibility,
                    c.payer_claim_number,
                    f"{patient.first_name} {patient.last_name}".strip() if patient else "",
                    _adjustments(c.adjustments, c.remarks),
                    [explanations.explain_remark(code) for code in c.remarks],
                    lines,
                    era,
                    [i for i in suspense if i.service_index is None],
                )  # fmt: skip
            )
        payments.append(
            PaymentView(
                r.trace_number,
                r.payer.name,
                PAYMENT_METHODS.get(r.payment_method, ""),
                r.total_paid,
                r.payment_date,
                claims,
                list(r.provider_adjustments),
            )  # fmt: skip
        )
    return payments, ""
