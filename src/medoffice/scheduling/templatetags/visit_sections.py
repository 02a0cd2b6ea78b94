"""{% visit_sections appointment "panel" %}: what other apps add to a visit's screens
(scheduling/hooks.py). Each section decides itself who may see it."""

from django import template
from django.utils.safestring import mark_safe

from medoffice.scheduling.hooks import visit_sections as _sections

register = template.Library()


@register.simple_tag(takes_context=True)
def visit_sections(context, appointment, screen: str) -> str:
    request = context.get("request")
    if appointment is None or request is None:
        return ""
    # Each section renders through a template with autoescaping: its output is safe HTML.
    return mark_safe("\n".join(_sections(request, appointment, screen)))  # noqa: S308
