"""The records staff's and administrator's import screens: upload a FHIR Bundle, see each
run's report (created, linked, held for review, skipped and why)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.access import practice_for, practice_id_for
from medoffice.core.policy import requires
from medoffice.imports.access import (
    decision_allowed,
    import_run_get_for_user,
    import_run_list_for_user,
)
from medoffice.imports.csv_import import (
    FIELDS,
    CsvImportError,
    auto_match,
    csv_commit,
    csv_dry_run,
    csv_upload,
    mapping_errors,
    mapping_save,
    read_csv,
)
from medoffice.imports.fhir import fhir_decide, fhir_import, run_summary
from medoffice.imports.models import CsvMapping, ImportKind, ImportStatus

IMPORT = "imports.import_records"
MAX_UPLOAD = 50 * 1024 * 1024


class FhirUploadForm(forms.Form):
    file = forms.FileField(label="FHIR R4 Bundle (JSON)")
    source = forms.CharField(
        label="Comes from", max_length=100, required=False,
        help_text="The system's name (e.g. synthea); the same name on every import of it.",
    )  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV export")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload


class MappingForm(forms.Form):
    """One choice of the file's columns per field of ours, and the name to save it under."""

    name = forms.CharField(label="Save the mapping as", max_length=80)

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(not in this file)")] + [(h, h) for h in headers]
        for name, (label, _, required) in FIELDS.items():
            self.fields[f"col_{name}"] = forms.ChoiceField(
                label=label + (" *" if required else ""), choices=choices, required=False
            )

    def columns(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"col_{name}") or "" for name in FIELDS}


def _runs(request, form, csv_form=None, status=200):
    practice_id = practice_id_for(request.user)
    return render(
        request, "imports/run_list.html",
        {"runs": import_run_list_for_user(request.user), "form": form,
         "csv_form": csv_form or CsvUploadForm(),
         "mappings": CsvMapping.objects.filter(practice_id=practice_id).order_by("name")},
        status=status,
    )  # fmt: skip


@requires(IMPORT)
@require_GET
def run_list(request):
    return _runs(request, FhirUploadForm())


@requires(IMPORT)
@require_POST
def csv_upload_view(request):
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _runs(request, FhirUploadForm(), form, status=422)
    upload = form.cleaned_data["file"]
    try:
        run = csv_upload(
            upload.read(), practice=practice_for(request.user),
            name=upload.name, by=request.user,
        )  # fmt: skip
    except CsvImportError as exc:
        form.add_error("file", f"Refused: {exc}")
        return _runs(request, FhirUploadForm(), form, status=422)
    return redirect(reverse("imports:csv-map", args=[run.public_id]))


def _csv_run(request, public_id):
    run = import_run_get_for_user(request.user, public_id)
    if run.kind != ImportKind.CSV or run.status != ImportStatus.DRY_RUN:
        raise Http404
    return run


@requires(IMPORT)
@require_http_methods(["GET", "POST"])
def csv_map(request, public_id):
    run = _csv_run(request, public_id)
    headers, _ = read_csv(bytes(run.content))
    saved = CsvMapping.objects.filter(practice_id=run.practice_id).order_by("name")
    chosen = saved.filter(name=request.GET.get("mapping", "")).first() or run.mapping
    if request.method == "POST":
        form = MappingForm(request.POST, headers=headers)
        if form.is_valid():
            errors = mapping_errors(form.columns(), headers)
            for error in errors:
                form.add_error(None, error)
            if not errors:
                mapping = mapping_save(
                    practice=run.practice, name=form.cleaned_data["name"], columns=form.columns()
                )
                csv_dry_run(bytes(run.content), practice=run.practice, mapping=mapping,
                            name=run.name, run=run)  # fmt: skip
                return redirect(reverse("imports:run-detail", args=[run.public_id]))
        status = 422
    else:
        columns = chosen.columns if chosen else auto_match(headers)
        initial = {f"col_{name}": columns.get(name, "") for name in FIELDS}
        initial["name"] = chosen.name if chosen else ""
        form = MappingForm(initial=initial, headers=headers)
        status = 200
    return render(
        request, "imports/csv_map.html",
        {"run": run, "form": form, "saved": saved, "chosen": chosen},
        status=status,
    )  # fmt: skip


@requires(IMPORT)
@require_POST
def csv_commit_view(request, public_id):
    run = _csv_run(request, public_id)
    if run.mapping is None:
        messages.error(request, "Choose the columns first (the dry run comes before the commit).")
        return redirect(reverse("imports:csv-map", args=[run.public_id]))
    if run.hidden_lines:
        # It would change records of patients the user may not reach (core/access.py).
        messages.error(request, "This file names patients outside your locations: someone who"
                                " works for the whole practice must commit it.")  # fmt: skip
        return redirect(reverse("imports:run-detail", args=[run.public_id]))
    try:
        done = csv_commit(bytes(run.content), dry_run=run, by=request.user, origin="upload")
    except CsvImportError as exc:
        messages.error(request, f"Refused, nothing imported: {exc}")
        return redirect(reverse("imports:run-detail", args=[run.public_id]))
    messages.success(request, f"{done.name}: {done.created} created, {done.linked} updated.")
    return redirect(reverse("imports:run-detail", args=[done.public_id]))


@requires(IMPORT)
@require_POST
def fhir_upload(request):
    form = FhirUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _runs(request, form, status=422)
    upload = form.cleaned_data["file"]
    run = fhir_import(
        upload.read(), practice=practice_for(request.user),
        name=upload.name, source=form.cleaned_data["source"].strip(), by=request.user,
        origin="upload",
    )  # fmt: skip
    if run.status == ImportStatus.REJECTED:
        form.add_error("file", f"Rejected, nothing imported: {run.reason}")
        return _runs(request, form, status=422)
    messages.success(request, run_summary(run))
    return redirect(reverse("imports:run-detail", args=[run.public_id]))


@requires(IMPORT)
@require_GET
def run_detail(request, public_id):
    run = import_run_get_for_user(request.user, public_id)
    return render(request, "imports/run_detail.html", {"run": run})


class DecisionForm(forms.Form):
    source_id = forms.CharField(max_length=200)
    mrn = forms.CharField(label="Our MRN", max_length=20, required=False)
    new = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("new") and not data.get("mrn"):
            raise forms.ValidationError("Give our MRN, or say it is someone new.")
        return data


@requires(IMPORT)
@require_POST
def fhir_decision(request, public_id):
    """A patient held for review is one of ours (MRN) or someone new: import again so."""
    run = import_run_get_for_user(request.user, public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", ["Say who it is."])))
        return redirect(reverse("imports:run-detail", args=[run.public_id]))
    decision = "new" if form.cleaned_data["new"] else form.cleaned_data["mrn"]
    if not decision_allowed(request.user, run, form.cleaned_data["source_id"], decision):
        # Outside the user's locations looks absent, as everywhere (core/access.py).
        messages.error(request, "No such patient held here, or no patient of ours with that MRN.")
        return redirect(reverse("imports:run-detail", args=[run.public_id]))
    try:
        done = fhir_decide(run=run, source_id=form.cleaned_data["source_id"], decision=decision,
                           by=request.user)  # fmt: skip
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("imports:run-detail", args=[run.public_id]))
    if done.status == ImportStatus.REJECTED:
        messages.error(request, f"Rejected, nothing imported: {done.reason}")
    else:
        messages.success(request, run_summary(done))
    return redirect(reverse("imports:run-detail", args=[done.public_id]))
