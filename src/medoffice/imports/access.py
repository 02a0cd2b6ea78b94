"""Loading import runs for a user: only their own practice's, else 404 (AC-02); every
look at a run's report is audited (it names the records made from the file)."""

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.imports.models import ImportRun


def import_run_get_for_user(user, public_id) -> ImportRun:
    run = ImportRun.objects.filter(practice_id=practice_id_for(user), public_id=public_id).first()
    if run is None:
        raise Http404
    audit_record(action=AuditAction.READ, obj=run, category="imports", detail="import report")
    return run


def import_run_list_for_user(user) -> list[ImportRun]:
    runs = list(
        ImportRun.objects.filter(practice_id=practice_id_for(user))
        .defer("report", "content")
        .order_by("-started_at", "-id")[:200]
    )
    audit_record(
        action=AuditAction.QUERY, object_type="imports.importrun", category="imports",
        detail=f"{len(runs)} import runs listed",
    )  # fmt: skip
    return runs
