"""Scheduling screens. Thin: access, then render."""

from django.views.decorators.http import require_GET

from medoffice.core.policy import requires
from medoffice.patients import access as patient_access
from medoffice.patients.views import render_patient_tab
from medoffice.scheduling import access


@requires("scheduling.view_appointment")
@require_GET
def patient_appointments(request, public_id):
    patient = patient_access.patient_get_for_user(request.user, public_id, audit=False)
    appointments = access.appointment_list_for_patient(request.user, patient)
    return render_patient_tab(
        request,
        patient,
        "appointments",
        {"appointments": appointments},
        template="scheduling/tab_appointments.html",
    )
