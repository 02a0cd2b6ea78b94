"""The patients and tokens SMART views reach, through the same scope checks as the UI."""

from medoffice.core.access import practice_id_for
from medoffice.patients.access import patient_get_for_user
from medoffice.patients.models import Patient


def launch_patient_for_user(user, mrn: str) -> Patient | None:
    """The patient of the user's practice with this MRN, read (and audited) as the chart
    would be, or None when there is none (or the user may not see patients: 403)."""
    mrn = (mrn or "").strip().upper()
    found = (
        Patient.objects.filter(practice_id=practice_id_for(user), mrn=mrn)
        .values_list("public_id", flat=True)
        .first()
    )
    if found is None:
        return None
    return patient_get_for_user(user, found)
