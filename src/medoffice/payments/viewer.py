"""An ERA in plain language: payment by payment, claim by claim, line by line, with the
meaning of every adjustment (CARC, by group) and remark (RARC) from billing's tables, and
what the posting did with each claim. Reads the stored file; writes nothing.

A payer's file can hold thousands of claims: the page shows them a page at a time, and can
keep to the denied ones, those in suspense, those the patient owes on, or a claim or
patient looked for. A user limited to some locations sees only the claims of patients
they may reach (core/access.py); the payment's totals stay whole."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Paginator

from medoffice.billing import explanations
from medoffice.core.access import in_scope_only, location_limit
from medoffice.formats.x12 import X12Error, read_transactions
from medoffice.formats.x12.remittance import PAYMENT_METHODS, parse_835
from medoffice.payments.denials import line_denied
from medoffice.payments.models import EraClaim, EraFile, SuspenseItem

CLAIMS_PER_PAGE = 50
# What the claims can be narrowed to, with the words of the page's choice.
SHOW = {
    "all": "All claims",
    "denied": "Denied",
    "suspense": "In suspense",
    "patient": "Patient owes",
}


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
    denied: bool = False


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

    @property
    def denied(self) -> bool:
        return any(line.denied for line in self.lines)

    @property
    def in_suspense(self) -> bool:
        return bool(self.suspense) or any(line.suspense for line in self.lines)

    @property
    def patient_id(self) -> int | None:
        """Our patient, when the claim was matched to one of ours."""
        claim = self.record.claim if self.record else None
        return claim.patient_id if claim else None

    def shown_for(self, show: str) -> bool:
        if show == "denied":
            return self.denied
        if show == "suspense":
            return self.in_suspense
        if show == "patient":
            return bool(self.patient_responsibility)
        return True

    def matches(self, text: str) -> bool:
        """The claim asked for by our number, the payer's, or the patient's name."""
        text = text.casefold()
        return any(
            text in value.casefold() for value in (self.pcn, self.payer_claim_number, self.patient)
        )


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
                    line_denied(c.status, s),
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


@dataclass
class EraPage:
    """One page of an ERA's claims as the user asked for them."""

    payments: list  # PaymentView, each with only this page's claims
    page: object  # Paginator page of (PaymentView, ClaimView)
    counts: dict  # SHOW key -> how many claims the user may see are of that kind
    hidden: int  # claims of patients outside a location-limited user's reach


def era_page(
    payments: list[PaymentView], user, *, show: str = "all", text: str = "", page: object = 1
) -> EraPage:
    rows = [(payment, claim) for payment in payments for claim in payment.claims]
    if location_limit(user) is not None:
        # Unmatched claims name no patient of ours: only a user of the whole practice sees them.
        matched = [row for row in rows if row[1].patient_id is not None]
        visible = in_scope_only(user, matched, patient_id_of=lambda row: row[1].patient_id)
    else:
        visible = rows
    counts = {key: sum(1 for _, claim in visible if claim.shown_for(key)) for key in SHOW}
    chosen = [
        (payment, claim)
        for payment, claim in visible
        if claim.shown_for(show) and (not text or claim.matches(text))
    ]
    shown = Paginator(chosen, CLAIMS_PER_PAGE).get_page(page)
    grouped: dict[int, PaymentView] = {}
    for payment, claim in shown.object_list:
        if id(payment) not in grouped:
            grouped[id(payment)] = PaymentView(
                payment.trace, payment.payer, payment.method, payment.total, payment.date,
                [], payment.provider_adjustments,
            )  # fmt: skip
        grouped[id(payment)].claims.append(claim)
    return EraPage(list(grouped.values()), shown, counts, len(rows) - len(visible))
