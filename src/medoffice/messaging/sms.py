"""Text message gateways: `send_sms(to, body) -> provider message id`, and the check of the
gateway's signature on replies it posts to us. Transport only: no decisions, no logging
of numbers or text.

Backends (settings.SMS_BACKEND):
- "outbox" (default): keeps each text in the SmsOutbox table and sends nothing; for
  the demo, development and offices that have no gateway yet.
- "twilio": POSTs to Twilio's Messages resource, form-encoded with basic auth
  (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_FROM_NUMBER; TWILIO_API_BASE can
  point at a stand-in server for tests).
"""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

from django.conf import settings

TIMEOUT_SECONDS = 15


class SmsSendError(Exception):
    """The gateway refused or could not be reached; str() is safe to store, not to log."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class SmsGateway(Protocol):
    name: str

    def send_sms(self, to: str, body: str) -> str: ...


class OutboxGateway:
    name = "outbox"

    def send_sms(self, to: str, body: str) -> str:
        from medoffice.messaging.models import SmsOutbox

        provider_id = f"outbox-{uuid.uuid4().hex}"
        SmsOutbox.objects.create(provider_message_id=provider_id, to=to, body=body)
        return provider_id


class TwilioGateway:
    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, from_number: str, base_url: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.base_url = base_url.rstrip("/")

    def send_sms(self, to: str, body: str) -> str:
        sid = urllib.parse.quote(self.account_sid, safe="")
        url = f"{self.base_url}/2010-04-01/Accounts/{sid}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.from_number, "Body": body})
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is from settings, http(s) only
            url,
            data=data.encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            text, code = _twilio_error(exc)
            raise SmsSendError(text, code=code) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsSendError(f"Twilio could not be reached: {exc}", code="unreachable") from exc
        except ValueError as exc:
            raise SmsSendError("Twilio answered with something that is not JSON") from exc
        provider_id = answer.get("sid") if isinstance(answer, dict) else None
        if not provider_id:
            raise SmsSendError("Twilio's answer has no message sid")
        return str(provider_id)


def _twilio_error(exc: urllib.error.HTTPError) -> tuple[str, str]:
    """(what to record, Twilio's error code) from a refusal's JSON body."""
    try:
        detail = json.loads(exc.read() or b"{}")
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    code = str(detail.get("code", ""))
    text = f"Twilio refused the message (HTTP {exc.code}" + (f", error {code})" if code else ")")
    if detail.get("message"):
        text += f": {detail['message']}"
    return text, code or str(exc.code)


def sms_gateway() -> SmsGateway:
    if settings.SMS_BACKEND == "twilio":
        return TwilioGateway(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            base_url=settings.TWILIO_API_BASE,
        )
    return OutboxGateway()


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 over the URL and the sorted POST fields."""
    payload = url + "".join(
        name + value for name in sorted(params) for value in sorted(set(params[name]))
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """Twilio signs the URL as configured, with or without the default port."""
    parts = urllib.parse.urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    variants = [url]
    if parts.port is None and default_port:
        variants.append(urllib.parse.urlunsplit(parts._replace(netloc=f"{host}:{default_port}")))
    elif parts.port == default_port:
        variants.append(urllib.parse.urlunsplit(parts._replace(netloc=host)))
    return variants


def is_authentic_twilio_request(
    *, auth_token: str, url: str, params: Mapping[str, Sequence[str]], signature: str
) -> bool:
    if not (auth_token and signature):
        return False
    return any(
        hmac.compare_digest(twilio_signature(auth_token, variant, params), signature)
        for variant in _url_variants(url)
    )
