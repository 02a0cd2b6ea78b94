"""REST API of the chart, with the same role checks as the screens (clinical/access.py).

The summary answers with the sections the caller's role may see and leaves the others out
entirely (AC-03: absent, not blanked). Sensitive notes are listed without their text unless
the caller may read them.
"""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.clinical import access, selectors, services
from medoffice.clinical.errors import ClinicalError
from medoffice.clinical.models import (
    AbnormalFlag,
    ProblemStatus,
    ResultKind,
    Sensitivity,
)
from medoffice.core.api_errors import problem
from medoffice.core.models import Provider
from medoffice.core.policy import HasRequiredPermission


class ProblemOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField(source="dotted", help_text="ICD-10-CM with the dot")
    description = serializers.CharField()
    onset = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=ProblemStatus.choices)


class ProblemIn(serializers.Serializer):
    code = serializers.CharField(max_length=10)
    onset = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE)


class MedicationOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    dose = serializers.CharField()
    route = serializers.CharField()
    frequency = serializers.CharField()
    start_date = serializers.DateField()
    stop_date = serializers.DateField(allow_null=True)
    prescriber = serializers.SerializerMethodField(help_text="NPI, or the outside name")
    rxnorm = serializers.CharField(help_text="RxNorm concept id (RXCUI); empty when unknown")

    def get_prescriber(self, obj) -> str:
        return obj.prescriber.npi if obj.prescriber_id else obj.prescriber_name


class AllergyOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    substance = serializers.CharField()
    reaction = serializers.CharField()
    severity = serializers.CharField()
    verified = serializers.BooleanField()


class ImmunizationOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    cvx = serializers.CharField()
    vaccine = serializers.CharField()
    lot = serializers.CharField()
    given_on = serializers.DateField()
    site = serializers.CharField()


class VitalOut(serializers.Serializer):
    loinc = serializers.CharField()
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit = serializers.CharField()
    taken_at = serializers.DateTimeField()


class ResultOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=ResultKind.choices)
    loinc = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField()
    reference_range = serializers.CharField()
    flag = serializers.ChoiceField(choices=AbnormalFlag.choices)
    report = serializers.CharField()
    ordering_provider = serializers.SerializerMethodField(help_text="NPI")
    resulted_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_ordering_provider(self, obj) -> str | None:
        return obj.ordering_provider.npi if obj.ordering_provider_id else None


class ResultIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ResultKind.choices, default=ResultKind.LAB)
    loinc = serializers.CharField(max_length=10, required=False, allow_blank=True)
    name = serializers.CharField(max_length=120)
    value = serializers.CharField(max_length=60, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    reference_range = serializers.CharField(max_length=40, required=False, allow_blank=True)
    flag = serializers.ChoiceField(choices=AbnormalFlag.choices, default=AbnormalFlag.NORMAL)
    report = serializers.CharField(required=False, allow_blank=True)
    ordering_provider = serializers.CharField(max_length=10, required=False, help_text="NPI")
    resulted_at = serializers.DateTimeField()

    def validate_resulted_at(self, value):
        # Found by the API fuzz: a result of the year 312 was filed, and answered with the
        # zone's local mean time offset (-04:56:02), which is no RFC 3339 date-time.
        if value.year < 1900 or value > timezone.now() + timedelta(days=1):
            raise serializers.ValidationError("A time from 1900 up to now.")
        return value


class NoteListOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    visit_date = serializers.DateField()
    provider = serializers.CharField(source="provider.npi", help_text="NPI")
    status = serializers.CharField()
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices)
    signed_at = serializers.DateTimeField(allow_null=True)


class AddendumOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    text = serializers.CharField()
    reason = serializers.CharField()
    signed_at = serializers.DateTimeField()


class NoteOut(NoteListOut):
    subjective = serializers.CharField()
    objective = serializers.CharField()
    assessment = serializers.CharField()
    plan = serializers.CharField()
    content_sha256 = serializers.CharField()
    addenda = AddendumOut(many=True, source="addenda.all")


class NoteIn(serializers.Serializer):
    subjective = serializers.CharField(required=False, allow_blank=True)
    objective = serializers.CharField(required=False, allow_blank=True)
    assessment = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.CharField(required=False, allow_blank=True)
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices, required=False)
    visit_date = serializers.DateField(required=False)


class AddendumIn(serializers.Serializer):
    text = serializers.CharField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ChartOut(serializers.Serializer):
    """Only the keys the caller's role may see are present."""

    patient = serializers.UUIDField()
    problems = ProblemOut(many=True, required=False)
    encounters_total = serializers.IntegerField(required=False)
    medications = MedicationOut(many=True, required=False)
    allergies = AllergyOut(many=True, required=False)
    immunizations = ImmunizationOut(many=True, required=False)
    vitals = VitalOut(many=True, required=False)
    results = ResultOut(many=True, required=False)
    results_total = serializers.IntegerField(required=False)
    results_to_review = serializers.IntegerField(required=False)
    notes = NoteListOut(many=True, required=False)
    notes_total = serializers.IntegerField(required=False)
    emergency_access = serializers.BooleanField()


def _refused(exc: ClinicalError, status: int = 409) -> Response:
    return problem(status, "Conflict" if status == 409 else "Invalid", str(exc), code=exc.code)


class ChartSummary(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": access.VIEW_PROBLEM}

    @extend_schema(responses=ChartOut, summary="A patient's chart summary, as the role may see it")
    def get(self, request, public_id):
        patient, viewer = access.chart_get_for_user(request.user, public_id)
        summary = selectors.chart_summary(patient, viewer, panels=False)
        body = {"patient": str(patient.public_id), "emergency_access": bool(viewer.emergency)}
        if viewer.problems:
            body["problems"] = ProblemOut(summary.problems, many=True).data
            body["encounters_total"] = summary.encounters_total
        if viewer.chart:
            body |= {
                "medications": MedicationOut(summary.medications, many=True).data,
                "allergies": AllergyOut(summary.allergies, many=True).data,
                "immunizations": ImmunizationOut(summary.immunizations, many=True).data,
                "vitals": VitalOut(summary.vitals, many=True).data,
                "results": ResultOut(summary.results, many=True).data,
                "results_total": summary.results_total,
                "results_to_review": summary.results_to_review,
            }
        if viewer.notes:
            body["notes"] = NoteListOut(summary.notes, many=True).data
            body["notes_total"] = summary.notes_total
        return Response(body)


class ProblemCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": access.VIEW_PROBLEM, "POST": "clinical.change_problem"}

    @extend_schema(responses=ProblemOut(many=True), summary="The problem list, active first")
    def get(self, request, public_id):
        patient, _ = access.chart_get_for_user(
            request.user, public_id, category="problems", detail="problem list"
        )
        return Response(ProblemOut(selectors.problem_list(patient), many=True).data)

    @extend_schema(request=ProblemIn, responses={201: ProblemOut}, summary="Add a coded problem")
    def post(self, request, public_id):
        patient, _ = access.chart_get_for_user(
            request.user, public_id, permission="clinical.change_problem", audit=False
        )
        data = ProblemIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            added = services.problem_add(patient=patient, recorded_by=request.user,
                                         **data.validated_data)  # fmt: skip
        except ClinicalError as exc:
            return _refused(exc, 400)
        return Response(ProblemOut(added).data, status=201)


class ResultCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": access.VIEW_CHART, "POST": "clinical.add_result"}

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("unreviewed", bool)],
        responses=ResultOut(many=True), summary="Results, newest first, 25 a page",
    )  # fmt: skip
    def get(self, request, public_id):
        patient, _ = access.chart_get_for_user(
            request.user, public_id, permission=access.VIEW_CHART, category="results",
            detail="results listed",
        )  # fmt: skip
        page = selectors.result_page(
            patient, number=request.query_params.get("page") or 1,
            unreviewed_only=request.query_params.get("unreviewed") in ("1", "true"),
        )  # fmt: skip
        return Response(ResultOut(page.object_list, many=True).data)

    @extend_schema(request=ResultIn, responses={201: ResultOut}, summary="File a result")
    def post(self, request, public_id):
        patient, _ = access.chart_get_for_user(
            request.user, public_id, permission="clinical.add_result", audit=False
        )
        data = ResultIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        npi = values.pop("ordering_provider", "")
        if npi:
            values["ordering_provider"] = Provider.objects.filter(
                practice_id=patient.practice_id, npi=npi
            ).first()
            if values["ordering_provider"] is None:
                message = "No provider with this NPI here."
                return problem(400, "Invalid", message, errors={"ordering_provider": [message]})
        result = services.result_add(patient=patient, **values)
        return Response(ResultOut(result).data, status=201)


class ResultReview(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "clinical.review_result"}

    @extend_schema(request=None, responses=ResultOut, summary="Sign off a result (once)")
    def post(self, request, public_id):
        result = access.result_get_for_user(
            request.user, public_id, permission="clinical.review_result", audit=False
        )
        try:
            result = services.result_review(
                result=result, reviewed_by=request.user,
                comment=str(request.data.get("comment", ""))[:300],
            )  # fmt: skip
        except ClinicalError as exc:
            return _refused(exc)
        return Response(ResultOut(result).data)


class NoteCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": access.VIEW_NOTE, "POST": "clinical.change_note"}

    @extend_schema(
        parameters=[OpenApiParameter("page", int)], responses=NoteListOut(many=True),
        summary="Visit notes, newest first, 25 a page (no text: open one to read it)",
    )  # fmt: skip
    def get(self, request, public_id):
        patient, _ = access.chart_get_for_user(
            request.user, public_id, permission=access.VIEW_NOTE, category="notes",
            detail="notes listed",
        )  # fmt: skip
        page = selectors.note_page(patient, number=request.query_params.get("page") or 1)
        return Response(NoteListOut(page.object_list, many=True).data)

    @extend_schema(request=NoteIn, responses={201: NoteOut}, summary="Start a draft note")
    def post(self, request, public_id):
        patient, _ = access.chart_get_for_user(
            request.user, public_id, permission="clinical.change_note", audit=False
        )
        data = NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        provider = (
            Provider.objects.filter(user=request.user).first()
            or Provider.objects.filter(practice_id=patient.practice_id, is_active=True).first()
        )
        if provider is None:
            return problem(409, "Conflict", "The practice has no provider.", code="no_provider")
        note = services.note_start(
            patient=patient, provider=provider, author=request.user,
            visit_date=values.get("visit_date"),
            sensitivity=values.get("sensitivity", Sensitivity.NORMAL),
        )  # fmt: skip
        sections = {k: v for k, v in values.items() if k in services.SECTIONS}
        if sections:
            note = services.note_save_draft(note=note, sections=sections)
        return Response(NoteOut(note).data, status=201)


class NoteItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": access.VIEW_NOTE, "PATCH": "clinical.change_note"}

    @extend_schema(responses=NoteOut, summary="A note with its addenda")
    def get(self, request, public_id):
        note, _ = access.note_get_for_user(request.user, public_id)
        return Response(NoteOut(note).data)

    @extend_schema(
        request=NoteIn, responses=NoteOut,
        summary="Edit a draft (409 note_signed for a signed note: add an addendum)",
    )  # fmt: skip
    def patch(self, request, public_id):
        note, _ = access.note_get_for_user(
            request.user, public_id, permission="clinical.change_note", audit=False
        )
        data = NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            note = services.note_save_draft(
                note=note, sections=data.validated_data,
                sensitivity=data.validated_data.get("sensitivity"),
            )  # fmt: skip
        except ClinicalError as exc:
            addendum = f"/api/notes/{note.public_id}/addenda/"
            return problem(409, "Conflict", str(exc), code=exc.code, addendum=addendum)
        return Response(NoteOut(note).data)


class NoteSign(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "clinical.sign_note"}

    @extend_schema(request=None, responses=NoteOut, summary="Sign a draft: it is locked")
    def post(self, request, public_id):
        note, _ = access.note_get_for_user(
            request.user, public_id, permission="clinical.sign_note", audit=False
        )
        try:
            note = services.note_sign(note=note, signed_by=request.user)
        except ClinicalError as exc:
            return _refused(exc)
        return Response(NoteOut(note).data)


class NoteAddendum(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "clinical.sign_note"}

    @extend_schema(request=AddendumIn, responses={201: NoteOut}, summary="Add a signed addendum")
    def post(self, request, public_id):
        note, _ = access.note_get_for_user(
            request.user, public_id, permission="clinical.sign_note", audit=False
        )
        data = AddendumIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.addendum_add(note=note, author=request.user, **data.validated_data)
        except ClinicalError as exc:
            return _refused(exc)
        note, _ = access.note_get_for_user(request.user, public_id, audit=False)
        return Response(NoteOut(note).data, status=201)
