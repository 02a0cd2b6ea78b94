"""Loading remittance records for a user: only their own practice's, else 404 (AC-02)."""

from django.http import Http404

from medoffice.core.access import practice_id_for
from medoffice.payments.models import EraFile, SuspenseItem


def era_file_get_for_user(user, public_id) -> EraFile:
    found = EraFile.objects.filter(practice_id=practice_id_for(user), public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def suspense_item_get_for_user(user, public_id) -> SuspenseItem:
    found = SuspenseItem.objects.filter(
        practice_id=practice_id_for(user), public_id=public_id
    ).first()
    if found is None:
        raise Http404
    return found
