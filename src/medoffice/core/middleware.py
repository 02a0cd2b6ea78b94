"""Request context for the audit trail, session lifetimes, and no-store for PHI pages."""

import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string

from medoffice.core.access import office_zone_name
from medoffice.core.context import reset_request, set_request

SESSION_LOGIN_AT = "medoffice_login_at"
# The user's office wall clock, read at sign-in (OfficeTimeMiddleware).
SESSION_TIME_ZONE = "medoffice_time_zone"
SESSION_LAST_SEEN = "medoffice_last_seen"
# Machine-facing paths: refusals there are documents (problem JSON, FHIR OperationOutcome),
# never a redirect to a sign-in page.
API_PREFIXES = ("/api/", "/fhir/")
# Seconds between writes of the last-activity time: the idle limit is exact to this.
LAST_SEEN_RESOLUTION = 15


# The REST API (Django REST framework views, all CSRF-exempt) and the schemes its token
# authentication answers for (core/api_auth.ApiTokenAuthentication).
REST_API_PREFIX = "/api/"
_TOKEN_SCHEMES = ("bearer ", "token ")


class TokenApiShortcutMiddleware:
    """A REST API call that brings a bearer token goes through the middleware it needs and
    no other (about a tenth of such a request's server time went to the rest).

    Such a call is signed in by its token or refused 401 by DRF (ApiTokenAuthentication
    answers for any `Bearer`/`Token` header, so session authentication is never tried for
    it), so the session, its lifetime and second factor, the session user's office
    clock, CSRF (the API's views are CSRF-exempt; a header cannot be forged across sites),
    messages, htmx and the sign-in lockout (axes) have nothing to do. Kept, in their
    usual order: the headers' middleware before this one (security, static files, CSP),
    CommonMiddleware, RequestContextMiddleware (the audit trail's request id, IP and
    user, and `Cache-Control: no-store` once DRF has signed the user in) and the frame
    options. Views, permissions, location limits and the audit are the same as for any
    other call; the view, exception and template-response hooks of the whole list still
    run around the view (Django's handler). Every other request, and an API call without
    a token (a signed-in browser's), goes through the whole list."""

    LEAN = (
        "django.middleware.common.CommonMiddleware",
        "medoffice.core.middleware.RequestContextMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._lean = None

    def _lean_chain(self):
        # A handler of its own only for its view, exception and template-response hooks
        # (those of every middleware, as the main handler has them) and _get_response.
        handler = BaseHandler()
        handler.load_middleware()
        chain = convert_exception_to_response(handler._get_response)
        for path in reversed(self.LEAN):
            chain = convert_exception_to_response(import_string(path)(chain))
        return chain

    def __call__(self, request):
        scheme = request.META.get("HTTP_AUTHORIZATION", "")[:7].lower()
        if scheme.startswith(_TOKEN_SCHEMES) and request.path_info.startswith(REST_API_PREFIX):
            if self._lean is None:
                self._lean = self._lean_chain()
            request.user = AnonymousUser()  # until DRF signs the token's user in
            return self._lean(request)
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4())
        token = set_request(request)
        try:
            response = self.get_response(request)
        finally:
            reset_request(token)
        response["X-Request-ID"] = request.request_id
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # DP-02: nothing a signed-in user saw stays in a browser or proxy cache.
            response["Cache-Control"] = "no-store"
        return response


def remember_office_zone(session, user) -> str | None:
    """Keep the user's office zone in the session: at sign-in, so that later requests do
    not write the session, or on the first request of a session made before."""
    zone = office_zone_name(user)
    if zone:
        session[SESSION_TIME_ZONE] = zone
    return zone


class OfficeTimeMiddleware:
    """Pages show and count time on the user's office clock, not the site's: a Chicago
    office on a server set to New York sees 4:30 PM for 4:30 PM, and its "today" turns at
    its own midnight. The zone is read at sign-in and kept in the session (a changed
    office shows from the next sign-in); screens about one place (a location's day
    board, an appointment) still name that place's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        if request.user.is_authenticated:
            zone = request.session.get(SESSION_TIME_ZONE) or remember_office_zone(
                request.session, request.user
            )
        if not zone:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionLifetimeMiddleware:
    """AC-05: end a session after the idle time-out or the absolute lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and _session_expired(request.session):
            logout(request)
            if request.path.startswith(API_PREFIXES):
                return JsonResponse(
                    {
                        "type": "about:blank",
                        "title": "Session expired",
                        "status": 401,
                        "detail": "Sign in again.",
                    },
                    status=401,
                    content_type="application/problem+json",
                )
            return redirect_to_login(request.path)
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            if now - request.session.get(SESSION_LAST_SEEN, 0) >= LAST_SEEN_RESOLUTION:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def _session_expired(session) -> bool:
    now = timezone.now().timestamp()
    login_at = session.get(SESSION_LOGIN_AT)
    last_seen = session.get(SESSION_LAST_SEEN, login_at)
    if login_at is None:
        # Sessions made outside our login (tests' force_login, API session) start now.
        session[SESSION_LOGIN_AT] = now
        return False
    if now - login_at > settings.SESSION_ABSOLUTE_LIFETIME_SECONDS:
        return True
    return last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT_SECONDS


# Pages a password-only session may open: finishing or abandoning the sign-in.
SECOND_FACTOR_ROUTES = ("core:login", "core:logout", "core:mfa-verify", "core:mfa-enrol",
                        "core:mfa-recovery", "core:health")  # fmt: skip


class SecondFactorMiddleware:
    """AC-07: a session that has passed the password but not the second factor reaches
    nothing but the second-factor pages. Web pages send it to the code (or, for a user
    without an authenticator yet, to enrolment); for the API it is no credential at all,
    so only a bearer token (a machine credential, unchanged) signs an API call in.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in SECOND_FACTOR_ROUTES)
        return path in self._open_paths or path.startswith(settings.STATIC_URL.join("//"))

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            if request.path.startswith(API_PREFIXES):
                request.user = AnonymousUser()
            elif not self._open(request.path):
                from medoffice.core.mfa import totp_device_for

                step = "core:mfa-verify" if totp_device_for(user) else "core:mfa-enrol"
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
