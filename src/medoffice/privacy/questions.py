"""The HIPAA Security Rule risk assessment questionnaire, one question per standard or
implementation specification that an office our size must look at (45 CFR 164.308-316).

Keys are stable: answers of different years are compared by key.
"""

from dataclasses import dataclass

ADMINISTRATIVE = "administrative"
PHYSICAL = "physical"
TECHNICAL = "technical"
SAFEGUARDS = (
    (ADMINISTRATIVE, "Administrative safeguards (164.308)"),
    (PHYSICAL, "Physical safeguards (164.310)"),
    (TECHNICAL, "Technical safeguards (164.312)"),
)


@dataclass(frozen=True)
class Question:
    key: str
    safeguard: str
    citation: str
    text: str


QUESTIONS: tuple[Question, ...] = (
    Question("risk-analysis", ADMINISTRATIVE, "164.308(a)(1)(ii)(A)",
             "Is there a current, accurate assessment of the risks to ePHI, repeated yearly?"),
    Question("activity-review", ADMINISTRATIVE, "164.308(a)(1)(ii)(D)",
             "Are audit logs, access reports and emergency accesses reviewed regularly?"),
    Question("security-official", ADMINISTRATIVE, "164.308(a)(2)",
             "Is one person named responsible for security policies and procedures?"),
    Question("workforce-access", ADMINISTRATIVE, "164.308(a)(3)-(4)",
             "Do staff get the minimum access their role needs, removed when they leave?"),
    Question("training", ADMINISTRATIVE, "164.308(a)(5)",
             "Has every workforce member completed security awareness training this year?"),
    Question("incident-procedures", ADMINISTRATIVE, "164.308(a)(6)",
             "Are security incidents identified, logged, mitigated and documented?"),
    Question("contingency", ADMINISTRATIVE, "164.308(a)(7)",
             "Are backups taken, stored off-site, encrypted, and a restore tested?"),
    Question("business-associates", ADMINISTRATIVE, "164.308(b)",
             "Does every vendor handling PHI have a signed business associate agreement?"),
    Question("facility-access", PHYSICAL, "164.310(a)",
             "Are server rooms, records rooms and after-hours access controlled?"),
    Question("workstation-security", PHYSICAL, "164.310(b)-(c)",
             "Are screens placed away from the public and workstations locked when left?"),
    Question("device-media", PHYSICAL, "164.310(d)",
             "Are disks and devices wiped or destroyed before disposal or reuse?"),
    Question("unique-ids", TECHNICAL, "164.312(a)(2)(i)",
             "Does every person sign in with their own account (no shared logins)?"),
    Question("emergency-access", TECHNICAL, "164.312(a)(2)(ii)",
             "Is there an emergency access procedure, and is every use reviewed?"),
    Question("automatic-logoff", TECHNICAL, "164.312(a)(2)(iii)",
             "Do sessions end after a period of inactivity?"),
    Question("encryption", TECHNICAL, "164.312(a)(2)(iv), (e)(2)(ii)",
             "Is ePHI encrypted at rest and in transit (disks, backups, HTTPS)?"),
    Question("audit-controls", TECHNICAL, "164.312(b)",
             "Is activity on ePHI recorded in a tamper-evident audit trail?"),
    Question("integrity", TECHNICAL, "164.312(c)",
             "Are files and records protected against improper change, and changes detected?"),
    Question("authentication", TECHNICAL, "164.312(d)",
             "Do staff sign in with a second factor (authenticator app)?"),
)  # fmt: skip

BY_KEY = {q.key: q for q in QUESTIONS}


def risk_rating(likelihood: int | None, impact: int | None) -> tuple[int | None, str]:
    """Score = likelihood x impact (each 1-5), and its band on the usual 5x5 matrix."""
    if not likelihood or not impact:
        return None, ""
    score = likelihood * impact
    if score >= 15:
        return score, "high"
    if score >= 8:
        return score, "medium"
    return score, "low"
