"""{% encounter_link appointment %}: the visit panel's link to its superbill, for those who
may open it. Only the opaque id is looked up: opening the encounter is what is audited."""

from django import template

from medoffice.billing.models import Encounter
from medoffice.core.policy import has_permission

register = template.Library()


@register.inclusion_tag("billing/appointment_link.html", takes_context=True)
def encounter_link(context, appointment) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if appointment is None or not has_permission(user, "billing.view_encounter"):
        return {"encounter": None}
    encounter = (
        Encounter.objects.filter(appointment=appointment).only("public_id", "status").first()
    )
    return {"encounter": encounter}
