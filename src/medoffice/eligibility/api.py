"""REST API for eligibility checks: ask the payer about a coverage (or a visit's primary
coverage), and read the checks with their benefits and reject explanations.

Seeing checks needs `eligibility.view_eligibilitycheck`, asking needs
`eligibility.run_eligibilitycheck` (front desk, billers, office manager).
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.core.api_errors import date_param, problem
from medoffice.core.clock import today_at
from medoffice.core.policy import HasRequiredPermission
from medoffice.eligibility import access, rules, services
from medoffice.eligibility.access import RUN, VIEW
from medoffice.eligibility.errors import NotCheckableError
from medoffice.eligibility.models import Trigger
from medoffice.eligibility.panels import primary_coverage
from medoffice.eligibility.states import CheckStatus


class AmountsOut(serializers.Serializer):
    copay = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    coinsurance_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    deductible = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    deductible_remaining = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True
    )
    out_of_pocket = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    out_of_pocket_remaining = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True
    )


class RejectOut(serializers.Serializer):
    code = serializers.CharField(help_text="AAA03 reject reason")
    follow_up = serializers.CharField(help_text="AAA04 follow-up action")
    problem = serializers.CharField()
    action = serializers.CharField(help_text="What the front desk should do")


class EligibilityCheckOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    coverage = serializers.UUIDField(source="coverage.public_id")
    payer = serializers.CharField(source="coverage.payer.payer_id")
    appointment = serializers.SerializerMethodField()
    service_date = serializers.DateField()
    service_type = serializers.CharField(help_text="X12 EQ01 service type code")
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    requested_by = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=CheckStatus.choices)
    trace_number = serializers.CharField()
    plan_name = serializers.CharField()
    coverage_begins = serializers.DateField(allow_null=True)
    coverage_ends = serializers.DateField(allow_null=True)
    in_network = serializers.SerializerMethodField()
    out_of_network = serializers.SerializerMethodField()
    reject = serializers.SerializerMethodField()
    error_reason = serializers.CharField()

    def get_appointment(self, obj) -> str | None:
        return str(obj.appointment.public_id) if obj.appointment_id else None

    def get_requested_by(self, obj) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None

    @extend_schema_field(AmountsOut)
    def get_in_network(self, obj) -> dict:
        return AmountsOut(obj.amounts()["in_network"]).data

    @extend_schema_field(AmountsOut)
    def get_out_of_network(self, obj) -> dict:
        return AmountsOut(obj.amounts()["out_of_network"]).data

    @extend_schema_field(RejectOut(allow_null=True))
    def get_reject(self, obj) -> dict | None:
        if not obj.reject_code:
            return None
        said = rules.explain_reject(obj.reject_code, obj.reject_follow_up)
        return {"code": obj.reject_code, "follow_up": obj.reject_follow_up,
                "problem": said.problem, "action": said.action}  # fmt: skip


class EligibilityCheckDetailOut(EligibilityCheckOut):
    benefits = serializers.JSONField(help_text="Every EB line of the 271, as read")
    request_x12 = serializers.SerializerMethodField(help_text="The 270 sent")
    response_x12 = serializers.SerializerMethodField(help_text="The 271 received")

    def get_request_x12(self, obj) -> str:
        return bytes(obj.request_x12).decode("ascii", "replace")

    def get_response_x12(self, obj) -> str:
        return bytes(obj.response_x12).decode("ascii", "replace")


class EligibilityAsk(serializers.Serializer):
    coverage = serializers.UUIDField(required=False, help_text="Ask about this coverage")
    appointment = serializers.UUIDField(
        required=False, help_text="Or: the visit's primary coverage, for the visit's day"
    )
    service_date = serializers.DateField(
        required=False, help_text="With coverage: the date of service (default today)"
    )

    def validate(self, attrs):
        if bool(attrs.get("coverage")) == bool(attrs.get("appointment")):
            raise serializers.ValidationError("Give a coverage or an appointment (one of them).")
        return attrs


class CheckCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW, "POST": RUN}

    @extend_schema(
        parameters=[
            OpenApiParameter("coverage", str, description="A coverage's id: its history"),
            OpenApiParameter("status", str, enum=list(CheckStatus.values)),
            OpenApiParameter("date_from", str), OpenApiParameter("date_to", str),
        ],
        responses=EligibilityCheckOut(many=True),
        summary="Eligibility checks, newest first (by coverage, status, date of service)",
    )  # fmt: skip
    def get(self, request):
        params = request.query_params
        status = params.get("status", "")
        if status and status not in CheckStatus.values:
            raise ValidationError({"status": [f"One of {', '.join(CheckStatus.values)}."]})
        coverage = None
        if params.get("coverage"):
            try:
                coverage = access.coverage_for_user(request.user, params["coverage"])
            except ValidationError as exc:
                raise ValidationError({"coverage": ["A coverage id."]}) from exc
        checks = access.check_list_for_user(
            request.user, status=status, date_from=date_param(params, "date_from"),
            date_to=date_param(params, "date_to"), coverage=coverage,
        )  # fmt: skip
        return Response(EligibilityCheckOut(checks, many=True).data)

    @extend_schema(
        request=EligibilityAsk, responses={201: EligibilityCheckDetailOut},
        summary="Ask the payer now (270); the answer (271) is in the result when immediate",
    )  # fmt: skip
    def post(self, request):
        data = EligibilityAsk(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        appointment = None
        if values.get("appointment"):
            appointment = access.appointment_for_user(request.user, values["appointment"])
            coverage, day = primary_coverage(appointment)
            if coverage is None:
                return problem(409, "Conflict", "No insurance in force on the day of the visit.",
                               code="self_pay")  # fmt: skip
        else:
            coverage = access.coverage_for_user(request.user, values["coverage"], permission=RUN)
            day = values.get("service_date") or today_at(coverage.patient)
        try:
            check = services.check_run(
                coverage=coverage, service_date=day, appointment=appointment,
                requested_by=request.user,
            )  # fmt: skip
        except NotCheckableError as exc:
            return problem(409, "Conflict", str(exc), code=exc.code)
        return Response(EligibilityCheckDetailOut(check).data, status=201)


class CheckItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW}

    @extend_schema(responses=EligibilityCheckDetailOut, summary="One check with its 270 and 271")
    def get(self, request, public_id):
        check = access.check_get_for_user(request.user, public_id)
        return Response(EligibilityCheckDetailOut(check).data)
