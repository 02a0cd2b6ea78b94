import csv

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from medoffice.core.audit import CHAINED_FIELDS, audit_record
from medoffice.core.forms import AuditFilterForm
from medoffice.core.models import AuditAction, AuditEvent
from medoffice.core.policy import AUTHENTICATED, public, requires
from medoffice.core.selectors import AuditFilter, audit_event_list

login = public(auth_views.LoginView.as_view(template_name="core/login.html"))


@public
def logout(request):
    response = auth_views.LogoutView.as_view()(request)
    if request.method == "POST":
        # DP-02: the browser drops every cached page and cookie of this site.
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@requires(AUTHENTICATED)
@require_GET
def home(request):
    return render(request, "core/home.html")


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
    ("id", "#"), ("at", "Time"), ("username", "User"), ("role", "Role"), ("action", "Action"),
    ("category", "Category"), ("object_type", "Object"), ("patient_id", "Patient"),
    ("client_ip", "Address"), ("outcome", "Outcome"),
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
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"type": "about:blank", "title": "Not found", "status": 404},
            status=404,
            content_type="application/problem+json",
        )
    return render(request, "404.html", status=404)
