"""The only way views and the API reach eligibility checks: practice scope, permission,
audit (AC-02, AU-01). Another practice's check, coverage or visit is reported as absent.

Seeing checks (`eligibility.view_eligibilitycheck`) and asking the payer
(`eligibility.run_eligibilitycheck`) belong to the front desk, billers and the office
manager (core/roles.py).
"""

from django.http import Http404

from medoffice.core.access import in_scope_only, location_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.eligibility import selectors
from medoffice.eligibility.models import EligibilityCheck
from medoffice.patients.access import coverage_get_for_user, require_permission
from medoffice.patients.models import Coverage
from medoffice.scheduling.access import appointment_get_for_user
from medoffice.scheduling.models import Appointment

VIEW = "eligibility.view_eligibilitycheck"
RUN = "eligibility.run_eligibilitycheck"
CATEGORY = "insurance"


def check_get_for_user(user, public_id) -> EligibilityCheck:
    practice_id = practice_id_for(user)
    check = (
        EligibilityCheck.objects.select_related(
            "coverage__payer", "patient", "requested_by", "appointment__location"
        )
        .filter(location_scope(user, "patient"), practice_id=practice_id, public_id=public_id)
        .first()
    )
    if check is None:
        raise Http404
    require_permission(user, VIEW, patient=check.patient, category=CATEGORY)
    audit_record(action=AuditAction.READ, obj=check, patient=check.patient, category=CATEGORY)
    return check


def coverage_for_user(user, public_id, *, permission: str = VIEW) -> Coverage:
    """The coverage to ask about or to show the checks of (its read is audited with them)."""
    return coverage_get_for_user(user, public_id, permission=permission, audit=False)


def appointment_for_user(user, public_id, *, permission: str = RUN) -> Appointment:
    """The visit to ask about (asking is audited as the check's creation)."""
    return appointment_get_for_user(user, public_id, permission=permission, audit=False)


def checks_for_coverage(user, coverage: Coverage) -> list[EligibilityCheck]:
    require_permission(user, VIEW, patient=coverage.patient, category=CATEGORY)
    checks = selectors.check_list_for_coverage(coverage.pk)
    audit_record(
        action=AuditAction.READ, obj=coverage, patient=coverage.patient, category=CATEGORY,
        detail=f"{len(checks)} eligibility checks listed",
    )  # fmt: skip
    return checks


def check_list_for_user(user, *, status="", date_from=None, date_to=None, coverage=None):
    practice_id = practice_id_for(user)
    require_permission(user, VIEW, category=CATEGORY)
    if coverage is not None:
        checks = selectors.check_list_for_coverage(coverage.pk)
    else:
        checks = selectors.check_list(
            practice_id=practice_id, status=status, date_from=date_from, date_to=date_to
        )
        checks = in_scope_only(user, checks)
    audit_record(
        action=AuditAction.READ, object_type="eligibility.eligibilitycheck", category=CATEGORY,
        patient=coverage.patient if coverage is not None else None,
        detail=f"{len(checks)} eligibility checks listed",
    )  # fmt: skip
    return checks
