"""The OAuth 2.0 endpoints of SMART on FHIR and its discovery document.

django-oauth-toolkit serves the protocol; these wrappers declare each route's policy (the
URLconf walk in tests/core insists) and add SMART's parts: the approval page that also
picks the patient for `launch/patient`, and `/.well-known/smart-configuration`.
"""

from urllib.parse import urlsplit

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views

from medoffice.core.policy import AUTHENTICATED, public, requires
from medoffice.interop.smart import scopes as smart_scopes
from medoffice.interop.smart.access import launch_patient_for_user
from medoffice.interop.smart.forms import SmartAllowForm

SMART_CAPABILITIES = [
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "client-confidential-asymmetric",
    "sso-openid-connect",
    "context-standalone-patient",
    "permission-offline",
    "permission-patient",
    "permission-user",
    "permission-v1",
    "permission-v2",
    "authorize-post",
]


class SmartAuthorizationView(oauth_views.AuthorizationView):
    template_name = "smart/authorize.html"
    form_class = SmartAllowForm

    def get(self, request, *args, **kwargs):
        # SMART App Launch 2.0: PKCE with S256, nothing else (RFC 7636 "plain" refused).
        if request.GET.get("code_challenge_method") != "S256":
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "PKCE is required: code_challenge_method=S256",
                },
                status=400,
            )
        response = super().get(request, *args, **kwargs)
        return _allow_form_redirect(response, request.GET.get("redirect_uri", ""))

    def form_valid(self, form):
        scopes = form.cleaned_data.get("scope", "").split()
        if form.cleaned_data.get("allow") and "launch/patient" in scopes:
            patient = launch_patient_for_user(self.request.user, form.cleaned_data["patient"])
            if patient is None:
                form.add_error("patient", "No patient of this practice has this MRN.")
                return self.form_invalid(form)
            self.launch_patient = patient
        return super().form_valid(form)

    def form_invalid(self, form):
        application = self._application(form.data.get("client_id", ""))
        scopes = form.data.get("scope", "").split()
        context = self.get_context_data(
            form=form,
            application=application,
            scopes=scopes,
            scopes_descriptions=[_describe(s) for s in scopes],
        )
        response = self.render_to_response(context, status=422)
        return _allow_form_redirect(response, form.data.get("redirect_uri", ""))

    def create_authorization_response(self, request, scopes, credentials, allow):
        patient = getattr(self, "launch_patient", None)
        if patient is not None:
            credentials["launch_patient"] = patient
        return super().create_authorization_response(request, scopes, credentials, allow)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["wants_patient"] = "launch/patient" in (kwargs.get("scopes") or [])
        return context

    @staticmethod
    def _application(client_id: str):
        from oauth2_provider.models import get_application_model

        app = get_application_model().objects.filter(client_id=client_id).first()
        if app is None:
            raise Http404
        return app


def _describe(scope: str) -> str:
    return smart_scopes.describe(scope) if smart_scopes.is_valid(scope) else scope


def _allow_form_redirect(response, redirect_uri: str):
    """The approval form's answer redirects to the app: CSP form-action must allow its origin
    (browsers apply form-action to the redirect after a submit)."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https") and parts.netloc:
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
    return response


authorize = requires(AUTHENTICATED)(SmartAuthorizationView.as_view())
token = public(oauth_views.TokenView.as_view())
revoke_token = public(oauth_views.RevokeTokenView.as_view())
introspect = public(oauth_views.IntrospectTokenView.as_view())
jwks = public(oauth_views.JwksInfoView.as_view())
openid_configuration = public(oauth_views.ConnectDiscoveryInfoView.as_view())
userinfo = public(csrf_exempt(oauth_views.UserInfoView.as_view()))


@public
def smart_configuration(request):
    """SMART App Launch 2.0 discovery (/.well-known/smart-configuration)."""
    return JsonResponse(smart_configuration_document(request))


def smart_configuration_document(request) -> dict:
    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    issuer = url("oauth2_provider:oidc-connect-discovery-info").removesuffix(
        "/.well-known/openid-configuration"
    )
    return {
        "issuer": issuer,
        "jwks_uri": url("oauth2_provider:jwks-info"),
        "authorization_endpoint": url("oauth2_provider:authorize"),
        "token_endpoint": url("oauth2_provider:token"),
        "revocation_endpoint": url("oauth2_provider:revoke-token"),
        "introspection_endpoint": url("oauth2_provider:introspect"),
        "userinfo_endpoint": url("oauth2_provider:user-info"),
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "scopes_supported": [
            "openid",
            "fhirUser",
            "launch/patient",
            "offline_access",
            "patient/*.read",
            "patient/*.rs",
            "user/*.read",
            "user/*.rs",
            "user/*.write",
            "user/*.cruds",
            "system/*.read",
            "system/*.rs",
        ],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": SMART_CAPABILITIES,
    }
