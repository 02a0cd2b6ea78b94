"""Reading the superbill page's form: which boxes are ticked, units, modifiers, pointers.

Each code appears once on the page: a diagnosis box `dx` (value: the code), a
service box `svc` with `units-<code>`, `mod-<code>` and `ptr-<code>` beside it.
Diagnoses already on the encounter keep their order (a number typed in
`dxorder-<code>` moves one); new ones follow in the order on the page. Lines
likewise. Pointers are typed as letters (A B), diagnosis codes (E11.9) or left
blank for the first four diagnoses.
"""

import re

from django import forms

from medoffice.billing.rules import LineInput
from medoffice.coding.loaders import normalize_icd10

HEADER_FIELDS = (
    "place_of_service", "referring_provider_name", "referring_provider_npi", "prior_authorization",
)  # fmt: skip


def _unique(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[\s,;]+", text.strip()) if part)


def _order_key(code: str, position: int, existing: list[str], post) -> tuple:
    typed = post.get(f"dxorder-{code}", "").strip()
    if typed.isdigit():
        return (0, int(typed), position)
    if code in existing:
        return (1, existing.index(code), position)
    return (2, 0, position)


def superbill_from_post(post, *, existing_dx: list[str], existing_lines: list[str]):
    """(diagnoses, lines, header) as the services take them."""
    diagnoses = _unique(normalize_icd10(code) for code in post.getlist("dx"))
    diagnoses = [
        code
        for _, code in sorted(
            (_order_key(code, n, existing_dx, post), code) for n, code in enumerate(diagnoses)
        )
    ]
    services = _unique(code.strip().upper() for code in post.getlist("svc"))
    services.sort(key=lambda c: (existing_lines.index(c) if c in existing_lines else 99, 0))
    lines = [
        LineInput(
            code=code,
            units=post.get(f"units-{code}", "1").strip() or "1",
            modifiers=tuple(m.upper() for m in _split(post.get(f"mod-{code}", ""))),
            pointers=_split(post.get(f"ptr-{code}", "")),
        )
        for code in services
    ]
    header = {name: post.get(name, "") for name in HEADER_FIELDS if name in post}
    return diagnoses, lines, header


class CodeSearchForm(forms.Form):
    kind = forms.ChoiceField(choices=[("diagnosis", "Diagnosis"), ("service", "Service")])
    q = forms.CharField(max_length=60, required=False)


class QueueFilterForm(forms.Form):
    provider = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    payer = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, providers=(), payers=()):
        super().__init__(data)
        self.fields["provider"].choices = [("", "All providers")] + [
            (p.pk, str(p)) for p in providers
        ]
        self.fields["payer"].choices = [("", "All payers")] + [(p.pk, p.name) for p in payers]
