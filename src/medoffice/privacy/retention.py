"""AU-06 for security documentation: keep six years from creation or from when it was last
in effect, whichever is later (164.316(b)(2)(i)); the purge removes only older records.

- an incident: six years after it was closed (open incidents are never purged);
- a risk assessment: six years after the next year's assessment replaced it;
- a policy version and its acknowledgements: six years after the next version took effect;
- a training record: six years after it stopped being valid;
- a business associate agreement: six years after it was terminated or expired.

Disclosures (records app) are kept: their table refuses deletes (PR-01) and keeping them
longer than six years is allowed; the dry run reports how many are older than the limit.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.retention import retention_cutoff
from medoffice.privacy.models import (
    BusinessAssociate,
    PolicyAcknowledgement,
    PrivacyPolicy,
    RiskAssessment,
    SecurityIncident,
    TrainingRecord,
)


@dataclass(frozen=True)
class DocumentPurge:
    counts: dict[str, int]
    disclosures_kept: int


def _expired(cutoff):
    day = cutoff.date()
    incidents = SecurityIncident.objects.filter(closed_at__lt=cutoff)
    superseded = [
        a.pk
        for a in RiskAssessment.objects.all()
        if RiskAssessment.objects.filter(
            practice_id=a.practice_id, year__gt=a.year, started_at__lt=cutoff
        ).exists()
    ]
    assessments = RiskAssessment.objects.filter(pk__in=superseded)
    old_policies = [
        p.pk
        for p in PrivacyPolicy.objects.all()
        if PrivacyPolicy.objects.filter(
            practice_id=p.practice_id, title=p.title, effective_on__gt=p.effective_on,
            effective_on__lt=day,
        ).exists()
    ]  # fmt: skip
    policies = PrivacyPolicy.objects.filter(pk__in=old_policies)
    training = TrainingRecord.objects.filter(valid_until__lt=day)
    associates = BusinessAssociate.objects.filter(
        Q(terminated_on__lt=day) | Q(terminated_on__isnull=True, expires_on__lt=day)
    )
    return {
        "incidents": incidents,
        "risk assessments": assessments,
        "policy versions": policies,
        "training records": training,
        "business associates": associates,
    }


def documents_purge(*, dry_run: bool = True, now=None) -> DocumentPurge:
    from medoffice.records.models import Disclosure

    cutoff = retention_cutoff(now)
    with transaction.atomic():
        found = _expired(cutoff)
        counts = {name: qs.count() for name, qs in found.items()}
        if not dry_run:
            PolicyAcknowledgement.objects.filter(policy__in=found["policy versions"]).delete()
            for qs in found.values():
                qs.delete()
        kept = Disclosure.objects.filter(disclosed_at__lt=cutoff).count()
        audit_record(
            action=AuditAction.QUERY if dry_run else AuditAction.DELETE,
            object_type="privacy.documents",
            category="retention",
            detail=(
                f"retention purge{' dry run' if dry_run else ''}: "
                + ", ".join(f"{n} {name}" for name, n in counts.items())
                + f" before {cutoff:%Y-%m-%d}; {kept} older disclosures kept"
            )[:200],
        )
    return DocumentPurge(counts, kept)
