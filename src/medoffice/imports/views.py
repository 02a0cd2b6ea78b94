"""The records staff's and administrator's import screens: upload a FHIR Bundle, see each
run's report (created, linked, held for review, skipped and why)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.access import practice_id_for
from medoffice.core.models import Practice
from medoffice.core.policy import requires
from medoffice.imports.access import import_run_get_for_user, import_run_list_for_user
from medoffice.imports.fhir import fhir_import, run_summary
from medoffice.imports.models import ImportStatus

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


def _runs(request, form, status=200):
    return render(
        request, "imports/run_list.html",
        {"runs": import_run_list_for_user(request.user), "form": form},
        status=status,
    )  # fmt: skip


@requires(IMPORT)
@require_GET
def run_list(request):
    return _runs(request, FhirUploadForm())


@requires(IMPORT)
@require_POST
def fhir_upload(request):
    form = FhirUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _runs(request, form, status=422)
    upload = form.cleaned_data["file"]
    run = fhir_import(
        upload.read(), practice=Practice.objects.get(pk=practice_id_for(request.user)),
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
