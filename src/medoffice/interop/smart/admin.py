"""Configuration -> SMART apps: the administrator registers the apps that may use the FHIR API.

A staff app (public: a browser or phone app with PKCE only; confidential: a server with a
secret) gets its redirect URIs and the scopes it may ask for. A backend service gets the
public keys it signs client assertions with (JWKS) and a role: registering it creates its
own non-interactive service account with that role (AC-01), so what it may read is the
role table's answer, as for a person, and its reads are audited under its own name.
django-oauth-toolkit registers this screen (its APPLICATION_ADMIN_CLASS setting).
A confidential app's secret is shown once, when it is made; only its hash is kept.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from jwcrypto import jwk
from oauth2_provider.models import AbstractApplication

from medoffice.core.access import practice_for
from medoffice.core.admin import PracticeScopedAdmin
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create
from medoffice.interop.smart import scopes as smart_scopes
from medoffice.interop.smart.models import AppKind, SmartApp


class SmartAppForm(forms.ModelForm):
    service_role = forms.ChoiceField(
        choices=[("", "---------"), *Role.choices],
        required=False,
        help_text="Backend services: the role its service account holds.",
    )

    class Meta:
        model = SmartApp
        fields = ("name", "kind", "client_type", "redirect_uris", "allowed_scopes", "jwks")

    def clean_allowed_scopes(self):
        text = self.cleaned_data["allowed_scopes"]
        bad = [s for s in text.split() if not smart_scopes.is_valid(s)]
        if bad:
            raise ValidationError(f"Unknown scopes: {', '.join(bad)}")
        return " ".join(text.split())

    def clean_jwks(self):
        value = self.cleaned_data["jwks"] or {}
        if value:
            try:
                keys = jwk.JWKSet()
                keys.import_keyset(json.dumps(value))
            except Exception as exc:  # jwcrypto raises several kinds for bad key sets
                raise ValidationError(f"Not a JWK set: {exc}") from exc
            if any(key.has_private for key in keys["keys"]):
                raise ValidationError("Register public keys only: this set holds a private key.")
        return value

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        scopes = (data.get("allowed_scopes") or "").split()
        system = [s for s in scopes if s.startswith("system/")]
        if kind == AppKind.BACKEND:
            if not data.get("jwks"):
                self.add_error("jwks", "A backend service needs its public keys (JWKS).")
            if not self.instance.pk and not data.get("service_role"):
                self.add_error("service_role", "Choose the role its service account holds.")
            if len(system) != len(scopes):
                self.add_error("allowed_scopes", "A backend service asks for system/ scopes.")
        elif system:
            self.add_error("allowed_scopes", "Only a backend service may have system/ scopes.")
        elif not data.get("redirect_uris"):
            self.add_error("redirect_uris", "A staff app needs at least one redirect URI.")
        return data


class SmartAppAdmin(PracticeScopedAdmin):
    form = SmartAppForm
    list_display = ("name", "kind", "client_type", "client_id", "created")
    readonly_fields = ("client_id",)

    def get_fields(self, request, obj=None):
        fields = ["name", "kind", "client_type", "redirect_uris", "allowed_scopes", "jwks"]
        if obj is None:
            fields.append("service_role")
        return [*fields, "client_id"] if obj else fields

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        secret = ""  # nosec B105 - none yet: made below for a confidential staff app
        if not change:
            obj.practice = practice_for(request.user)
            obj.skip_authorization = False
            obj.algorithm = AbstractApplication.RS256_ALGORITHM
            if obj.kind == AppKind.BACKEND:
                obj.authorization_grant_type = AbstractApplication.GRANT_CLIENT_CREDENTIALS
                obj.client_type = AbstractApplication.CLIENT_CONFIDENTIAL
                obj.user = staff_user_create(
                    username=f"app-{get_random_string(10).lower()}",
                    password=None,
                    role=form.cleaned_data["service_role"],
                    practice=obj.practice,
                    first_name=obj.name[:150],
                    last_name="(service)",
                )
                obj.client_secret = ""  # nosec B105 - authenticates by key, not secret
            else:
                obj.authorization_grant_type = AbstractApplication.GRANT_AUTHORIZATION_CODE
                obj.user = request.user
                secret = get_random_string(40)
                obj.client_secret = (
                    secret if obj.client_type == AbstractApplication.CLIENT_CONFIDENTIAL else ""
                )
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditAction.PRIVILEGE_CHANGE,
            obj=obj,
            category="security",
            detail=f"smart app {obj.client_id} {'changed' if change else 'registered'}",
        )
        if secret and obj.client_type == AbstractApplication.CLIENT_CONFIDENTIAL:
            messages.warning(request, f"Client secret (shown once, copy it now): {secret}")
