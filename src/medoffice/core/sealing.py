"""Sensitive fields sealed at rest (SECURITY.md AC-08, DP-03): AES-256-GCM per value.

A sealed value is stored as text: ``mo1$<key id>$<base64url(nonce + ciphertext + tag)>``.
The key id names the key it was sealed under, so `medoffice keys rotate` can re-seal every
value under the current key while older keys stay configured for reading. The field's
name (``app.model.field``) is the associated data: a value copied into another column
does not open.

Keys come from the environment (settings.FIELD_KEYS, the first one current); the database
holds none of them. Equality search over a sealed field goes through a keyed HMAC-SHA-256
"blind index" (settings.FIELD_INDEX_KEY), which is stable across rotations.
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "mo1"
NONCE_BYTES = 12


class SealError(Exception):
    """A stored value that cannot be opened (unknown key id, damaged, moved between fields)."""


def parse_keys(text: str, where: str) -> dict[str, bytes]:
    """``kid=base64key,kid2=base64key`` -> {kid: key}, in the order given (first = current)."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kid, sep, encoded = item.partition("=")
        kid = kid.strip()
        if not sep or not kid.isalnum() or not kid.isascii() or len(kid) > 8:
            raise ImproperlyConfigured(
                f"{where}: each key is ID=BASE64 with an ID of 1-8 letters or digits"
            )
        try:
            key = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{where}: key {kid!r} is not base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"{where}: key {kid!r} must be 32 bytes, not {len(key)}")
        if kid in keys:
            raise ImproperlyConfigured(f"{where}: key id {kid!r} is given twice")
        keys[kid] = key
    return keys


def new_key_text(kid: str) -> str:
    """A fresh ``kid=base64key`` entry for MEDOFFICE_FIELD_KEYS."""
    return f"{kid}={base64.b64encode(secrets.token_bytes(32)).decode()}"


def current_key_id() -> str:
    return next(iter(settings.FIELD_KEYS))


def _aad(label: str) -> bytes:
    return f"{PREFIX}|{label}".encode()


def seal_bytes(plain: bytes, *, label: str) -> str:
    kid = current_key_id()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(settings.FIELD_KEYS[kid]).encrypt(nonce, plain, _aad(label))
    return f"{PREFIX}${kid}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def seal(plain: str, *, label: str) -> str:
    return seal_bytes(plain.encode(), label=label)


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX + "$")


def key_id_of(stored: str) -> str:
    return stored.split("$", 2)[1] if is_sealed(stored) else ""


def unseal(stored: str, *, label: str) -> str:
    return unseal_bytes(stored, label=label).decode()


def unseal_bytes(stored: str, *, label: str) -> bytes:
    try:
        prefix, kid, body = stored.split("$", 2)
    except ValueError as exc:
        raise SealError(f"{label}: not a sealed value") from exc
    if prefix != PREFIX:
        raise SealError(f"{label}: not a sealed value")
    key = settings.FIELD_KEYS.get(kid)
    if key is None:
        raise SealError(f"{label}: sealed under key {kid!r}, which is not configured")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(label))
    except (ValueError, InvalidTag) as exc:
        raise SealError(f"{label}: damaged or moved from another field") from exc


def blind_index(value: str, *, label: str) -> str:
    """The keyed digest an equality search compares; '' for an empty value."""
    if not value:
        return ""
    message = f"{label}|{value}".encode()
    return hmac.new(settings.FIELD_INDEX_KEY, message, hashlib.sha256).hexdigest()


def member_id_index(member_id: str) -> str:
    """Member ids compare without case (eligibility answers match them that way)."""
    return blind_index(member_id.strip().upper(), label="patients.coverage.member_id")


class SealedCharField(models.CharField):
    """A CharField whose value is sealed in the database (a text column).

    `max_length` and validators apply to the plain value (forms, serializers). Lookups other
    than `isnull` cannot work on ciphertext: search through the blind index field named by
    `index_field`, which is filled on every save with `index_function(value)`.
    """

    def __init__(self, *args, index_field: str = "", index_function=None, **kwargs):
        self.index_field = index_field
        self.index_function = index_function
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.index_field:
            kwargs["index_field"] = self.index_field
            kwargs["index_function"] = self.index_function
        return name, path, args, kwargs

    @property
    def seal_label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def db_type(self, connection):
        return connection.data_types["TextField"] % {}

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def from_db_value(self, value, expression, connection):
        # A value stored before sealing was introduced reads as it is until the migration
        # or `medoffice keys rotate` seals it.
        if not value or not is_sealed(value):
            return value
        return unseal(value, label=self.seal_label)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if not value or not isinstance(value, str):
            return value
        return seal(value, label=self.seal_label)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.index_field:
            setattr(model_instance, self.index_field, self.index_function(value or ""))
        return value

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(
                f"{self.seal_label} is sealed: search it through {self.index_field or 'no index'}"
            )
        return super().get_lookup(lookup_name)


def sealed_fields():
    """(model, field) for every sealed field of every installed model."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, SealedCharField):
                yield model, field
