"""REST API for patients, coverage and search. Same access functions and services as the UI."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.core.api_errors import problem
from medoffice.core.policy import HasRequiredPermission
from medoffice.core.us import ssn_masked
from medoffice.patients import access, services
from medoffice.patients.errors import DuplicatePatientError
from medoffice.patients.forms import COVERAGE_FIELDS, PATIENT_FIELDS
from medoffice.patients.models import Coverage, Patient, Payer

PATIENT_READ_FIELDS = ("id", *PATIENT_FIELDS, "status", "merged_into", "created_at", "updated_at")


class PatientSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    # Each may be empty (null): said in the schema, which clients and the fuzz check.
    primary_care_provider = serializers.SlugRelatedField(
        slug_field="npi",
        read_only=True,
        allow_null=True,
        help_text="NPI of the primary care provider",
    )
    home_location = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    merged_into = serializers.SlugRelatedField(
        slug_field="public_id", read_only=True, allow_null=True
    )
    ssn = serializers.SerializerMethodField(
        help_text="Masked (***-**-1234) for every caller; the full number is at .../ssn/."
    )

    class Meta:
        model = Patient
        fields = (*PATIENT_READ_FIELDS, "ssn")

    def get_ssn(self, obj) -> str:
        return ssn_masked(obj.ssn)


class PatientWriteSerializer(serializers.ModelSerializer):
    """Types and required fields only; the service checks the rest and answers field errors."""

    primary_care_provider = serializers.SlugRelatedField(
        slug_field="npi",
        queryset=Patient._meta.get_field("primary_care_provider").related_model.objects.all(),
        required=False,
        allow_null=True,
    )
    home_location = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Patient._meta.get_field("home_location").related_model.objects.all(),
        required=False,
        allow_null=True,
    )
    confirm_not_duplicate = serializers.BooleanField(required=False, default=False)
    # Written here, never read back in full (PatientSerializer masks it).
    ssn = serializers.CharField(required=False, allow_blank=True, max_length=11, write_only=True)

    class Meta:
        model = Patient
        fields = (*PATIENT_FIELDS, "ssn", "confirm_not_duplicate")
        extra_kwargs = {
            name: {"validators": []}
            for name in ("mrn", "zip_code", "mobile_phone", "home_phone", "work_phone")
        }
        # Left out or blank, the service assigns the next MRN, as on the registration page.
        extra_kwargs["mrn"] |= {"required": False, "allow_blank": True}

    def __init__(self, *args, practice_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if practice_id is not None:
            self.fields["primary_care_provider"].queryset = self.fields[
                "primary_care_provider"
            ].queryset.filter(practice_id=practice_id)
            self.fields["home_location"].queryset = self.fields["home_location"].queryset.filter(
                practice_id=practice_id
            )


class CoverageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    payer = serializers.SlugRelatedField(slug_field="payer_id", queryset=Payer.objects.all())
    has_card_front = serializers.SerializerMethodField()
    has_card_back = serializers.SerializerMethodField()

    class Meta:
        model = Coverage
        fields = ("id", "patient", *COVERAGE_FIELDS, "status", "has_card_front", "has_card_back")
        extra_kwargs = {"member_id": {"validators": []}}

    def get_has_card_front(self, obj) -> bool:
        return bool(obj.card_front)

    def get_has_card_back(self, obj) -> bool:
        return bool(obj.card_back)


class PayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payer
        fields = ("payer_id", "name", "claim_filing_indicator", "is_active")


def _duplicate_response(exc: DuplicatePatientError) -> Response:
    access.duplicate_candidates_shown(exc.candidates)
    return problem(
        409,
        "Possible duplicate",
        "This patient may already be registered. Resend with confirm_not_duplicate=true "
        "if this is a different person.",
        candidates=[
            {
                "id": str(c.patient.public_id),
                "mrn": c.patient.mrn,
                "score": c.score,
                "reasons": list(c.reasons),
            }
            for c in exc.candidates
        ],
    )


class PatientCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "patients.add_patient"}

    @extend_schema(
        request=PatientWriteSerializer,
        responses={201: PatientSerializer, 409: OpenApiResponse(description="Possible duplicate")},
        summary="Register a patient",
    )
    def post(self, request):
        staff = request.user.staff
        serializer = PatientWriteSerializer(data=request.data, practice_id=staff.practice_id)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        confirm = data.pop("confirm_not_duplicate", False)
        try:
            patient = services.patient_register(
                practice=staff.practice, fields=data, confirm_not_duplicate=confirm
            )
        except DuplicatePatientError as exc:
            return _duplicate_response(exc)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "patients.view_patient", "PATCH": "patients.change_patient"}

    @extend_schema(responses=PatientSerializer, summary="Read a patient")
    def get(self, request, public_id):
        patient = access.patient_get_for_user(request.user, public_id)
        return Response(PatientSerializer(patient).data)

    @extend_schema(
        request=PatientWriteSerializer,
        responses=PatientSerializer,
        summary="Change a patient's demographics",
    )
    def patch(self, request, public_id):
        patient = access.patient_get_for_user(
            request.user, public_id, permission="patients.change_patient", audit=False
        )
        serializer = PatientWriteSerializer(
            patient, data=request.data, partial=True, practice_id=patient.practice_id
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("confirm_not_duplicate", None)
        patient = services.patient_update(patient=patient, fields=data)
        return Response(PatientSerializer(patient).data)


class PatientSsn(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "patients.reveal_patient_ssn"}

    @extend_schema(
        responses=inline_serializer("PatientSsn", {"ssn": serializers.CharField()}),
        summary="Reveal a patient's full SSN (audited)",
    )
    def get(self, request, public_id):
        return Response({"ssn": access.patient_ssn_reveal_for_user(request.user, public_id)})


class SearchResultSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Patient
        fields = (
            "id",
            "mrn",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
            "preferred_name",
            "dob",
            "sex_at_birth",
            "mobile_phone",
            "home_phone",
            "work_phone",
            "status",
        )


class PatientSearch(APIView):
    """POST, not GET: search terms are PHI and must not sit in URLs or access logs."""

    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "patients.view_patient"}

    @extend_schema(
        request=inline_serializer("SearchRequest", {"q": serializers.CharField(max_length=200)}),
        responses=inline_serializer(
            "SearchResponse",
            {"mode": serializers.CharField(), "results": SearchResultSerializer(many=True)},
        ),
        summary="Search patients by name, DOB, MRN or phone",
    )
    def post(self, request):
        query = request.data.get("q") if isinstance(request.data, dict) else None
        if not isinstance(query, str) or not query.strip() or len(query) > 200:
            raise ValidationError({"q": ["Give a search text of 1 to 200 characters."]})
        outcome = access.patient_search_for_user(request.user, query)
        return Response(
            {
                "mode": outcome.mode,
                "results": SearchResultSerializer(outcome.results, many=True).data,
            }
        )


class CoverageCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "patients.view_coverage", "POST": "patients.add_coverage"}

    @extend_schema(responses=CoverageSerializer(many=True), summary="A patient's coverage")
    def get(self, request, public_id):
        patient = access.patient_get_for_user(request.user, public_id, audit=False)
        coverages = access.coverage_list_for_user(request.user, patient)
        return Response(CoverageSerializer(coverages, many=True).data)

    @extend_schema(
        request=CoverageSerializer, responses={201: CoverageSerializer}, summary="Add coverage"
    )
    def post(self, request, public_id):
        patient = access.patient_get_for_user(
            request.user, public_id, permission="patients.add_coverage", audit=False
        )
        serializer = CoverageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coverage = services.coverage_add(patient=patient, fields=dict(serializer.validated_data))
        return Response(CoverageSerializer(coverage).data, status=status.HTTP_201_CREATED)


class CoverageItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "patients.view_coverage", "PATCH": "patients.change_coverage"}

    @extend_schema(responses=CoverageSerializer, summary="Read coverage")
    def get(self, request, public_id):
        coverage = access.coverage_get_for_user(request.user, public_id)
        return Response(CoverageSerializer(coverage).data)

    @extend_schema(
        request=CoverageSerializer, responses=CoverageSerializer, summary="Change coverage"
    )
    def patch(self, request, public_id):
        coverage = access.coverage_get_for_user(
            request.user, public_id, permission="patients.change_coverage", audit=False
        )
        serializer = CoverageSerializer(coverage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        coverage = services.coverage_update(
            coverage=coverage, fields=dict(serializer.validated_data)
        )
        return Response(CoverageSerializer(coverage).data)


class PayerCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "patients.view_coverage"}

    @extend_schema(responses=PayerSerializer(many=True), summary="Payers configured")
    def get(self, request):
        return Response(PayerSerializer(Payer.objects.filter(is_active=True), many=True).data)
