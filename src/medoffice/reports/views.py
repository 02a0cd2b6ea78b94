"""The office manager's dashboard: every registered figure as a chart with its headline,
filtered by location and provider; each figure opens to its list, exportable as CSV;
and the month's general-ledger journal for download."""

import csv
import io
from datetime import date, timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from medoffice.core.access import practice_for
from medoffice.core.models import Location, Provider
from medoffice.core.policy import requires
from medoffice.core.reporting import Filters
from medoffice.reports import charts, registry
from medoffice.reports.accounting import journal_for

DASHBOARD = "reports.view_dashboard"
JOURNAL = "reports.export_journal"


def _ids(request, name: str, allowed) -> tuple[int, ...]:
    wanted = {int(v) for v in request.GET.getlist(name) if v.isdigit()}
    return tuple(sorted(wanted & set(allowed)))


def filters_from(request) -> tuple[Filters, dict]:
    practice = practice_for(request.user)
    locations = list(Location.objects.filter(practice=practice).order_by("name"))
    providers = list(Provider.objects.filter(practice=practice).order_by("last_name"))
    today = timezone.localdate()
    try:
        last = (
            date.fromisoformat(request.GET.get("until", "")) if request.GET.get("until") else today
        )
        first = (
            date.fromisoformat(request.GET["since"]) if request.GET.get("since")
            else last - timedelta(days=364)
        )  # fmt: skip
    except ValueError:
        first, last = today - timedelta(days=364), today
    if first > last or (last - first).days > 3 * 366:
        first = last - timedelta(days=364)
    filters = Filters(
        practice=practice, first_day=first, last_day=last,
        location_ids=_ids(request, "location", [loc.id for loc in locations]),
        provider_ids=_ids(request, "provider", [p.id for p in providers]),
    )  # fmt: skip
    return filters, {"locations": locations, "providers": providers, "filters": filters}


@require_GET
@requires(DASHBOARD)
def dashboard(request):
    filters, context = filters_from(request)
    cards = []
    for figure in registry.figures():
        if not request.user.has_perm(figure.permission):
            continue
        data = figure.compute(filters)
        svg = ""
        if figure.kind != "table" and data.series:
            svg = charts.render(
                [(s.name, list(s.points)) for s in data.series],
                kind=figure.kind, unit=figure.unit, title=figure.title,
            )  # fmt: skip
        cards.append({"figure": figure, "data": data, "svg": mark_safe(svg)})  # noqa: S308 - our own markup, values escaped
    context.update(cards=cards, query=request.GET.urlencode())
    return render(request, "reports/dashboard.html", context)


@require_GET
@requires(DASHBOARD)
def figure_detail(request):
    key = request.GET.get("key", "")
    figure = registry.figure(key)
    if figure is None or not request.user.has_perm(figure.permission):
        raise Http404
    filters, context = filters_from(request)
    data = figure.compute(filters)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(data.columns)
        writer.writerows(data.rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{key}-{filters.last_day}.csv"'
        return response
    query = request.GET.copy()
    query["format"] = "csv"
    context.update(figure=figure, data=data, csv_query=query.urlencode())
    return render(request, "reports/figure_detail.html", context)


@require_GET
@requires(JOURNAL)
def journal(request):
    practice = practice_for(request.user)
    period = request.GET.get("period", "")
    file_format = request.GET.get("format", "")
    if not period:
        last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
        return render(request, "reports/journal.html", {"period": f"{last_month:%Y-%m}"})
    try:
        made = journal_for(practice, period)
        if file_format not in ("csv", "iif"):
            return render(request, "reports/journal.html", {"period": period, "journal": made})
        body = made.render(file_format)
    except ValueError as exc:
        return render(request, "reports/journal.html", {"period": period, "error": str(exc)},
                      status=422)  # fmt: skip
    kind = "text/csv" if file_format == "csv" else "application/octet-stream"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="journal-{period}.{file_format}"'
    return response
