"""Billing screens: the encounters of a day, one encounter's superbill (save, sign, correct),
its PDFs, the code search box, and the coder's work queue."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from medoffice.billing import access, services
from medoffice.billing.codes import CodeBook, code_search
from medoffice.billing.errors import BillingError
from medoffice.billing.forms import CodeSearchForm, QueueFilterForm, superbill_from_post
from medoffice.billing.models import ItemKind
from medoffice.billing.printing import receipt_pdf, superbill_pdf
from medoffice.billing.rules import default_pointers
from medoffice.billing.selectors import (
    current_lines,
    encounter_scrub,
    expected_allowed,
    template_sections,
)
from medoffice.billing.states import EncounterStatus
from medoffice.coding.loaders import dotted, normalize_icd10
from medoffice.coding.models import PlaceOfServiceCode
from medoffice.core.access import practice_id_for
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction, Provider
from medoffice.core.money import total
from medoffice.core.policy import has_permission, requires
from medoffice.patients.models import Payer
from medoffice.scheduling.models import PlaceOfService

VIEW = "billing.view_encounter"
CHANGE = "billing.change_encounter"
SIGN = "billing.sign_encounter"
AMEND = "billing.amend_encounter"


def _detail_url(encounter) -> str:
    return reverse("billing:encounter-detail", args=[encounter.public_id])


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [m for errors in exc.message_dict.values() for m in errors]
        return list(exc.messages)
    return [str(exc)]


def _chosen(encounter, posted):
    """(diagnosis codes in order, {service code: (units, modifiers, pointers)}) shown ticked."""
    if posted is not None:
        diagnoses, lines, _ = posted
        return list(diagnoses), {
            line.code: (
                str(line.units),
                " ".join(line.modifiers),
                " ".join(map(str, line.pointers)),
            )
            for line in lines
        }
    # Pointers are shown as codes (a removed diagnosis is then named, never mistaken for the
    # one that moved up), and left blank where they are the default, the first four.
    diagnoses = list(encounter.diagnoses.all())
    codes = {d.order: d.dotted for d in diagnoses}
    default = default_pointers(len(diagnoses))

    def shown(pointers) -> str:
        return "" if pointers == default else " ".join(codes.get(p, str(p)) for p in pointers)

    return [d.code for d in diagnoses], {
        line.code: (str(line.units), " ".join(line.modifiers), shown(line.pointers))
        for line in current_lines(encounter)
    }


def _places(current: str) -> list[tuple[str, str]]:
    places = [(p.code, f"{p.code} {p.name}") for p in PlaceOfServiceCode.objects.all()]
    places = places or list(PlaceOfService.choices)
    if current not in {code for code, _ in places}:
        places.append((current, current))
    return places


def _page_context(request, encounter, *, posted=None, errors=(), reason=""):
    user = request.user
    day = encounter.date_of_service
    dx_codes, line_values = _chosen(encounter, posted)
    book = CodeBook(icd10=dx_codes, procedures=list(line_values))
    dx_sections, svc_sections = [], []
    in_template_dx, in_template_svc = set(), set()
    for section in template_sections(encounter.template, ItemKind.DIAGNOSIS):
        items = []
        for item in section.items:
            code = normalize_icd10(item.code)
            in_template_dx.add(code)
            items.append({"code": code, "shown": dotted(code), "label": item.label,
                          "checked": code in dx_codes})  # fmt: skip
        dx_sections.append({"title": section.title, "items": items})
    for section in template_sections(encounter.template, ItemKind.SERVICE):
        items = []
        for item in section.items:
            code = item.code.strip().upper()
            in_template_svc.add(code)
            units, mods, ptrs = line_values.get(code, ("1", "", ""))
            items.append({"code": code, "shown": code, "label": item.label,
                          "checked": code in line_values, "units": units, "mods": mods,
                          "ptrs": ptrs})  # fmt: skip
        svc_sections.append({"title": section.title, "items": items})
    other_dx = [
        {"code": c, "shown": dotted(c), "label": book.icd10_description(c, day),
         "checked": True}
        for c in dx_codes if c not in in_template_dx
    ]  # fmt: skip
    other_svc = [
        {"code": c, "shown": c, "label": book.procedure_description(c, day), "checked": True,
         "units": v[0], "mods": v[1], "ptrs": v[2]}
        for c, v in line_values.items() if c not in in_template_svc
    ]  # fmt: skip
    can_edit = encounter.status == EncounterStatus.OPEN and has_permission(user, CHANGE)
    can_amend = encounter.is_signed and has_permission(user, AMEND)
    has_content = encounter.diagnoses.exists() or bool(current_lines(encounter))
    result = encounter_scrub(encounter) if has_content or encounter.is_signed else None
    can_see_charges = has_permission(user, "billing.view_charge")
    return {
        "encounter": encounter,
        "patient": encounter.patient,
        "place_choices": _places(encounter.place_of_service),
        "dx_sections": dx_sections,
        "svc_sections": svc_sections,
        "other_dx": other_dx,
        "other_svc": other_svc,
        "chosen_dx": [(n, dotted(c)) for n, c in enumerate(dx_codes, start=1)],
        "lines": current_lines(encounter),
        "charged": total(line.charge_amount or 0 for line in current_lines(encounter)),
        "expected": expected_allowed(encounter, current_lines(encounter))
        if can_see_charges
        else None,
        "result": result,
        "errors": list(errors),
        "reason": reason,
        "can_edit": can_edit,
        "can_amend": can_amend,
        "editable": can_edit or can_amend,
        "can_sign": encounter.status == EncounterStatus.OPEN and has_permission(user, SIGN),
        "can_see_charges": can_see_charges,
        "charges": list(encounter.charges.order_by("id")) if can_see_charges else [],
        "versions": list(encounter.versions.select_related("made_by").order_by("-version")),
        "header": {
            "place_of_service": (posted[2] if posted else {}).get(
                "place_of_service", encounter.place_of_service
            ),
            "referring_provider_name": (posted[2] if posted else {}).get(
                "referring_provider_name", encounter.referring_provider_name
            ),
            "referring_provider_npi": (posted[2] if posted else {}).get(
                "referring_provider_npi", encounter.referring_provider_npi
            ),
            "prior_authorization": (posted[2] if posted else {}).get(
                "prior_authorization", encounter.prior_authorization
            ),
        },
    }


@requires(VIEW)
@require_GET
def encounter_detail(request, public_id):
    encounter = access.encounter_get_for_user(request.user, public_id)
    return render(request, "billing/encounter_detail.html", _page_context(request, encounter))


def _posted(request, encounter):
    return superbill_from_post(
        request.POST,
        existing_dx=[d.code for d in encounter.diagnoses.all()],
        existing_lines=[line.code for line in current_lines(encounter)],
    )


@requires(CHANGE)
@require_POST
def encounter_save(request, public_id):
    encounter = access.encounter_get_for_user(
        request.user, public_id, permission=CHANGE, audit=False
    )
    posted = _posted(request, encounter)
    diagnoses, lines, header = posted
    try:
        services.superbill_save(
            encounter=encounter, diagnoses=diagnoses, lines=lines, header=header
        )
    except (ValidationError, BillingError) as exc:
        context = _page_context(request, encounter, posted=posted, errors=_messages_of(exc))
        return render(request, "billing/encounter_detail.html", context, status=422)
    messages.success(request, "Superbill saved.")
    return redirect(_detail_url(encounter))


@requires(SIGN)
@require_POST
def encounter_sign(request, public_id):
    encounter = access.encounter_get_for_user(request.user, public_id, permission=SIGN, audit=False)
    try:
        services.encounter_sign(encounter=encounter, signed_by=request.user)
    except (ValidationError, BillingError) as exc:
        context = _page_context(request, encounter, errors=_messages_of(exc))
        return render(request, "billing/encounter_detail.html", context, status=422)
    messages.success(request, "Signed. The charges are made.")
    return redirect(_detail_url(encounter))


@requires(AMEND)
@require_POST
def encounter_amend(request, public_id):
    encounter = access.encounter_get_for_user(
        request.user, public_id, permission=AMEND, audit=False
    )
    posted = _posted(request, encounter)
    diagnoses, lines, header = posted
    reason = request.POST.get("reason", "")
    try:
        services.encounter_amend(
            encounter=encounter, amended_by=request.user, reason=reason,
            diagnoses=diagnoses, lines=lines, header=header,
        )  # fmt: skip
    except (ValidationError, BillingError) as exc:
        context = _page_context(
            request, encounter, posted=posted, errors=_messages_of(exc), reason=reason
        )
        return render(request, "billing/encounter_detail.html", context, status=422)
    encounter.refresh_from_db()
    messages.success(request, f"Corrected: version {encounter.version}.")
    return redirect(_detail_url(encounter))


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@requires(VIEW)
@require_GET
def encounter_pdf(request, public_id):
    encounter = access.encounter_get_for_user(
        request.user, public_id, action=AuditAction.PRINT, detail="superbill PDF"
    )
    return _pdf(superbill_pdf(encounter), f"superbill-{encounter.date_of_service}.pdf")


@requires("billing.view_charge")
@require_GET
def encounter_receipt(request, public_id):
    encounter, charges = access.charges_for_encounter(
        request.user, public_id, action=AuditAction.PRINT, detail="visit receipt PDF"
    )
    return _pdf(receipt_pdf(encounter, charges), f"receipt-{encounter.date_of_service}.pdf")


@requires(CHANGE)
@require_GET
def code_lookup(request):
    """The superbill's search box: codes only, no patient data."""
    form = CodeSearchForm(request.GET)
    hits, kind = [], "diagnosis"
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = None
        if day is not None:
            hits = code_search(
                kind, form.cleaned_data["q"], day=day,
                practice_id=practice_id_for(request.user),
                provider=getattr(request.user, "provider", None),
            )  # fmt: skip
    return render(
        request, "billing/code_results.html",
        {"hits": hits, "kind": kind, "query": request.GET.get("q", "")},
    )  # fmt: skip


def _date_param(request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@requires(VIEW)
@require_GET
def encounter_list(request):
    practice_id = practice_id_for(request.user)
    day = _date_param(request, "day")
    mine = getattr(request.user, "provider", None)
    provider_id = request.GET.get("provider") or (mine.pk if mine else None)
    if day is None:
        day = today_at()  # the user's office day (OfficeTimeMiddleware)
    encounters = access.encounter_list_for_user(
        request.user, provider_id=provider_id, date_from=day, date_to=day
    )
    providers = Provider.objects.filter(practice_id=practice_id, is_active=True)
    return render(
        request, "billing/encounter_list.html",
        {"encounters": encounters, "day": day, "providers": providers,
         "provider_id": str(provider_id or "")},
    )  # fmt: skip


@requires("billing.view_coding_queue")
@require_GET
def coding_queue(request):
    practice_id = practice_id_for(request.user)
    providers = Provider.objects.filter(practice_id=practice_id).order_by("last_name")
    payers = Payer.objects.filter(is_active=True).order_by("name")
    form = QueueFilterForm(request.GET or None, providers=providers, payers=payers)
    filters = form.cleaned_data if form.is_valid() else {}
    queue = access.queue_for_user(
        request.user, provider_id=filters.get("provider"), payer_id=filters.get("payer"),
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
    )  # fmt: skip
    return render(request, "billing/queue.html", {"queue": queue, "form": form})
