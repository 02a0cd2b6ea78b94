"""The second factor (SECURITY.md AC-07): TOTP devices (RFC 6238) and recovery codes.

A session is fully signed in only once django-otp has recorded the device that
verified it (`request.user.is_verified()`); SecondFactorMiddleware keeps every
other page closed until then. TOTP tokens are single-use: django-otp keeps the
last accepted time step per device and refuses it and every earlier one.
Recovery codes are stored as SHA-256 digests only, and each works once.
"""

import base64
import hashlib
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from medoffice.core.audit import audit_record
from medoffice.core.models import (
    AuditAction,
    RecoveryCode,
    RecoveryCodeDevice,
    SealedTOTPDevice,
)
from medoffice.core.sealing import SealError, seal, unseal
from medoffice.core.sessions import user_sessions_end

RECOVERY_CODE_COUNT = 10
# TOTP tolerance in steps of 30 s either side: phone clocks drift.
TOLERANCE = 1


PENDING_LABEL = "session.mfa_pending_key"


def totp_device_for(user) -> SealedTOTPDevice | None:
    """The user's authenticator; its secret is sealed at rest (AC-08)."""
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def pending_key_seal(key_hex: str) -> str:
    return seal(key_hex, label=PENDING_LABEL)


def pending_key_open(stored) -> str | None:
    """The secret of an enrolment in progress, or None (none yet, or sealed under a key
    no longer configured: the user scans a new one)."""
    if not isinstance(stored, str):
        return None
    try:
        return unseal(stored, label=PENDING_LABEL)
    except SealError:
        return None


def recovery_device_for(user) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def new_totp_key() -> str:
    """A fresh 20-byte TOTP secret, hex-encoded as django-otp stores it."""
    return secrets.token_hex(20)


def totp_key_base32(key_hex: str) -> str:
    """The secret as authenticator apps take it when typed in."""
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


def totp_config_url(*, user, key_hex: str) -> str:
    """The otpauth:// address the enrolment QR code carries."""
    device = TOTPDevice(user=user, key=key_hex, name="authenticator")
    return device.config_url


def qr_svg(text: str) -> str:
    """Inline SVG markup of a QR code: no script, no style attribute (the CSP allows it)."""
    return segno.make(text, error="m").svg_inline(scale=4, border=4, light="#fff")


def totp_matches(key_hex: str, token: str) -> int | None:
    """The time step `token` belongs to, if it is a current code for `key_hex`."""
    token = token.strip().replace(" ", "")
    if not token.isdigit() or len(token) != 6:
        return None
    totp = TOTP(bytes.fromhex(key_hex))
    if totp.verify(int(token), tolerance=TOLERANCE):
        return totp.t()
    return None


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_code_digest(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = secrets.token_hex(6)  # 48 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with ten new ones; returned in clear, only here."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes")
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=recovery_code_digest(code)) for code in codes
    )
    return codes


@transaction.atomic
def mfa_enrol(*, user, key_hex: str, token: str, keep_session: str | None = None):
    """Confirm a new authenticator with a current code from it.

    Returns (device, recovery codes) or None when the code does not match. The new device
    replaces any earlier one; the user's other sessions end (AC-06).
    """
    step = totp_matches(key_hex, token)
    if step is None:
        return None
    TOTPDevice.objects.filter(user=user).delete()
    # The code just typed counts as used: it cannot sign in again.
    device = SealedTOTPDevice.objects.create(
        user=user, key=key_hex, name="authenticator", confirmed=True, last_t=step
    )
    codes = recovery_codes_issue(user=user)
    ended = user_sessions_end(user_id=user.pk, keep=keep_session)
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        category="security",
        detail=f"second factor enrolled; {len(codes)} recovery codes issued;"
        f" {ended} other sessions ended",
    )
    return device, codes


@transaction.atomic
def mfa_reset(*, user) -> int:
    """Remove the user's authenticator and recovery codes (lost phone): the next sign-in
    enrols again. Ends every session of the user; returns how many."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    ended = user_sessions_end(user_id=user.pk)
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        category="security",
        detail=f"second factor reset; {ended} sessions ended",
    )
    return ended


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER
