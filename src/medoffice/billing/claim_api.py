"""REST API for claims and batches (billers: `billing.view_claim`, `billing.send_claimbatch`,
`billing.correct_claim`, `billing.view_claimbatch`). Thin: the same access functions and
services as the screens; refusals are problem documents with a stable `code`."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.billing import access, claim_selectors
from medoffice.billing import claims as claim_services
from medoffice.billing.errors import BillingError
from medoffice.billing.models import ClaimFrequency
from medoffice.billing.states import BatchStatus, ClaimStatus
from medoffice.core.access import practice_id_for
from medoffice.core.api_errors import date_param, problem
from medoffice.core.models import AuditAction
from medoffice.core.policy import HasRequiredPermission
from medoffice.patients.models import Payer


class ClaimLineOut(serializers.Serializer):
    number = serializers.IntegerField()
    date_of_service = serializers.DateField()
    code = serializers.CharField()
    modifiers = serializers.ListField(child=serializers.CharField(), source="modifier_list")
    units = serializers.IntegerField()
    pointers = serializers.ListField(child=serializers.IntegerField(), source="pointer_list")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    control_number = serializers.CharField()


class ClaimEventOut(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    file = serializers.SerializerMethodField()
    by = serializers.SerializerMethodField()

    def get_file(self, obj) -> str | None:
        return obj.source_file.name if obj.source_file_id else None

    def get_by(self, obj) -> str | None:
        return obj.by.username if obj.by_id else None


class ClaimOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient_control_number = serializers.CharField()
    payer_claim_number = serializers.CharField()
    patient = serializers.UUIDField(source="patient.public_id")
    encounter = serializers.SerializerMethodField()
    payer = serializers.CharField(source="payer.payer_id", help_text="Payer id")
    coverage = serializers.UUIDField(source="coverage.public_id")
    responsibility = serializers.ChoiceField(choices=[1, 2, 3])
    frequency = serializers.ChoiceField(choices=ClaimFrequency.choices)
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    status_reason = serializers.CharField()
    service_from = serializers.DateField()
    service_to = serializers.DateField()
    total_charge = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    sent_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    def get_encounter(self, obj) -> str:
        return str(obj.encounter.public_id)


class IssueOut(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField()


class ClaimDetailOut(ClaimOut):
    diagnosis_codes = serializers.ListField(child=serializers.CharField())
    issues = IssueOut(many=True)
    lines = ClaimLineOut(many=True, source="lines.all")
    history = ClaimEventOut(many=True, source="events.all")
    original = serializers.SerializerMethodField()

    def get_original(self, obj) -> str | None:
        return str(obj.original.public_id) if obj.original_id else None


class CorrectionIn(serializers.Serializer):
    frequency = serializers.ChoiceField(
        choices=[ClaimFrequency.REPLACEMENT, ClaimFrequency.VOID],
        help_text="7 replaces the claim, 8 voids it",
    )
    reason = serializers.CharField(max_length=300)


class BatchOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    interchange_control = serializers.IntegerField()
    connection = serializers.CharField(source="connection.name")
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    usage = serializers.CharField(help_text="T test, P production")
    claim_count = serializers.IntegerField()
    total_charge = serializers.DecimalField(max_digits=12, decimal_places=2)
    file_name = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class SendOut(serializers.Serializer):
    built = serializers.IntegerField()
    clean = serializers.IntegerField(source="scrubbed_clean")
    with_errors = serializers.IntegerField()
    sent_claims = serializers.IntegerField()
    waiting_claims = serializers.IntegerField()
    unrouted = serializers.DictField(child=serializers.IntegerField())
    batches = serializers.SerializerMethodField()

    @extend_schema(responses=BatchOut(many=True))
    def get_batches(self, obj) -> list:
        return BatchOut([o.batch for o in obj.batches], many=True).data


class PickupOut(serializers.Serializer):
    connection = serializers.CharField()
    error = serializers.CharField()
    summary = serializers.CharField()
    files = serializers.SerializerMethodField()

    def get_files(self, obj) -> list[dict]:
        return [{"name": f.name, "status": f.status, "summary": f.summary} for f in obj.files]


def _refused(exc: BillingError) -> Response:
    return problem(409, "Conflict", str(exc), code=exc.code)


class ClaimCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_claim"}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(ClaimStatus.values)),
            OpenApiParameter("payer", str, description="Payer id"),
            OpenApiParameter("date_from", str), OpenApiParameter("date_to", str),
            OpenApiParameter("q", str, description="Claim or payer claim number, MRN, last name"),
        ],
        responses=ClaimOut(many=True), summary="Claims, by status, payer and dates of service",
    )  # fmt: skip
    def get(self, request):
        params = request.query_params
        status = params.get("status", "")
        if status and status not in ClaimStatus.values:
            raise ValidationError({"status": [f"One of {', '.join(ClaimStatus.values)}."]})
        payer_id = None
        if params.get("payer"):
            payer = Payer.objects.filter(payer_id=params["payer"]).first()
            if payer is None:
                raise ValidationError({"payer": ["No payer with this id."]})
            payer_id = payer.pk
        claims = access.claim_list_for_user(
            request.user, statuses=(status,) if status else (), payer_id=payer_id,
            date_from=date_param(params, "date_from"), date_to=date_param(params, "date_to"),
            query=params.get("q", "")[:50],
        )  # fmt: skip
        return Response(ClaimOut(claims, many=True).data)


class ClaimItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_claim"}

    @extend_schema(responses=ClaimDetailOut, summary="A claim with its lines, issues and history")
    def get(self, request, public_id):
        return Response(ClaimDetailOut(access.claim_get_for_user(request.user, public_id)).data)


class ClaimResend(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "billing.send_claimbatch"}

    @extend_schema(
        request=None, responses=ClaimDetailOut,
        summary="Send a fixed claim again (scrubbed first; 409 with the errors to fix)",
    )  # fmt: skip
    def post(self, request, public_id):
        from medoffice.billing.exchange import claim_resend

        claim = access.claim_get_for_user(
            request.user, public_id, permission="billing.send_claimbatch", audit=False
        )
        try:
            claim_resend(claim=claim, by=request.user)
        except BillingError as exc:
            return _refused(exc)
        fresh = access.claim_get_for_user(request.user, public_id, audit=False)
        return Response(ClaimDetailOut(fresh).data)


class ClaimCorrect(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "billing.correct_claim"}

    @extend_schema(
        request=CorrectionIn, responses={201: ClaimDetailOut},
        summary="Replace (7) or void (8) a claim the payer has: a new claim, the original closed",
    )  # fmt: skip
    def post(self, request, public_id):
        claim = access.claim_get_for_user(
            request.user, public_id, permission="billing.correct_claim", audit=False
        )
        data = CorrectionIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            correction = claim_services.claim_correct(
                claim=claim, by=request.user, **data.validated_data
            )
        except BillingError as exc:
            return _refused(exc)
        fresh = access.claim_get_for_user(request.user, correction.public_id, audit=False)
        return Response(ClaimDetailOut(fresh).data, status=201)


class ClaimsSend(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "billing.send_claimbatch"}

    @extend_schema(
        request=None, responses=SendOut,
        summary="Build, scrub and send every ready claim of the practice",
    )  # fmt: skip
    def post(self, request):
        from medoffice.billing.exchange import claims_send

        report = claims_send(practice_id=practice_id_for(request.user), by=request.user)
        return Response(SendOut(report).data)


class ResponsesPickup(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "billing.send_claimbatch"}

    @extend_schema(
        request=None, responses=PickupOut(many=True),
        summary="Pick up the clearinghouse's answers (999, 277CA) and apply them",
    )  # fmt: skip
    def post(self, request):
        from medoffice.billing.acks import responses_pick_up_for_practice

        reports = responses_pick_up_for_practice(
            practice_id=practice_id_for(request.user), by=request.user
        )
        return Response(
            [
                {"connection": r.connection, "error": r.error, "summary": r.summary(),
                 "files": PickupOut().get_files(r)}
                for r in reports
            ]
        )  # fmt: skip


class BatchCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_claimbatch"}

    @extend_schema(responses=BatchOut(many=True), summary="Claim batches, newest first")
    def get(self, request):
        from medoffice.core.audit import audit_record

        batches = claim_selectors.batch_list(practice_id=practice_id_for(request.user))
        audit_record(
            action=AuditAction.READ, object_type="billing.claimbatch", category="billing",
            detail=f"{len(batches)} batches listed",
        )  # fmt: skip
        return Response(BatchOut(batches, many=True).data)
