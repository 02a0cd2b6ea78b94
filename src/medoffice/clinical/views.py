"""Chart screens: the summary tab, notes (draft, sign, addendum), problems and the clinical
lists, results and their sign-off, pre-visit preparation, amendment requests, dictation and
transcription, and emergency access with its review. Thin: access.py, services.py and
selectors.py do the work."""

import re
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.clinical import access, selectors, services
from medoffice.clinical.errors import ClinicalError, NoteSignedError
from medoffice.clinical.forms import (
    ENTRY_FORMS,
    AddendumForm,
    AmendmentDecisionForm,
    AmendmentForm,
    BreakGlassForm,
    DictationForm,
    NoteForm,
    ProblemForm,
    ReviewForm,
    TranscriptForm,
)
from medoffice.clinical.models import Note
from medoffice.clinical.rules import AUDIO_CONTENT_TYPES, is_overdue
from medoffice.clinical.states import DictationStatus
from medoffice.core.access import in_scope_only, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Provider
from medoffice.core.policy import has_permission, requires
from medoffice.patients.views import render_patient_tab

CAN = (
    "change_problem", "change_chart", "change_note", "sign_note", "add_result", "review_result",
    "add_dictation", "break_glass", "change_amendmentrequest", "view_amendmentrequest",
)  # fmt: skip


def _can(user) -> dict:
    return {name: has_permission(user, f"clinical.{name}") for name in CAN}


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [m for errors in exc.message_dict.values() for m in errors]
        return list(exc.messages)
    return [str(exc)]


def _flash(request, exc: Exception) -> None:
    for message in _errors(exc):
        messages.error(request, message)


def _provider_for(user, practice_id: int):
    """The signed-in clinician's provider record, else the practice's first active one."""
    mine = Provider.objects.filter(user=user, practice_id=practice_id).first()
    return mine or Provider.objects.filter(practice_id=practice_id, is_active=True).first()


# ---------------------------------------------------------------- the chart tab


@requires(access.VIEW_PROBLEM)
@require_GET
def chart(request, public_id):
    patient, viewer = access.chart_get_for_user(request.user, public_id)
    summary = selectors.chart_summary(patient, viewer)
    context = {
        "summary": summary, "viewer": viewer, "clinical": _can(request.user),
        "problem_form": ProblemForm(), "entry_kinds": list(ENTRY_FORMS),
        "dictation_form": DictationForm(), "amendment_form": AmendmentForm(),
        "restricted": [n for n in summary.notes if not viewer.may_read_note(n)],
    }  # fmt: skip
    return render_patient_tab(
        request, patient, "chart", context, template="clinical/tab_chart.html"
    )


def _back_to_chart(patient):
    return redirect("clinical:chart", public_id=patient.public_id)


@requires("clinical.change_problem")
@require_POST
def problem_add(request, public_id):
    patient, _ = access.chart_get_for_user(
        request.user, public_id, permission="clinical.change_problem", audit=False
    )
    form = ProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A problem needs an ICD-10-CM code.")
        return _back_to_chart(patient)
    try:
        problem = services.problem_add(
            patient=patient, code=form.cleaned_data["code"], onset=form.cleaned_data["onset"],
            status=form.cleaned_data["status"], recorded_by=request.user,
        )  # fmt: skip
    except (ClinicalError, ValidationError) as exc:
        _flash(request, exc)
    else:
        messages.success(request, f"Added {problem.dotted} {problem.description}.")
    return _back_to_chart(patient)


def _entry_form(kind: str, patient, data=None):
    kwargs = {"prefix": kind}
    if kind == "medication":
        kwargs["practice_id"] = patient.practice_id
    return ENTRY_FORMS[kind](data, **kwargs)


@requires("clinical.change_chart")
@require_http_methods(["GET", "POST"])
def entry_add(request, public_id, kind):
    """Record a medication, allergy, immunization, vital sign or the history: its own page,
    so the chart summary stays light."""
    if kind not in ENTRY_FORMS:
        raise Http404
    patient, _ = access.chart_get_for_user(
        request.user, public_id, permission="clinical.change_chart",
        audit=request.method == "GET", detail=f"{kind} form",
    )  # fmt: skip
    form = _entry_form(kind, patient, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "vital":
                services.vital_record(
                    patient=patient, kind=data["kind"], value=data["value"],
                    recorded_by=request.user,
                )  # fmt: skip
            elif kind == "history":
                services.history_save(patient=patient, **data)
            else:
                getattr(services, f"{kind}_add")(patient=patient, **data)
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, f"Recorded the {kind}.")
            return _back_to_chart(patient)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "clinical/entry_form.html", {"patient": patient, "kind": kind, "form": form},
        status=status,
    )  # fmt: skip


# ---------------------------------------------------------------- notes


@requires("clinical.change_note")
@require_POST
def note_new(request, public_id):
    patient, _ = access.chart_get_for_user(
        request.user, public_id, permission="clinical.change_note", audit=False
    )
    provider = _provider_for(request.user, patient.practice_id)
    if provider is None:
        messages.error(request, "The practice has no provider to write the note for.")
        return _back_to_chart(patient)
    note = services.note_start(patient=patient, provider=provider, author=request.user)
    return redirect("clinical:note-detail", public_id=note.public_id)


def _note_page(request, note, viewer, *, form=None, addendum_form=None, status=200):
    editable = not note.is_locked and has_permission(request.user, "clinical.change_note")
    if form is None and editable:
        form = NoteForm(
            initial={name: getattr(note, name) for name in (*services.SECTIONS, "sensitivity")}
        )
    context = {
        "note": note, "patient": note.patient, "editable": editable, "form": form,
        "addendum_form": addendum_form or AddendumForm(),
        "addenda": selectors.note_with_addenda(note), "clinical": _can(request.user),
        "emergency": viewer.emergency,
    }  # fmt: skip
    return render(request, "clinical/note_page.html", context, status=status)


@requires(access.VIEW_NOTE)
@require_GET
def note_detail(request, public_id):
    note, viewer = access.note_get_for_user(request.user, public_id)
    return _note_page(request, note, viewer)


@requires("clinical.change_note")
@require_POST
def note_save(request, public_id):
    note, viewer = access.note_get_for_user(
        request.user, public_id, permission="clinical.change_note", audit=False
    )
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _note_page(request, note, viewer, form=form, status=422)
    try:
        services.note_save_draft(
            note=note, sections=form.cleaned_data, sensitivity=form.cleaned_data["sensitivity"]
        )
    except NoteSignedError as exc:
        messages.error(request, str(exc))
        note.refresh_from_db()
        return _note_page(
            request, note, viewer,
            addendum_form=AddendumForm(initial={"text": form.cleaned_data["assessment"]}),
            status=409,
        )  # fmt: skip
    messages.success(request, "Draft saved.")
    return redirect("clinical:note-detail", public_id=note.public_id)


@requires("clinical.sign_note")
@require_POST
def note_sign(request, public_id):
    note, _ = access.note_get_for_user(
        request.user, public_id, permission="clinical.sign_note", audit=False
    )
    try:
        services.note_sign(note=note, signed_by=request.user)
    except ClinicalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Note signed. It can no longer be edited; add an addendum.")
    return redirect("clinical:note-detail", public_id=note.public_id)


@requires("clinical.sign_note")
@require_POST
def note_addendum(request, public_id):
    note, viewer = access.note_get_for_user(
        request.user, public_id, permission="clinical.sign_note", audit=False
    )
    form = AddendumForm(request.POST)
    if not form.is_valid():
        return _note_page(request, note, viewer, addendum_form=form, status=422)
    try:
        services.addendum_add(note=note, author=request.user, **form.cleaned_data)
    except (ClinicalError, ValidationError) as exc:
        _flash(request, exc)
    else:
        messages.success(request, "Addendum signed and added to the note.")
    return redirect("clinical:note-detail", public_id=note.public_id)


# ---------------------------------------------------------------- results


@requires(access.VIEW_CHART)
@require_GET
def result_list(request, public_id):
    patient, _ = access.chart_get_for_user(
        request.user, public_id, permission=access.VIEW_CHART, category="results",
        detail="results listed",
    )  # fmt: skip
    unreviewed = request.GET.get("unreviewed") == "1"
    page = selectors.result_page(
        patient, number=request.GET.get("page") or 1, unreviewed_only=unreviewed
    )
    return render(
        request, "clinical/result_list.html",
        {"patient": patient, "page": page, "unreviewed": unreviewed,
         "clinical": _can(request.user), "review_form": ReviewForm()},
    )  # fmt: skip


@requires("clinical.review_result")
@require_POST
def result_review(request, public_id):
    result = access.result_get_for_user(
        request.user, public_id, permission="clinical.review_result", audit=False
    )
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.result_review(result=result, reviewed_by=request.user, comment=comment)
    except ClinicalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Reviewed {result.name}.")
    return redirect("clinical:result-list", public_id=result.patient.public_id)


# ---------------------------------------------------------------- pre-visit preparation


@requires("clinical.view_previsit")
@require_GET
def previsit(request):
    practice_id = practice_id_for(request.user)
    tomorrow = timezone.localdate() + timedelta(days=1)
    try:
        day = date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else tomorrow
    except ValueError:
        day = tomorrow
    rows = in_scope_only(
        request.user,
        selectors.previsit_list(practice_id=practice_id, day=day),
        patient_id_of=lambda row: row.appointment.patient_id,
    )
    audit_record(
        action=AuditAction.READ, object_type="clinical.chart", category="chart",
        detail=f"pre-visit list {day.isoformat()}: {len(rows)} patients",
    )  # fmt: skip
    return render(
        request, "clinical/previsit.html",
        {"rows": rows, "day": day, "previous": day - timedelta(days=1),
         "next": day + timedelta(days=1),
         "ready": sum(1 for r in rows if not r.missing)},
    )  # fmt: skip


# ---------------------------------------------------------------- amendment requests


@requires("clinical.view_amendmentrequest")
@require_GET
def amendment_list(request):
    practice_id = practice_id_for(request.user)
    rows = in_scope_only(request.user, selectors.amendment_list_open(practice_id=practice_id))
    audit_record(
        action=AuditAction.READ, object_type="clinical.amendmentrequest", category="amendments",
        detail=f"{len(rows)} open amendment requests",
    )  # fmt: skip
    today = timezone.localdate()
    return render(
        request, "clinical/amendment_list.html",
        {"rows": [(r, is_overdue(r.due_on, today)) for r in rows],
         "decision_form": AmendmentDecisionForm(), "clinical": _can(request.user)},
    )  # fmt: skip


@requires("clinical.change_amendmentrequest")
@require_POST
def amendment_add(request, public_id):
    patient, _ = access.chart_get_for_user(
        request.user, public_id, permission="clinical.change_amendmentrequest",
        category="amendments", audit=False,
    )  # fmt: skip
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "An amendment request needs the date received and the change.")
        return _back_to_chart(patient)
    note = None
    if form.cleaned_data["note"]:
        note = Note.objects.filter(patient=patient, public_id=form.cleaned_data["note"]).first()
        if note is None:
            messages.error(request, "That note is not in this patient's chart.")
            return _back_to_chart(patient)
    request_ = services.amendment_receive(
        patient=patient, note=note, received_on=form.cleaned_data["received_on"],
        requested_change=form.cleaned_data["requested_change"], created_by=request.user,
    )  # fmt: skip
    messages.success(request, f"Amendment request recorded; decide by {request_.due_on:%m/%d/%Y}.")
    return redirect("clinical:amendment-list")


@requires("clinical.change_amendmentrequest")
@require_POST
def amendment_decide(request, public_id):
    amendment = access.amendment_get_for_user(
        request.user, public_id, permission="clinical.change_amendmentrequest"
    )
    form = AmendmentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept, deny or extend.")
        return redirect("clinical:amendment-list")
    data = form.cleaned_data
    try:
        if data["decision"] == "accept":
            services.amendment_accept(
                request=amendment, decided_by=request.user, correction=data["text"]
            )
        elif data["decision"] == "deny":
            services.amendment_deny(
                request=amendment, decided_by=request.user, reason=data["text"],
                disagreement=data["disagreement"],
            )  # fmt: skip
        else:
            services.amendment_extend(request=amendment, reason=data["text"])
    except (ClinicalError, ValidationError) as exc:
        _flash(request, exc)
    else:
        messages.success(request, f"Amendment request: {data['decision']} recorded.")
    return redirect("clinical:amendment-list")


# ---------------------------------------------------------------- dictation and transcription


@requires("clinical.add_dictation")
@require_POST
def dictation_upload(request, public_id):
    patient, _ = access.chart_get_for_user(
        request.user, public_id, permission="clinical.add_dictation", category="notes",
        audit=False,
    )  # fmt: skip
    form = DictationForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a recording to upload.")
        return _back_to_chart(patient)
    provider = _provider_for(request.user, patient.practice_id)
    try:
        services.dictation_upload(
            patient=patient, provider=provider, upload=form.cleaned_data["audio"],
            uploaded_by=request.user,
        )  # fmt: skip
    except (ClinicalError, ValidationError) as exc:
        _flash(request, exc)
    else:
        messages.success(request, "Dictation uploaded to the transcription queue.")
    return _back_to_chart(patient)


@requires(access.VIEW_NOTE)
@require_GET
def dictation_queue(request):
    practice_id = practice_id_for(request.user)
    rows = in_scope_only(request.user, selectors.dictation_queue(practice_id=practice_id))
    audit_record(
        action=AuditAction.READ, object_type="clinical.dictation", category="notes",
        detail=f"transcription queue: {len(rows)} dictations",
    )  # fmt: skip
    since = timezone.now() - timedelta(days=30)
    return render(
        request, "clinical/dictation_queue.html",
        {"rows": rows, "turnaround": selectors.turnaround_figures(practice_id=practice_id,
                                                                  since=since)},
    )  # fmt: skip


@requires(access.VIEW_NOTE)
@require_GET
def dictation_detail(request, public_id):
    dictation = access.dictation_get_for_user(request.user, public_id, permission=access.VIEW_NOTE)
    initial = dictation.transcript or dictation.draft_text
    return render(
        request, "clinical/dictation_editor.html",
        {"dictation": dictation, "patient": dictation.patient,
         "form": TranscriptForm(initial={"transcript": initial}),
         "can_transcribe": has_permission(request.user, "clinical.transcribe_dictation")
         and dictation.status != DictationStatus.SIGNED,
         "can_sign": has_permission(request.user, "clinical.sign_note")
         and dictation.status == DictationStatus.TRANSCRIBED},
    )  # fmt: skip


@requires(access.VIEW_NOTE)
@require_GET
def dictation_audio(request, public_id):
    """The recording, whole or (for the player's back/forward keys) the byte range asked for:
    without ranges a browser cannot seek in a recording it has not fully downloaded."""
    dictation = access.dictation_get_for_user(
        request.user, public_id, permission=access.VIEW_NOTE, detail="audio played"
    )
    content_type = AUDIO_CONTENT_TYPES[dictation.audio_type]
    size = dictation.audio.size
    wanted = _byte_range(request.headers.get("Range", ""), size)
    if wanted is None:
        response = FileResponse(dictation.audio.open("rb"), content_type=content_type)
    elif wanted == ():
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted
        with dictation.audio.open("rb") as audio:
            audio.seek(start)
            response = HttpResponse(audio.read(end - start + 1), content_type=content_type,
                                    status=206)  # fmt: skip
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Security-Policy"] = "sandbox"
    return response


def _byte_range(header: str, size: int) -> tuple[int, int] | tuple[()] | None:
    """(first, last) byte of a single `bytes=` range; () if it cannot be satisfied; None for
    no range (or a form this view does not serve, answered with the whole file)."""
    found = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.group(1), found.group(2)
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return ()
    return start, end


@requires("clinical.transcribe_dictation")
@require_POST
def dictation_transcribe(request, public_id):
    dictation = access.dictation_get_for_user(
        request.user, public_id, permission="clinical.transcribe_dictation", audit=False
    )
    form = TranscriptForm(request.POST)
    form.is_valid()
    try:
        services.dictation_transcribe(
            dictation=dictation, transcriptionist=request.user,
            text=form.cleaned_data.get("transcript", ""), done=form.cleaned_data.get("done", False),
        )  # fmt: skip
    except (ClinicalError, ValidationError) as exc:
        _flash(request, exc)
        return redirect("clinical:dictation-detail", public_id=dictation.public_id)
    messages.success(request, "Transcript saved.")
    return redirect("clinical:dictation-queue")


@requires("clinical.sign_note")
@require_POST
def dictation_sign(request, public_id):
    dictation = access.dictation_get_for_user(
        request.user, public_id, permission="clinical.sign_note", audit=False
    )
    form = TranscriptForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("transcript") or None
    try:
        note = services.dictation_sign(dictation=dictation, signed_by=request.user, text=text)
    except (ClinicalError, ValidationError) as exc:
        _flash(request, exc)
        return redirect("clinical:dictation-detail", public_id=dictation.public_id)
    messages.success(request, "Dictated note signed.")
    return redirect("clinical:note-detail", public_id=note.public_id)


@requires("clinical.transcribe_dictation")
@require_GET
def term_suggest(request):
    practice_id = practice_id_for(request.user)
    terms = selectors.term_suggestions(practice_id=practice_id, prefix=request.GET.get("q", ""))
    return JsonResponse({"terms": terms})


# ---------------------------------------------------------------- emergency access


@requires(access.BREAK_GLASS)
@require_http_methods(["GET", "POST"])
def break_glass(request, public_id):
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST":
        try:
            grant = access.emergency_access_open(
                request.user, public_id, reason=request.POST.get("reason", "")
            )
        except ClinicalError as exc:
            form.is_valid()
            form.add_error(None, str(exc))
        else:
            messages.warning(
                request,
                f"Emergency access until {timezone.localtime(grant.expires_at):%H:%M}. "
                "Everything you open in this chart is flagged for the privacy officer.",
            )
            return redirect("clinical:chart", public_id=grant.patient.public_id)
    patient = access.break_glass_patient_for_user(request.user, public_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "clinical/break_glass.html", {"patient": patient, "form": form}, status=status
    )


@requires("clinical.review_emergencyaccess")
@require_GET
def emergency_review(request):
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET["day"]) if request.GET.get("day") else today
    except ValueError:
        day = today
    grants = access.emergency_access_list_for_user(request.user, day=day)
    return render(
        request, "clinical/emergency_review.html",
        {"grants": grants, "day": day, "previous": day - timedelta(days=1),
         "next": day + timedelta(days=1), "mark": access.EMERGENCY_MARK},
    )  # fmt: skip


@requires("clinical.review_emergencyaccess")
@require_POST
def emergency_reviewed(request, public_id):
    grant = access.emergency_access_get_for_review(request.user, public_id)
    try:
        services.emergency_access_review(
            grant=grant, reviewer=request.user, comment=request.POST.get("comment", "")
        )
    except ClinicalError as exc:
        messages.error(request, str(exc))
    day = timezone.localtime(grant.started_at).date()
    return redirect(f"{reverse('clinical:emergency-review')}?day={day.isoformat()}")
