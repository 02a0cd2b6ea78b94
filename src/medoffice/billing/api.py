"""REST API for encounters (superbill, signing, corrections, scrubber results) and charges.

Encounters carry diagnoses: `billing.view_encounter` (clinicians, coders,
billers). Charges carry services and amounts only: `billing.view_charge`
(which the front desk also has, for receipts).
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.billing import access, services
from medoffice.billing.errors import BillingError, PriceMissingError
from medoffice.billing.rules import LineInput
from medoffice.billing.selectors import current_lines, encounter_scrub
from medoffice.billing.states import EncounterStatus
from medoffice.core.access import practice_id_for
from medoffice.core.api_errors import date_param, problem
from medoffice.core.models import Provider
from medoffice.core.policy import HasRequiredPermission
from medoffice.patients.models import Payer


class DiagnosisOut(serializers.Serializer):
    order = serializers.IntegerField()
    letter = serializers.CharField()
    code = serializers.CharField(source="dotted", help_text="ICD-10-CM with the dot")
    description = serializers.CharField()


class LineOut(serializers.Serializer):
    number = serializers.IntegerField()
    code = serializers.CharField()
    description = serializers.CharField()
    modifiers = serializers.ListField(child=serializers.CharField())
    units = serializers.IntegerField()
    pointers = serializers.ListField(child=serializers.IntegerField(), help_text="Diagnosis orders")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    charge_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class IssueOut(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField()


def _uuid_or_none(value):
    return str(value.public_id) if value is not None else None


class EncounterOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    provider = serializers.CharField(source="provider.npi", help_text="NPI")
    location = serializers.UUIDField(source="location.public_id")
    appointment = serializers.SerializerMethodField()
    coverage = serializers.SerializerMethodField()
    payer = serializers.SerializerMethodField(help_text="Payer id of the coverage")
    date_of_service = serializers.DateField()
    place_of_service = serializers.CharField()
    status = serializers.ChoiceField(choices=EncounterStatus.choices)
    version = serializers.IntegerField()
    signed_at = serializers.DateTimeField(allow_null=True)
    referring_provider_name = serializers.CharField()
    referring_provider_npi = serializers.CharField()
    prior_authorization = serializers.CharField()
    diagnoses = DiagnosisOut(many=True, source="diagnoses.all")
    lines = serializers.SerializerMethodField()

    def get_appointment(self, obj) -> str | None:
        return _uuid_or_none(obj.appointment)

    def get_coverage(self, obj) -> str | None:
        return _uuid_or_none(obj.coverage)

    def get_payer(self, obj) -> str | None:
        return obj.coverage.payer.payer_id if obj.coverage_id else None

    @extend_schema(responses=LineOut(many=True))
    def get_lines(self, obj) -> list:
        return LineOut(current_lines(obj), many=True).data


class EncounterDetailOut(EncounterOut):
    issues = serializers.SerializerMethodField()
    can_claim = serializers.SerializerMethodField()

    def _result(self, obj):
        if not hasattr(obj, "_scrub_result"):
            obj._scrub_result = encounter_scrub(obj)
        return obj._scrub_result

    @extend_schema(responses=IssueOut(many=True))
    def get_issues(self, obj) -> list:
        return IssueOut(self._result(obj).issues, many=True).data

    def get_can_claim(self, obj) -> bool:
        return self._result(obj).can_claim


class LineIn(serializers.Serializer):
    code = serializers.CharField(max_length=10)
    units = serializers.IntegerField(default=1)
    modifiers = serializers.ListField(child=serializers.CharField(max_length=4), default=list)
    pointers = serializers.ListField(
        child=serializers.CharField(max_length=10), default=list,
        help_text="Diagnosis orders (1-12), letters (A-L) or ICD-10-CM codes; empty: first four",
    )  # fmt: skip


class SuperbillIn(serializers.Serializer):
    diagnoses = serializers.ListField(
        child=serializers.CharField(max_length=10), help_text="ICD-10-CM codes in claim order"
    )
    lines = LineIn(many=True)
    place_of_service = serializers.CharField(max_length=2, required=False)
    referring_provider_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True
    )
    referring_provider_npi = serializers.CharField(max_length=10, required=False, allow_blank=True)
    prior_authorization = serializers.CharField(max_length=50, required=False, allow_blank=True)


class AmendIn(SuperbillIn):
    reason = serializers.CharField(max_length=300)


class ChargeOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    encounter = serializers.UUIDField(source="encounter.public_id")
    patient = serializers.UUIDField(source="encounter.patient.public_id")
    provider = serializers.CharField(source="provider.npi")
    coverage = serializers.SerializerMethodField()
    date_of_service = serializers.DateField()
    code = serializers.CharField()
    modifiers = serializers.CharField()
    units = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    encounter_version = serializers.IntegerField()
    reverses = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_coverage(self, obj) -> str | None:
        return _uuid_or_none(obj.coverage)

    def get_reverses(self, obj) -> str | None:
        return _uuid_or_none(obj.reverses)


def _superbill_args(values: dict) -> dict:
    header = {
        name: values[name]
        for name in (
            "place_of_service",
            "referring_provider_name",
            "referring_provider_npi",
            "prior_authorization",
        )  # fmt: skip
        if name in values
    }
    return {
        "diagnoses": values["diagnoses"],
        "lines": [
            LineInput(
                code=line["code"],
                units=line["units"],
                modifiers=tuple(line["modifiers"]),
                pointers=tuple(line["pointers"]),
            )  # fmt: skip
            for line in values["lines"]
        ],
        "header": header,
    }


def _refused(exc: BillingError) -> Response:
    extra = {"codes": exc.codes} if isinstance(exc, PriceMissingError) else {}
    return problem(409, "Conflict", str(exc), code=exc.code, **extra)


class EncounterCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_encounter"}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(EncounterStatus.values)),
            OpenApiParameter("provider", str, description="NPI"),
            OpenApiParameter("payer", str, description="Payer id"),
            OpenApiParameter("date_from", str), OpenApiParameter("date_to", str),
        ],
        responses=EncounterOut(many=True),
        summary="Encounters, by status, provider, payer and dates of service",
    )  # fmt: skip
    def get(self, request):
        params = request.query_params
        practice_id = practice_id_for(request.user)
        status = params.get("status", "")
        if status and status not in EncounterStatus.values:
            raise ValidationError({"status": [f"One of {', '.join(EncounterStatus.values)}."]})
        provider_id = payer_id = None
        if params.get("provider"):
            found = Provider.objects.filter(practice_id=practice_id, npi=params["provider"]).first()
            if found is None:
                raise ValidationError({"provider": ["No provider with this NPI here."]})
            provider_id = found.pk
        if params.get("payer"):
            payer = Payer.objects.filter(payer_id=params["payer"]).first()
            if payer is None:
                raise ValidationError({"payer": ["No payer with this id."]})
            payer_id = payer.pk
        encounters = access.encounter_list_for_user(
            request.user, statuses=(status,) if status else (), provider_id=provider_id,
            payer_id=payer_id, date_from=date_param(params, "date_from"),
            date_to=date_param(params, "date_to"),
        )  # fmt: skip
        return Response(EncounterOut(encounters, many=True).data)


class EncounterItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_encounter"}

    @extend_schema(responses=EncounterDetailOut, summary="An encounter with its scrubber results")
    def get(self, request, public_id):
        encounter = access.encounter_get_for_user(request.user, public_id)
        return Response(EncounterDetailOut(encounter).data)


def _reloaded(request, public_id):
    return access.encounter_get_for_user(request.user, public_id, audit=False)


class EncounterSuperbill(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"PUT": "billing.change_encounter"}

    @extend_schema(
        request=SuperbillIn, responses=EncounterDetailOut,
        summary="Replace an open encounter's diagnoses and service lines",
    )  # fmt: skip
    def put(self, request, public_id):
        encounter = access.encounter_get_for_user(
            request.user, public_id, permission="billing.change_encounter", audit=False
        )
        data = SuperbillIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.superbill_save(encounter=encounter, **_superbill_args(data.validated_data))
        except BillingError as exc:
            return _refused(exc)
        return Response(EncounterDetailOut(_reloaded(request, public_id)).data)


class EncounterSign(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "billing.sign_encounter"}

    @extend_schema(
        request=None, responses=EncounterDetailOut,
        summary="Sign: lock the superbill and make the charges (409 when a price is missing)",
    )  # fmt: skip
    def post(self, request, public_id):
        encounter = access.encounter_get_for_user(
            request.user, public_id, permission="billing.sign_encounter", audit=False
        )
        try:
            services.encounter_sign(encounter=encounter, signed_by=request.user)
        except BillingError as exc:
            return _refused(exc)
        return Response(EncounterDetailOut(_reloaded(request, public_id)).data)


class EncounterAmend(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "billing.amend_encounter"}

    @extend_schema(
        request=AmendIn, responses=EncounterDetailOut,
        summary="Correct a signed encounter: a new version, the old kept, charges reversed",
    )  # fmt: skip
    def post(self, request, public_id):
        encounter = access.encounter_get_for_user(
            request.user, public_id, permission="billing.amend_encounter", audit=False
        )
        data = AmendIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.encounter_amend(
                encounter=encounter, amended_by=request.user, reason=values["reason"],
                **_superbill_args(values),
            )  # fmt: skip
        except BillingError as exc:
            return _refused(exc)
        return Response(EncounterDetailOut(_reloaded(request, public_id)).data)


class EncounterCharges(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_charge"}

    @extend_schema(responses=ChargeOut(many=True), summary="An encounter's charges (no diagnoses)")
    def get(self, request, public_id):
        _, charges = access.charges_for_encounter(request.user, public_id)
        return Response(ChargeOut(charges, many=True).data)


class ChargeCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "billing.view_charge"}

    @extend_schema(
        parameters=[OpenApiParameter("date_from", str), OpenApiParameter("date_to", str)],
        responses=ChargeOut(many=True),
        summary="Charges by date of service (reversals included, negative)",
    )
    def get(self, request):
        params = request.query_params
        charges = access.charge_list_for_user(
            request.user,
            date_from=date_param(params, "date_from"),
            date_to=date_param(params, "date_to"),
        )
        return Response(ChargeOut(charges, many=True).data)
