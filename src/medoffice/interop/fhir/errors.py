"""FHIR refusals: every error the FHIR API gives is an OperationOutcome with an HTTP status."""

from dataclasses import dataclass, field


@dataclass
class FhirError(Exception):
    """Raised anywhere below the FHIR views; answered as an OperationOutcome.

    `code` is a FHIR issue-type code (invalid, not-found, conflict, forbidden, login,
    not-supported, business-rule, processing, duplicate); `expression` names the element
    or search parameter at fault.
    """

    status: int
    code: str
    diagnostics: str
    expression: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    more_issues: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        return self.diagnostics


def issue(code: str, diagnostics: str, *, severity: str = "error", expression=()) -> dict:
    out: dict = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        out["expression"] = list(expression)
    return out


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def from_validation_error(exc, *, status: int = 422) -> FhirError:
    """A Django ValidationError of a service (field -> messages) as one issue per message."""
    if hasattr(exc, "error_dict"):
        pairs = [(name, m) for name, messages in exc.message_dict.items() for m in messages]
    else:
        pairs = [("", m) for m in exc.messages]
    issues = [
        issue(
            "business-rule" if status == 422 else "invalid",
            message,
            expression=(name,) if name and name != "__all__" else (),
        )
        for name, message in pairs
    ] or [issue("invalid", "Refused.")]
    first = issues[0]
    return FhirError(
        status,
        first["code"],
        first["diagnostics"],
        tuple(first.get("expression", ())),
        more_issues=issues[1:],
    )
