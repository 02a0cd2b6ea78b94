"""A general-ledger journal as CSV and as a QuickBooks IIF import file.

Pure: frozen records in, bytes out, no Django. Each transaction's lines must balance
(debits equal credits); the renderers refuse one that does not rather than write a
file the books would reject. IIF: tab-separated, !TRNS/!SPL/!ENDTRNS headers, one
TRNS line then SPL lines per transaction, amounts signed (debit positive, credit
negative), dates MM/DD/YYYY, and the transaction's amounts summing to zero.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Posting:
    account: str
    account_type: str
    debit: Decimal
    credit: Decimal
    memo: str = ""


@dataclass(frozen=True)
class Transaction:
    number: int
    day: date
    source: str
    reference: str
    postings: tuple[Posting, ...]

    @property
    def balance(self) -> Decimal:
        return sum((p.debit - p.credit for p in self.postings), Decimal("0.00"))


class UnbalancedError(ValueError):
    pass


def _check(transactions) -> None:
    for t in transactions:
        if t.balance != 0:
            raise UnbalancedError(
                f"transaction {t.number} ({t.source} {t.day}) is off by {t.balance}"
            )


def render_csv(transactions: list[Transaction]) -> bytes:
    _check(transactions)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Entry", "Date", "Source", "Reference", "Account", "Debit", "Credit", "Memo"])
    for t in transactions:
        for p in t.postings:
            writer.writerow([
                t.number, t.day.isoformat(), t.source, t.reference, p.account,
                f"{p.debit:.2f}" if p.debit else "", f"{p.credit:.2f}" if p.credit else "",
                p.memo,
            ])  # fmt: skip
    return out.getvalue().encode()


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ").replace('"', "'")


def render_iif(transactions: list[Transaction]) -> bytes:
    _check(transactions)
    lines = [
        "!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tDOCNUM\tMEMO",
        "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tDOCNUM\tMEMO",
        "!ENDTRNS",
    ]
    for t in transactions:
        for n, p in enumerate(t.postings):
            kind = "TRNS" if n == 0 else "SPL"
            amount = p.debit - p.credit
            lines.append("\t".join([
                kind, "", "GENERAL JOURNAL", f"{t.day:%m/%d/%Y}", _clean(p.account),
                f"{amount:.2f}", _clean(t.reference)[:20], _clean(p.memo or t.source),
            ]))  # fmt: skip
        lines.append("ENDTRNS")
    return ("\r\n".join(lines) + "\r\n").encode()
