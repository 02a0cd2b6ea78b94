"""Patient screens. Thin: parse with a form, call access/services, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.access import practice_id_for
from medoffice.core.clock import today_at
from medoffice.core.forms import apply_service_errors
from medoffice.core.policy import has_permission, requires
from medoffice.core.redirects import safe_next
from medoffice.core.templatetags.medoffice import phone
from medoffice.core.us import ssn_masked
from medoffice.patients import access, services
from medoffice.patients.errors import DuplicatePatientError, MergeError
from medoffice.patients.forms import (
    ConsentForm,
    CoverageForm,
    MergeForm,
    PatientForm,
    RegistrationForm,
    SearchForm,
)
from medoffice.patients.models import Patient, PatientStatus
from medoffice.patients.search import age_on

TABS = (
    ("demographics", "Demographics", "patients:patient-detail"),
    ("insurance", "Insurance", "patients:coverage-list"),
    ("consents", "Consents", "patients:consent-list"),
    ("appointments", "Appointments", "scheduling:appointment-list"),
    ("outside", "Outside care", "scheduling:outside-list"),
    ("chart", "Chart", "clinical:chart"),
    ("billing", "Account", "accounts:patient-account"),
    ("documents", "Documents", "records:document-list"),
    ("communications", "Communications", "messaging:message-list"),
    ("log", "Communications log", "records:communication-list"),
    ("referrals", "Referrals", "records:referral-list"),
    ("release", "Release of information", "records:release-list"),
)


def render_patient_tab(request, patient, tab: str, context: dict, template: str | None = None):
    """Full page (header + tab) or, for htmx tab clicks, the tab strip and panel.

    Other apps fill their own tabs through this (scheduling: appointments).
    """
    context = {
        "patient": patient,
        "age": age_on(patient.dob),
        "tabs": TABS,
        "active_tab": tab,
        "can": {
            "edit": has_permission(request.user, "patients.change_patient"),
            "add_coverage": has_permission(request.user, "patients.add_coverage"),
            "change_coverage": has_permission(request.user, "patients.change_coverage"),
            "view_coverage": has_permission(request.user, "patients.view_coverage"),
            "view_consent": has_permission(request.user, "patients.view_consent"),
            "add_consent": has_permission(request.user, "patients.add_consent"),
            "change_consent": has_permission(request.user, "patients.change_consent"),
            "merge": has_permission(request.user, "patients.merge_patient"),
            "reveal_ssn": has_permission(request.user, "patients.reveal_patient_ssn"),
        },
        "ssn_masked": ssn_masked(patient.ssn),
        **context,
    }
    context["tab_template"] = template or f"patients/tab_{tab}.html"
    if request.htmx and not request.htmx.boosted:
        # The tab strip comes along so the chosen tab is the one marked current.
        return render(request, "patients/patient_tabs.html", context)
    return render(request, "patients/patient_page.html", context)


@requires("patients.view_patient")
@require_GET
def patient_detail(request, public_id):
    patient = access.patient_get_for_user(request.user, public_id)
    return render_patient_tab(request, patient, "demographics", {})


@requires("patients.reveal_patient_ssn")
@require_GET
def patient_ssn(request, public_id):
    """The full SSN in place of the masked one (htmx); audited by the access function."""
    ssn = access.patient_ssn_reveal_for_user(request.user, public_id)
    return render(request, "patients/ssn_revealed.html", {"ssn": ssn})


@requires("patients.view_coverage")
@require_GET
def coverage_list(request, public_id):
    patient = access.patient_get_for_user(request.user, public_id, audit=False)
    coverages = access.coverage_list_for_user(request.user, patient)
    return render_patient_tab(request, patient, "insurance", {"coverages": coverages})


@requires("patients.view_consent")
@require_GET
def consent_list(request, public_id):
    patient = access.patient_get_for_user(request.user, public_id, audit=False)
    consents = access.consent_list_for_user(request.user, patient)
    return render_patient_tab(request, patient, "consents", {"consents": consents})


@requires("patients.view_patient")
@require_http_methods(["GET", "POST"])
def patient_search(request):
    """The search box. POST keeps names and birth dates out of URLs and server logs (DP-02)."""
    form = SearchForm(request.POST or None)
    outcome = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["q"]:
        outcome = access.patient_search_for_user(request.user, form.cleaned_data["q"])
    template = "patients/search_results.html" if request.htmx else "patients/search_page.html"
    return render(request, template, {"form": form, "outcome": outcome})


@requires("patients.add_patient")
@require_http_methods(["GET", "POST"])
def patient_register(request):
    practice_id = practice_id_for(request.user)
    form = RegistrationForm(request.POST or None, practice_id=practice_id)
    candidates = []
    if request.method == "POST" and request.htmx and request.POST.get("_validate"):
        # Inline validation while typing: check, never save; only speak of fields filled in.
        shown = [name for name in form.fields if request.POST.get(name, "").strip()]
        form.is_valid()
        filled = {name: form.cleaned_data[name] for name in shown if name in form.cleaned_data}
        for name, messages_ in services.patient_field_errors(
            practice_id=practice_id, fields=filled
        ).items():
            for message in messages_:
                form.add_error(name, message)
        return render(request, "patients/register_errors.html", {"form": form, "shown": shown})
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(
                practice=request.user.staff.practice,
                fields=form.patient_fields(),
                confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                consents=[{"kind": kind} for kind in form.consent_kinds()],
            )
        except DuplicatePatientError as exc:
            candidates = exc.candidates
            access.duplicate_candidates_shown(candidates)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Registered {patient.display_name}, MRN {patient.mrn}.")
            return redirect("patients:patient-detail", public_id=patient.public_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "patients/register_page.html",
        {"form": form, "candidates": candidates},
        status=status,
    )


@requires("patients.change_patient")
@require_http_methods(["GET", "POST"])
def patient_edit(request, public_id):
    patient = access.patient_get_for_user(
        request.user, public_id, permission="patients.change_patient", audit=request.method == "GET"
    )
    initial = {name: getattr(patient, name) for name in PatientForm(practice_id=0).fields}
    initial.update({name: phone(initial[name]) for name in services.PHONE_FIELDS})
    form = PatientForm(request.POST or None, initial=initial, practice_id=patient.practice_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                patient=patient, fields={n: form.cleaned_data[n] for n in form.fields}
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Demographics saved.")
            return redirect(
                safe_next(request) or reverse("patients:patient-detail", args=[patient.public_id])
            )
    return render(
        request,
        "patients/patient_edit.html",
        {"form": form, "patient": patient, "next": safe_next(request)},
        status=422 if request.method == "POST" else 200,
    )


@requires("patients.add_coverage")
@require_http_methods(["GET", "POST"])
def coverage_add(request, public_id):
    patient = access.patient_get_for_user(
        request.user, public_id, permission="patients.add_coverage", audit=request.method == "GET"
    )
    form = CoverageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_add(
                patient=patient, fields=form.coverage_fields(), cards=form.cards()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Insurance added.")
            return redirect("patients:coverage-list", public_id=patient.public_id)
    return render(
        request,
        "patients/coverage_form.html",
        {"form": form, "patient": patient, "title": "Add insurance"},
        status=422 if request.method == "POST" else 200,
    )


@requires("patients.change_coverage")
@require_http_methods(["GET", "POST"])
def coverage_edit(request, public_id):
    coverage = access.coverage_get_for_user(
        request.user,
        public_id,
        permission="patients.change_coverage",
        audit=request.method == "GET",
    )
    initial = {
        name: getattr(coverage, name)
        for name in CoverageForm(with_status=True).fields
        if "card" not in name
    }
    initial["payer"] = coverage.payer_id
    form = CoverageForm(
        request.POST or None, request.FILES or None, initial=initial, with_status=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_update(
                coverage=coverage, fields=form.coverage_fields(), cards=form.cards()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Insurance saved.")
            return redirect(
                safe_next(request)
                or reverse("patients:coverage-list", args=[coverage.patient.public_id])
            )
    return render(
        request,
        "patients/coverage_form.html",
        {
            "form": form,
            "patient": coverage.patient,
            "title": "Edit insurance",
            "coverage": coverage,
            "next": safe_next(request),
        },
        status=422 if request.method == "POST" else 200,
    )


@requires("patients.view_coverage")
@require_GET
def coverage_card(request, public_id, side):
    if side not in ("front", "back"):
        raise Http404
    coverage = access.coverage_get_for_user(request.user, public_id)
    card = getattr(coverage, f"card_{side}")
    if not card:
        raise Http404
    response = FileResponse(
        card.open("rb"), as_attachment=True, filename=f"card-{side}{_ext(card)}"
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


def _ext(field_file) -> str:
    name = field_file.name or ""
    return name[name.rfind(".") :] if "." in name else ""


@requires("patients.add_consent")
@require_http_methods(["GET", "POST"])
def consent_add(request, public_id):
    patient = access.patient_get_for_user(
        request.user, public_id, permission="patients.add_consent", audit=request.method == "GET"
    )
    form = ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("patients:consent-list", public_id=patient.public_id)
    return render(
        request,
        "patients/consent_form.html",
        {"form": form, "patient": patient},
        status=422 if request.method == "POST" else 200,
    )


@requires("patients.merge_patient")
@require_http_methods(["GET", "POST"])
def patient_merge(request, public_id):
    survivor = access.patient_get_for_user(
        request.user,
        public_id,
        permission="patients.merge_patient",
        audit=request.method == "GET",
    )
    form = MergeForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        duplicate = (
            Patient.objects.filter(
                practice_id=survivor.practice_id,
                mrn=form.cleaned_data["duplicate_mrn"].strip().upper(),
            )
            .exclude(status=PatientStatus.MERGED)
            .first()
        )
        if duplicate is None:
            form.add_error("duplicate_mrn", "No active record of this practice has that MRN.")
        else:
            try:
                services.patient_merge(survivor=survivor, duplicate=duplicate)
            except MergeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Record {duplicate.mrn} merged into this record.")
                return redirect("patients:patient-detail", public_id=survivor.public_id)
    return render(
        request,
        "patients/patient_merge.html",
        {"form": form, "patient": survivor},
        status=422 if request.method == "POST" else 200,
    )


@requires("patients.change_consent")
@require_POST
def consent_revoke(request, public_id):
    consent = access.consent_get_for_user(
        request.user, public_id, permission="patients.change_consent"
    )
    services.consent_revoke(consent=consent, revoked_on=today_at(consent.patient))
    messages.success(request, f"{consent.get_kind_display()}: revoked today.")
    return redirect("patients:consent-list", public_id=consent.patient.public_id)
