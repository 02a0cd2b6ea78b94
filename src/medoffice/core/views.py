import csv

from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp import verify_token

from medoffice.core import home as home_cards
from medoffice.core import mfa
from medoffice.core.audit import CHAINED_FIELDS, audit_record
from medoffice.core.forms import AuditFilterForm, RecoveryCodeForm, TotpCodeForm
from medoffice.core.models import AuditAction, AuditEvent, AuditOutcome
from medoffice.core.policy import AUTHENTICATED, public, requires
from medoffice.core.redirects import safe_next
from medoffice.core.selectors import AuditFilter, audit_event_list

login = public(auth_views.LoginView.as_view(template_name="core/login.html"))


@public
def logout(request):
    response = auth_views.LogoutView.as_view()(request)
    if request.method == "POST":
        # DP-02: the browser drops every cached page and cookie of this site.
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


# --- The second factor (AC-07). Public as routes: a password-only session is not yet
# "authenticated" for the policy; each view sends an anonymous caller to the sign-in.

PENDING_KEY = "medoffice_mfa_pending_key"


def _next_url(request) -> str:
    return safe_next(request, reverse("core:home"))


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def _second_factor_passed(request, device, *, how: str) -> None:
    otp_login(request, device)
    # The session is now worth more: it gets a new id (session fixation, AC-06).
    request.session.cycle_key()
    audit_record(
        action=AuditAction.LOGIN,
        object_type="auth.user",
        object_id=str(request.user.pk),
        category="security",
        detail=f"second factor passed: {how}",
    )


def _second_factor_refused(request, *, how: str) -> None:
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.FAILURE,
        object_type="auth.user",
        object_id=str(request.user.pk),
        category="security",
        detail=f"second factor refused: {how}",
    )


@public
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    """After the password: a current code from the user's authenticator."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = mfa.totp_device_for(request.user)
    if device is None:
        return redirect(_with_next("core:mfa-enrol", request))
    form = TotpCodeForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"].strip().replace(" ", "")
        if verify_token(request.user, device.persistent_id, code) is not None:
            _second_factor_passed(request, device, how="authenticator")
            return redirect(_next_url(request))
        _second_factor_refused(request, how="authenticator")
        form.add_error("code", "That code is not valid (or was already used). Try the next one.")
    status = 422 if form.is_bound else 200
    return render(
        request, "core/mfa_verify.html", {"form": form, "next": _next_url(request)}, status=status
    )


@public
@require_http_methods(["GET", "POST"])
def mfa_recovery(request):
    """A recovery code instead of the authenticator: each works once."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = mfa.recovery_device_for(request.user)
    form = RecoveryCodeForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if device is not None and verify_token(request.user, device.persistent_id, code):
            _second_factor_passed(request, device, how="recovery code")
            return render(
                request,
                "core/mfa_recovery_used.html",
                {"codes_left": device.codes_left(), "next": _next_url(request)},
            )
        _second_factor_refused(request, how="recovery code")
        form.add_error("code", "That recovery code is not valid or was already used.")
    status = 422 if form.is_bound else 200
    return render(
        request, "core/mfa_recovery.html", {"form": form, "next": _next_url(request)}, status=status
    )


@public
@require_http_methods(["GET", "POST"])
def mfa_enrol(request):
    """Set up an authenticator: scan the QR code (or type the key), confirm with a code.

    A user without one does this right after the first password sign-in; replacing an
    existing one takes a session that has passed the second factor.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if mfa.totp_device_for(request.user) and not request.user.is_verified():
        return redirect(_with_next("core:mfa-verify", request))
    # The pending secret is sealed in the session too: sessions live in the database (AC-08).
    key = mfa.pending_key_open(request.session.get(PENDING_KEY))
    if key is None:
        key = mfa.new_totp_key()
        request.session[PENDING_KEY] = mfa.pending_key_seal(key)
    form = TotpCodeForm(request.POST or None)
    if form.is_valid():
        enrolled = mfa.mfa_enrol(
            user=request.user,
            key_hex=key,
            token=form.cleaned_data["code"],
            keep_session=request.session.session_key,
        )
        if enrolled is not None:
            device, codes = enrolled
            del request.session[PENDING_KEY]
            # The session now rests on the new device (the old one is gone).
            _second_factor_passed(request, device, how="authenticator enrolled")
            return render(
                request, "core/mfa_codes.html", {"codes": codes, "next": _next_url(request)}
            )
        form.add_error("code", "That code does not match. Check the app shows MedOffice.")
    url = mfa.totp_config_url(user=request.user, key_hex=key)
    context = {
        "form": form,
        "qr_svg": mfa.qr_svg(url),
        "secret": mfa.totp_key_base32(key),
        "next": _next_url(request),
    }
    return render(request, "core/mfa_enrol.html", context, status=422 if form.is_bound else 200)


@requires(AUTHENTICATED)
@require_GET
def home(request):
    """Today: a card for each queue the user may open, with its counts (core/home.py)."""
    return render(request, "core/home.html", {"cards": home_cards.cards_for(request.user)})


@public
@require_GET
def health(request):
    return JsonResponse({"status": "ok"})


def _audit_filter(request) -> tuple[AuditFilterForm, AuditFilter | None]:
    """The filter asked for; None when it is invalid (then nothing is listed, not everything)."""
    form = AuditFilterForm(request.GET or None)
    if not form.is_bound:
        return form, AuditFilter()
    if not form.is_valid():
        return form, None
    return form, AuditFilter(**{k: v for k, v in form.cleaned_data.items() if v})


def _last_audit_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0


AUDIT_COLUMNS = (
    ("id", "#"), ("at", "Time"), ("user_id", "User #"), ("username", "User"), ("role", "Role"),
    ("action", "Action"), ("category", "Category"), ("object_type", "Object"),
    ("object_id", "Object id"), ("patient_id", "Patient"), ("client_ip", "Address"),
    ("request_id", "Request"), ("outcome", "Outcome"), ("detail", "Detail"),
)  # fmt: skip


@requires("core.view_auditevent")
@require_GET
def audit_list(request):
    form, flt = _audit_filter(request)
    # The page shows the trail as it was when asked for. Without the bound, the count is
    # taken before this review's own row exists but the page slice is read after it, so
    # the review row would push the last matching event off the page.
    if flt is None:
        events, flt = AuditEvent.objects.none(), AuditFilter()
    else:
        events = audit_event_list(flt).filter(id__lte=_last_audit_id())
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    audit_record(
        action=AuditAction.READ,
        object_type="core.auditevent",
        category="audit",
        detail=f"audit review page {page.number}",
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "sort": flt.sort,
            "columns": AUDIT_COLUMNS,
        },
    )


class _Echo:
    def write(self, value):
        return value


# Every chained field and the MAC, so the file can be checked against the key offline.
CSV_COLUMNS = (*CHAINED_FIELDS, "mac")


def _csv_safe(value):
    """A cell a spreadsheet will not run as a formula (failed-login names are typed by anyone)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@requires("core.export_auditevent")
@require_GET
def audit_export(request):
    form, flt = _audit_filter(request)
    if flt is None:
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return HttpResponseBadRequest(f"Invalid filter: {errors}", content_type="text/plain")
    # The file holds the rows that matched when it was asked for, as its audit row says:
    # bound it by the last id now, before the export's own row (or any later one) exists.
    events = audit_event_list(flt).filter(id__lte=_last_audit_id())
    audit_record(
        action=AuditAction.EXPORT,
        object_type="core.auditevent",
        category="audit",
        detail=f"csv export of {events.count()} rows",
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.at.isoformat() if c == "at" else _csv_safe(getattr(event, c))
                    for c in CSV_COLUMNS
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response


def not_found(request, exception=None):
    """404 everywhere; for the API as problem JSON, like every other API answer."""
    if request.path.startswith("/fhir"):
        problem = {"severity": "error", "code": "not-found", "diagnostics": "Not found."}
        outcome = {"resourceType": "OperationOutcome", "issue": [problem]}
        return JsonResponse(outcome, status=404, content_type="application/fhir+json")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"type": "about:blank", "title": "Not found", "status": 404},
            status=404,
            content_type="application/problem+json",
        )
    return render(request, "404.html", status=404)
