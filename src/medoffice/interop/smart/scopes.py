"""SMART on FHIR scopes: what a token lets its app do, decided without the database.

Clinical scopes are `<context>/<resource>.<access>`:
- context `patient` (only the launch patient's records), `user` (what the signed-in staff
  user may see, by role) or `system` (a backend service, by its service user's role);
- resource a FHIR type or `*`;
- access in SMART v1 words (`read`, `write`, `*`) or v2 letters (`c`reate, `r`ead,
  `u`pdate, `d`elete, `s`earch, e.g. `rs`, `cruds`).
Other scopes: `launch/patient` (pick a patient at approval), `openid` and `fhirUser` (an
id_token naming the user), `offline_access` (a refresh token).

A scope never widens a role: the FHIR layer asks both (the token's scopes here, the user's
role permissions in the role table), and both must agree.
"""

import re
from dataclasses import dataclass

CONTEXTS = ("patient", "user", "system")
# FHIR interactions in SMART v2 letters.
INTERACTIONS = {
    "read": "r",
    "vread": "r",
    "history": "r",
    "search": "s",
    "create": "c",
    "update": "u",
    "patch": "u",
    "delete": "d",
}
_V1_ACCESS = {"read": frozenset("rs"), "write": frozenset("cud"), "*": frozenset("cruds")}
_CLINICAL = re.compile(
    r"^(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]{1,63})\."
    r"(?P<access>read|write|\*|c?r?u?d?s?)(?:\?.*)?$"
)
OTHER_SCOPES = {
    "launch/patient": "Choose the patient this app works with",
    "openid": "Know who you are (OpenID Connect)",
    "fhirUser": "Know your user record (Practitioner)",
    "offline_access": "Stay connected after you sign out (refresh token)",
    "online_access": "Stay connected while you are signed in (refresh token)",
}
_CONTEXT_WORDS = {
    "patient": "the chosen patient's",
    "user": "the records you may see:",
    "system": "all records its service role may see:",
}
_ACCESS_WORDS = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}


class ScopeError(ValueError):
    """A scope we do not understand: the request is refused (invalid_scope)."""


@dataclass(frozen=True)
class ClinicalScope:
    context: str
    resource_type: str  # "*" for every type
    letters: frozenset[str]

    def covers(self, resource_type: str, letter: str) -> bool:
        return self.resource_type in ("*", resource_type) and letter in self.letters


def parse_clinical(scope: str) -> ClinicalScope | None:
    """The clinical scope `scope` names, None for a non-clinical one; ScopeError if malformed.

    v2 search qualifiers (`?category=...`) are accepted and ignored: the grant is narrower
    in the app's mind, never wider than we enforce.
    """
    if scope in OTHER_SCOPES:
        return None
    match = _CLINICAL.match(scope)
    if match is None or match["access"] == "":
        raise ScopeError(f"unknown scope {scope!r}")
    access = match["access"]
    letters = _V1_ACCESS.get(access) or frozenset(access)
    return ClinicalScope(match["context"], match["type"], letters)


def is_valid(scope: str) -> bool:
    try:
        parse_clinical(scope)
    except ScopeError:
        return False
    return True


def describe(scope: str) -> str:
    """The words the approval page shows for one scope."""
    if scope in OTHER_SCOPES:
        return OTHER_SCOPES[scope]
    clinical = parse_clinical(scope)
    what = "all record types" if clinical.resource_type == "*" else clinical.resource_type
    verbs = ", ".join(_ACCESS_WORDS[c] for c in "cruds" if c in clinical.letters)
    return f"{verbs.capitalize()} {_CONTEXT_WORDS[clinical.context]} {what}"


def within(requested: str, allowed: list[str]) -> bool:
    """Whether `requested` is no wider than one of the app's registered scopes."""
    if requested in allowed:
        return True
    want = parse_clinical(requested)
    if want is None:
        return False
    for grant in allowed:
        have = parse_clinical(grant)
        if (
            have is not None
            and have.context == want.context
            and have.resource_type in ("*", want.resource_type)
            and want.letters <= have.letters
        ):
            return True
    return False


@dataclass(frozen=True)
class Grant:
    """What one token's scopes allow."""

    scopes: tuple[str, ...]

    @classmethod
    def of(cls, scope_text: str) -> "Grant":
        return cls(tuple(s for s in scope_text.split() if s))

    @property
    def clinical(self) -> tuple[ClinicalScope, ...]:
        found = []
        for scope in self.scopes:
            try:
                parsed = parse_clinical(scope)
            except ScopeError:
                continue
            if parsed is not None:
                found.append(parsed)
        return tuple(found)

    def allows(self, resource_type: str, interaction: str) -> bool:
        letter = INTERACTIONS.get(interaction)
        return letter is not None and any(s.covers(resource_type, letter) for s in self.clinical)

    def patient_only(self, resource_type: str, interaction: str) -> bool:
        """True when only `patient/` scopes allow it: the launch patient's records alone."""
        letter = INTERACTIONS.get(interaction)
        broad = any(
            s.context != "patient" and s.covers(resource_type, letter or "") for s in self.clinical
        )
        return not broad

    @property
    def is_system(self) -> bool:
        return any(s.context == "system" for s in self.clinical)
