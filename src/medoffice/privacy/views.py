"""The privacy officer's screens (risk assessment, incidents and breaches, workforce training
and policies, business associates) and every staff member's policy acknowledgements.
Thin: services.py writes, selectors.py reads, both within the user's practice."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.access import practice_for, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.forms import apply_service_errors
from medoffice.core.models import AuditAction
from medoffice.core.policy import AUTHENTICATED, requires
from medoffice.privacy import selectors, services
from medoffice.privacy.forms import (
    AnswerForm,
    AssessmentForm,
    BusinessAssociateForm,
    IncidentForm,
    NoticesForm,
    PolicyForm,
    TrainingForm,
    YearForm,
)
from medoffice.privacy.letters import letters_pdf, notices_csv
from medoffice.privacy.models import (
    BusinessAssociate,
    PrivacyPolicy,
    RiskAssessment,
    SecurityIncident,
)

# ---------------------------------------------------------------- overview


@require_GET
@requires("privacy.view_riskassessment")
def home(request):
    today = timezone.localdate()
    incidents = [
        (i, services.notice_plan(i, today=today))
        for i in selectors.incidents_for(request.user).filter(closed_at__isnull=True)
    ]
    workforce = selectors.workforce(request.user, today=today)
    associates = [
        (ba, selectors.baa_state(ba, today))
        for ba in selectors.business_associates_for(request.user)
    ]
    return render(
        request, "privacy/home.html", {
            "assessments": selectors.assessments_for(request.user)[:3],
            "this_year": today.year, "incidents": incidents,
            "overdue": [w for w in workforce if w.overdue], "staff": len(workforce),
            "associates": [a for a in associates if a[1] != "in force"],
        },
    )  # fmt: skip


# ---------------------------------------------------------------- risk assessment


@require_GET
@requires("privacy.view_riskassessment")
def assessment_list(request):
    return render(
        request, "privacy/assessment_list.html", {
            "assessments": selectors.assessments_for(request.user),
            "form": YearForm(initial={"year": timezone.localdate().year}),
        },
    )  # fmt: skip


@require_POST
@requires("privacy.add_riskassessment")
def assessment_start(request):
    form = YearForm(request.POST)
    if form.is_valid():
        try:
            assessment = services.assessment_start(
                practice=practice_for(request.user), user=request.user,
                year=form.cleaned_data["year"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error("year", exc.messages)
        else:
            return redirect("privacy:assessment-detail", assessment.public_id)
    return render(
        request, "privacy/assessment_list.html",
        {"assessments": selectors.assessments_for(request.user), "form": form}, status=422,
    )  # fmt: skip


@require_GET
@requires("privacy.view_riskassessment")
def assessment_detail(request, public_id):
    assessment = selectors.in_practice(RiskAssessment.objects.all(), request.user, public_id)
    sections, previous = selectors.assessment_sections(assessment)
    return render(
        request, "privacy/assessment_detail.html", {
            "assessment": assessment, "sections": sections, "previous": previous,
            "summary": selectors.assessment_summary(assessment),
        },
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@requires("privacy.change_riskassessment")
def answer_edit(request, public_id):
    answer = selectors.answer_get(request.user, public_id)
    practice_id = practice_id_for(request.user)
    form = AnswerForm(request.POST or None, instance=answer, practice_id=practice_id)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.answer_save(
                    answer=answer, user=request.user,
                    **{k: form.cleaned_data[k] for k in form.Meta.fields},
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("privacy:assessment-detail", answer.assessment.public_id)
        status = 422
    return render(
        request, "privacy/answer_edit.html",
        {"form": form, "answer": answer, "question": selectors.BY_KEY.get(answer.question_key)},
        status=status,
    )  # fmt: skip


@require_POST
@requires("privacy.change_riskassessment")
def assessment_complete(request, public_id):
    assessment = selectors.in_practice(RiskAssessment.objects.all(), request.user, public_id)
    try:
        services.assessment_complete(assessment=assessment, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The {assessment.year} assessment is complete.")
    return redirect("privacy:assessment-detail", assessment.public_id)


# ---------------------------------------------------------------- incidents


@require_GET
@requires("privacy.view_securityincident")
def incident_list(request):
    today = timezone.localdate()
    incidents = [
        (i, services.notice_plan(i, today=today)) for i in selectors.incidents_for(request.user)
    ]
    return render(request, "privacy/incident_list.html", {"incidents": incidents})


@require_http_methods(["GET", "POST"])
@requires("privacy.add_securityincident")
def incident_add(request):
    practice_id = practice_id_for(request.user)
    form = IncidentForm(
        request.POST or None, practice_id=practice_id,
        initial={"discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = services.incident_report(
                    practice=practice_for(request.user), user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("privacy:incident-detail", incident.public_id)
        status = 422
    return render(
        request, "privacy/incident_form.html", {"form": form, "incident": None}, status=status
    )


def _incident(request, public_id) -> SecurityIncident:
    return selectors.in_practice(
        SecurityIncident.objects.select_related("subject_user", "subject_token", "reported_by"),
        request.user,
        public_id,
    )


def _detail(request, incident, *, assess_form=None, notices_form=None, status=200):
    plan = services.notice_plan(incident)
    affected = list(incident.affected.select_related("patient"))
    audit_record(
        action=AuditAction.READ, obj=incident, category="security",
        detail=f"incident page: {len(affected)} affected patients listed",
    )  # fmt: skip
    return render(
        request, "privacy/incident_detail.html", {
            "incident": incident, "plan": plan, "affected": affected,
            "assess_form": assess_form or AssessmentForm(instance=incident),
            "notices_form": notices_form or NoticesForm(instance=incident),
        }, status=status,
    )  # fmt: skip


@require_GET
@requires("privacy.view_securityincident")
def incident_detail(request, public_id):
    return _detail(request, _incident(request, public_id))


@require_http_methods(["GET", "POST"])
@requires("privacy.change_securityincident")
def incident_edit(request, public_id):
    incident = _incident(request, public_id)
    form = IncidentForm(
        request.POST or None, instance=incident, practice_id=practice_id_for(request.user)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_update(
                    incident=incident, **{k: form.cleaned_data[k] for k in form.Meta.fields}
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("privacy:incident-detail", incident.public_id)
        status = 422
    return render(
        request, "privacy/incident_form.html", {"form": form, "incident": incident}, status=status
    )


@require_POST
@requires("privacy.change_securityincident")
def incident_scope(request, public_id):
    incident = _incident(request, public_id)
    try:
        count = services.incident_scope(incident=incident)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{count} patients found in the audit trail.")
    return redirect("privacy:incident-detail", incident.public_id)


@require_POST
@requires("privacy.change_securityincident")
def incident_assess(request, public_id):
    incident = _incident(request, public_id)
    form = AssessmentForm(request.POST, instance=incident)
    if form.is_valid():
        try:
            services.incident_assess(
                incident=incident, **{k: form.cleaned_data[k] for k in form.Meta.fields}
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("privacy:incident-detail", incident.public_id)
    incident.refresh_from_db()
    return _detail(request, incident, assess_form=form, status=422)


@require_POST
@requires("privacy.change_securityincident")
def incident_notices(request, public_id):
    incident = _incident(request, public_id)
    form = NoticesForm(request.POST, instance=incident)
    if form.is_valid():
        services.incident_notices(incident=incident, **form.cleaned_data)
        return redirect("privacy:incident-detail", incident.public_id)
    incident.refresh_from_db()
    return _detail(request, incident, notices_form=form, status=422)


@require_GET
@requires("privacy.view_securityincident")
def incident_letters(request, public_id):
    incident = _incident(request, public_id)
    count = incident.affected.count()
    pdf = letters_pdf(
        incident, practice_name=practice_for(request.user).name, today=timezone.localdate()
    )
    audit_record(
        action=AuditAction.PRINT, obj=incident, category="security",
        detail=f"breach notification letters: {count}",
    )  # fmt: skip
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="breach-letters.pdf"'
    return response


@require_GET
@requires("privacy.view_securityincident")
def incident_export(request, public_id):
    incident = _incident(request, public_id)
    text = notices_csv(incident)
    audit_record(
        action=AuditAction.EXPORT, obj=incident, category="security",
        detail=f"breach notice list: {incident.affected.count()} rows",
    )  # fmt: skip
    response = HttpResponse(text, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="breach-notices.csv"'
    return response


# ---------------------------------------------------------------- workforce


def _workforce(request, *, training_form=None, policy_form=None, status=200):
    practice_id = practice_id_for(request.user)
    return render(
        request, "privacy/workforce.html", {
            "rows": selectors.workforce(request.user),
            "policies": PrivacyPolicy.objects.filter(practice_id=practice_id).prefetch_related(
                "acks__user"
            ),
            "training_form": training_form or TrainingForm(practice_id=practice_id),
            "policy_form": policy_form or PolicyForm(),
        }, status=status,
    )  # fmt: skip


@require_GET
@requires("privacy.view_trainingrecord")
def workforce(request):
    return _workforce(request)


@require_POST
@requires("privacy.add_trainingrecord")
def training_add(request):
    form = TrainingForm(request.POST, practice_id=practice_id_for(request.user))
    if form.is_valid():
        try:
            services.training_record(
                practice=practice_for(request.user), recorded_by=request.user,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("privacy:workforce")
    return _workforce(request, training_form=form, status=422)


@require_POST
@requires("privacy.add_privacypolicy")
def policy_add(request):
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.policy_add(practice=practice_for(request.user), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, "This policy version already exists." if "__all__" in getattr(
                exc, "message_dict", {}) else exc.messages)  # fmt: skip
        else:
            return redirect("privacy:workforce")
    return _workforce(request, policy_form=form, status=422)


@require_GET
@requires(AUTHENTICATED)
def my_policies(request):
    return render(
        request, "privacy/my_policies.html", {"policies": selectors.my_policies(request.user)}
    )


@require_POST
@requires(AUTHENTICATED)
def policy_ack(request, public_id):
    policy = selectors.in_practice(PrivacyPolicy.objects.all(), request.user, public_id)
    services.policy_acknowledge(policy=policy, user=request.user)
    messages.success(request, f"You acknowledged {policy}.")
    return redirect("privacy:my-policies")


# ---------------------------------------------------------------- business associates


@require_GET
@requires("privacy.view_businessassociate")
def baa_list(request):
    today = timezone.localdate()
    rows = [
        (ba, selectors.baa_state(ba, today))
        for ba in selectors.business_associates_for(request.user)
    ]
    return render(request, "privacy/baa_list.html", {"rows": rows})


def _baa_form(request, ba, *, permission_add: bool):
    form = BusinessAssociateForm(request.POST or None, instance=ba)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.baa_save(ba=form.save(commit=False))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("privacy:baa-list")
        status = 422
    return render(
        request, "privacy/baa_form.html",
        {"form": form, "ba": None if permission_add else ba}, status=status,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@requires("privacy.add_businessassociate")
def baa_add(request):
    return _baa_form(
        request, BusinessAssociate(practice=practice_for(request.user)), permission_add=True
    )


@require_http_methods(["GET", "POST"])
@requires("privacy.change_businessassociate")
def baa_edit(request, public_id):
    ba = selectors.in_practice(BusinessAssociate.objects.all(), request.user, public_id)
    return _baa_form(request, ba, permission_add=False)
