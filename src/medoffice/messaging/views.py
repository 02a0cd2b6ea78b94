"""A patient's Communications tab, and the inbound text webhook.

The webhook: the SMS gateway posts each reply here.

Public (no staff sign-in) with its own authentication: Twilio's X-Twilio-Signature
(HMAC-SHA1 with the auth token over the URL and the fields) when the twilio backend
is configured, otherwise the shared secret MEDOFFICE_SMS_WEBHOOK_TOKEN in the
X-MedOffice-Webhook-Token header. Bad input gets a problem document, never a 500;
a reply that cannot be acted on is recorded and answered 200, so the gateway does
not post it again.
"""

import hmac

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.api_errors import problem_response
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.policy import public, requires
from medoffice.messaging import access, services
from medoffice.messaging.sms import is_authentic_twilio_request
from medoffice.patients import access as patient_access
from medoffice.patients.search import to_e164
from medoffice.patients.views import render_patient_tab

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TOKEN_HEADER = "HTTP_X_MEDOFFICE_WEBHOOK_TOKEN"  # noqa: S105 - a header name, not a secret


class InboundTextForm(forms.Form):
    From = forms.CharField(max_length=32)
    Body = forms.CharField(max_length=1600, required=False, strip=False)
    MessageSid = forms.CharField(max_length=64, required=False)

    def clean_From(self) -> str:
        number = to_e164(self.cleaned_data["From"])
        if not number:
            raise forms.ValidationError("Not a phone number.")
        return number


def _is_authentic(request) -> bool:
    if settings.SMS_BACKEND == "twilio":
        return is_authentic_twilio_request(
            auth_token=settings.TWILIO_AUTH_TOKEN,
            url=settings.SMS_WEBHOOK_URL or request.build_absolute_uri(),
            params=dict(request.POST.lists()),
            signature=request.headers.get("X-Twilio-Signature", ""),
        )
    expected = settings.SMS_WEBHOOK_TOKEN
    given = request.META.get(TOKEN_HEADER, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@public
@csrf_exempt
@require_POST
def sms_inbound(request):
    if not _is_authentic(request):
        return problem_response(403, "Forbidden", "The request is not signed by the SMS gateway.")
    missing = [name for name in ("From", "Body") if name not in request.POST]
    form = InboundTextForm(request.POST)
    if missing or not form.is_valid():
        errors = {name: ["This field is required."] for name in missing}
        if not missing:
            errors = {name: list(messages) for name, messages in form.errors.items()}
        return problem_response(
            400, "Invalid input", "Correct the fields named in errors.", errors=errors
        )
    # The audit trail names the gateway as the actor of what the reply changes.
    gateway = Actor(
        user_id=None, username="sms-gateway", role="",
        client_ip=request.META.get("REMOTE_ADDR", ""),
        request_id=getattr(request, "request_id", ""),
    )  # fmt: skip
    token = set_actor(gateway)
    try:
        services.sms_reply_receive(
            number=form.cleaned_data["From"],
            body=form.cleaned_data["Body"],
            provider_message_id=form.cleaned_data["MessageSid"],
        )
    finally:
        reset_actor(token)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@requires("messaging.view_message")
@require_GET
def patient_messages(request, public_id):
    patient = patient_access.patient_get_for_user(request.user, public_id, audit=False)
    messages = access.message_list_for_patient(request.user, patient)
    return render_patient_tab(
        request, patient, "communications", {"messages": messages},
        template="messaging/tab_messages.html",
    )  # fmt: skip
