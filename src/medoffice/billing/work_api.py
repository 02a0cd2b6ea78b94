"""REST API for the billers' work on claims: the work queues, one claim's reasons and what to
fix, notes, resend, status requests, appeals; and code explanations (no patient data).

Billers only (`billing.view_claim_queues`, `billing.work_claim`, the appeal permissions);
the front desk has none of them.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.billing import appeals as appeal_letters
from medoffice.billing import claim_work, explanations, follow_up, work_access
from medoffice.billing.errors import BillingError
from medoffice.billing.models import AppealMethod, AppealOutcome
from medoffice.billing.worklists import QUEUES
from medoffice.core.api_errors import problem
from medoffice.core.policy import AUTHENTICATED, HasRequiredPermission


class FixOut(serializers.Serializer):
    key = serializers.CharField()
    screen = serializers.CharField()
    fields = serializers.CharField()


class ReasonOut(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()
    fix = FixOut(allow_null=True)
    rejected = serializers.BooleanField()


class RemarkOut(serializers.Serializer):
    code = serializers.CharField()
    meaning = serializers.CharField()
    action = serializers.CharField()
    fix = FixOut(allow_null=True)


class RemarksOut(serializers.Serializer):
    remarks = RemarkOut(many=True)


class AdjustmentOut(serializers.Serializer):
    code = serializers.CharField()
    group_name = serializers.CharField()
    title = serializers.CharField()
    meaning = serializers.CharField()
    action = serializers.CharField()
    kind = serializers.CharField()
    fix = FixOut(allow_null=True)
    billable_to_patient = serializers.BooleanField()
    remarks = RemarkOut(many=True)


class ClaimRefOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    payer = serializers.CharField(source="payer.payer_id")
    status = serializers.CharField()
    service_from = serializers.DateField()
    total_charge = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    patient_control_number = serializers.CharField()
    payer_claim_number = serializers.CharField()


class QueueRowOut(serializers.Serializer):
    claim = ClaimRefOut()
    reasons = ReasonOut(many=True, required=False)
    adjustments = serializers.ListField(child=serializers.DictField(), required=False)
    appeal_by = serializers.DateField(required=False, allow_null=True)
    days_waiting = serializers.IntegerField(required=False)
    deadline = serializers.DateField(required=False)
    days_left = serializers.IntegerField(required=False)


class AppealOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    claim = serializers.UUIDField(source="claim.public_id")
    level = serializers.IntegerField()
    status = serializers.CharField()
    template = serializers.CharField()
    reasons = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    enclosures = serializers.CharField()
    amount_disputed = serializers.DecimalField(max_digits=12, decimal_places=2)
    deadline = serializers.DateField(allow_null=True)
    filed_on = serializers.DateField(allow_null=True)
    method = serializers.CharField()
    reference = serializers.CharField()
    outcome = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    amount_recovered = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


def _adjustment(a, e) -> dict:
    return {"amount": str(a.amount), **AdjustmentOut(e).data}


def _row(queue: str, row) -> dict:
    if queue == "appeals":
        return AppealOut(row).data
    out = {"claim": ClaimRefOut(row.claim).data}
    if queue == "rejections":
        out["reasons"] = ReasonOut(row.reasons, many=True).data
    elif queue == "denials":
        out["adjustments"] = [_adjustment(a, e) for a, e in row.adjustments]
        out["remarks"] = RemarkOut(row.remarks, many=True).data
        out["appeal_by"] = row.appeal_by
    elif queue == "no-response":
        out["days_waiting"] = row.days_waiting
        out["last_status_request"] = row.last_inquiry.sent_at if row.last_inquiry else None
    elif queue == "deadlines":
        out["deadline"], out["days_left"] = row.deadline, row.days_left
    return out


class ClaimQueue(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": work_access.VIEW_QUEUES}

    @extend_schema(
        summary="A work queue: rejections, denials, no-response, deadlines or appeals",
        parameters=[OpenApiParameter("within", int, description="deadlines: days ahead (30)")],
        responses=QueueRowOut(many=True),
    )
    def get(self, request, queue):
        if queue not in QUEUES:
            return problem(404, "Not found", f"Queues: {', '.join(QUEUES)}.")
        options = {}
        if queue == "deadlines" and request.query_params.get("within"):
            try:
                options["within_days"] = max(1, min(365, int(request.query_params["within"])))
            except ValueError:
                return problem(400, "Bad request", "within: a number of days.")
        rows = work_access.queue_for_user(request.user, queue, **options)
        return Response([_row(queue, row) for row in rows])


class ClaimWorkItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": work_access.VIEW_QUEUES}

    @extend_schema(
        summary="A claim's open reasons (what to fix) and the payer's decisions",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, public_id):
        claim = work_access.claim_for_work(request.user, public_id)
        findings = list(claim.findings.filter(resolved_at__isnull=True).order_by("-at"))
        remark_codes = [f.code for f in claim.findings.filter(source="835")]
        adjustments = [
            _adjustment(a, explanations.explain_adjustment(a.group, a.reason, remark_codes))
            for adjudication in claim.adjudications.filter(superseded=False)
            for a in adjudication.adjustments.all()
        ]
        return Response({
            "claim": ClaimRefOut(claim).data,
            "reasons": [
                ReasonOut(explanations.Rejection(
                    f.code, f.reason, explanations.FIX_TARGETS.get(f.fix), f.rejected
                )).data for f in findings
            ],
            "adjustments": adjustments,
            "notes": [{"at": n.at, "by": n.by.get_username(), "text": n.text}
                      for n in claim.notes.select_related("by")],
            "status_requests": [
                {"sent_at": i.sent_at, "trace_number": i.trace_number, "error": i.error,
                 "answer": i.answer} for i in claim.inquiries.all()[:10]
            ],
        })  # fmt: skip


def _claim_for_action(request, public_id, permission=work_access.WORK):
    return work_access.claim_for_work(request.user, public_id, permission=permission, audit=False)


def _refused(exc: Exception):
    if isinstance(exc, ValidationError):
        return problem(400, "Bad request", "; ".join(exc.messages))
    return problem(409, "Conflict", str(exc), code=getattr(exc, "code", "conflict"))


class ClaimNoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ClaimNoteCreate(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": work_access.WORK}

    @extend_schema(
        summary="Add a note to a claim", request=ClaimNoteIn, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request, public_id):
        claim = _claim_for_action(request, public_id)
        data = ClaimNoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        text = data.validated_data["text"]
        note = claim_work.claim_note_add(claim=claim, text=text, by=request.user)
        return Response({"at": note.at, "text": note.text}, status=201)


class ClaimStatusRequest(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": work_access.WORK}

    @extend_schema(
        summary="Send a claim status request (276) now",
        request=None,
        responses={201: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT},
    )
    def post(self, request, public_id):
        claim = _claim_for_action(request, public_id)
        try:
            inquiry = follow_up.status_request_send(claim=claim, by=request.user)
        except BillingError as exc:
            return _refused(exc)
        return Response(
            {"trace_number": inquiry.trace_number, "sent_at": inquiry.sent_at,
             "error": inquiry.error},
            status=201 if not inquiry.error else 202,
        )  # fmt: skip


class AppealIn(serializers.Serializer):
    template = serializers.ChoiceField(choices=[], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = list(appeal_letters.templates())


class ClaimAppealCreate(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": work_access.ADD_APPEAL}

    @extend_schema(summary="Draft an appeal from the template", request=AppealIn,
                   responses={201: AppealOut})  # fmt: skip
    def post(self, request, public_id):
        claim = _claim_for_action(request, public_id, work_access.ADD_APPEAL)
        data = AppealIn(data=request.data)
        data.is_valid(raise_exception=True)
        draft = appeal_letters.appeal_draft(claim, template=data.validated_data.get("template"))
        try:
            appeal = claim_work.appeal_create(
                claim=claim, template=draft.template, subject=draft.subject, body=draft.body,
                reasons=draft.reasons, amount_disputed=draft.amount_disputed,
                enclosures=draft.enclosures, by=request.user,
                deadline=claim_work.appeal_deadline(claim, appeal_letters.decision_date(claim)),
            )  # fmt: skip
        except (BillingError, ValidationError) as exc:
            return _refused(exc)
        return Response(AppealOut(appeal).data, status=201)


class AppealStepIn(serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(required=False)
    enclosures = serializers.CharField(required=False, allow_blank=True)
    filed_on = serializers.DateField(required=False)
    method = serializers.ChoiceField(choices=AppealMethod.choices, required=False)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    outcome = serializers.ChoiceField(choices=AppealOutcome.choices, required=False)
    decided_on = serializers.DateField(required=False)
    amount_recovered = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


STEPS = ("edit", "file", "decide", "withdraw")
NEEDS = {"edit": ("subject", "body"), "file": ("filed_on", "method"),
         "decide": ("outcome", "decided_on"), "withdraw": ()}  # fmt: skip


class AppealItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": work_access.VIEW_APPEAL, "POST": work_access.CHANGE_APPEAL}

    @extend_schema(summary="An appeal and its outcome", responses=AppealOut)
    def get(self, request, public_id):
        return Response(AppealOut(work_access.appeal_get_for_user(request.user, public_id)).data)

    @extend_schema(
        summary="Move an appeal on: ?step=edit|file|decide|withdraw", request=AppealStepIn,
        parameters=[OpenApiParameter("step", str, required=True, enum=list(STEPS))],
        responses=AppealOut,
    )  # fmt: skip
    def post(self, request, public_id):
        step = request.query_params.get("step", "")
        if step not in STEPS:
            return problem(400, "Bad request", f"step: one of {', '.join(STEPS)}.")
        appeal = work_access.appeal_get_for_user(
            request.user, public_id, permission=work_access.CHANGE_APPEAL, audit=False
        )
        data = AppealStepIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        missing = [name for name in NEEDS[step] if name not in v]
        if missing:
            return problem(400, "Bad request", f"Needed for {step}: {', '.join(missing)}.")
        try:
            if step == "edit":
                claim_work.appeal_edit(
                    appeal=appeal,
                    subject=v["subject"],
                    body=v["body"],
                    enclosures=v.get("enclosures", appeal.enclosures),
                )
            elif step == "file":
                claim_work.appeal_file(
                    appeal=appeal,
                    filed_on=v["filed_on"],
                    method=v["method"],
                    reference=v.get("reference", ""),
                    by=request.user,
                )
            elif step == "decide":
                claim_work.appeal_decide(
                    appeal=appeal,
                    outcome=v["outcome"],
                    decided_on=v["decided_on"],
                    amount_recovered=v.get("amount_recovered"),
                    note=v.get("note", ""),
                    by=request.user,
                )
            else:
                claim_work.appeal_withdraw(appeal=appeal, by=request.user)
        except (BillingError, ValidationError) as exc:
            return _refused(exc)
        return Response(AppealOut(appeal).data)  # fmt: skip


class CodeExplanation(APIView):
    """Any CARC/RARC/277CA code explained: reference data, no patient data."""

    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": AUTHENTICATED}

    @extend_schema(
        summary="Explain payer codes: adjustment=CO-16&remark=M76, or status=A7:562:82",
        parameters=[
            OpenApiParameter("adjustment", str, description="group-reason, e.g. CO-97"),
            OpenApiParameter("remark", str, many=True, description="RARC, e.g. N290"),
            OpenApiParameter("status", str, description="277CA STC01, e.g. A7:562:82"),
        ],
        # One of AdjustmentOut, ReasonOut or RemarksOut: always an object (oneOf would not
        # tell them apart, each carries a code and an action).
        responses={200: OpenApiTypes.OBJECT},
    )  # fmt: skip
    def get(self, request):
        params = request.query_params
        remarks = params.getlist("remark")
        if params.get("adjustment"):
            group, reason = explanations.parse_adjustment(params["adjustment"])
            explained = explanations.explain_adjustment(group, reason, remarks)
            return Response(AdjustmentOut(explained).data)
        if params.get("status"):
            parts = (params["status"].split(":") + ["", ""])[:3]
            return Response(ReasonOut(explanations.explain_claim_status(*parts)).data)
        if remarks:
            explained = [explanations.explain_remark(r) for r in remarks]
            return Response(RemarksOut({"remarks": explained}).data)
        return problem(400, "Bad request", "Give adjustment, remark or status.")
