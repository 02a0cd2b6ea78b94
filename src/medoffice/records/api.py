"""REST API for documents, the communications log, release of information, disclosures,
referrals and the FHIR export. Same access functions, services and role checks as the UI."""

import json

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.core.api_errors import problem
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, AuditOutcome, Provider
from medoffice.core.policy import HasRequiredPermission
from medoffice.patients import access as patient_access
from medoffice.records import access, files, services
from medoffice.records.errors import DocumentIntegrityError, ReleaseRefused, TransitionRefused
from medoffice.records.models import (
    Basis,
    Channel,
    DeliveryMethod,
    Direction,
    DocumentCategory,
    IdentityMethod,
    RequesterKind,
    Topic,
    TransferDirection,
    Urgency,
)
from medoffice.records.packet import SECTIONS


def _patient(request, public_id, permission):
    return patient_access.patient_get_for_user(
        request.user, public_id, permission=permission, audit=False
    )


def _integrity_problem(exc, *, obj, patient):
    audit_record(
        action=AuditAction.READ,
        outcome=AuditOutcome.FAILURE,
        obj=obj,
        patient=patient,
        category="documents",
        detail="integrity check failed: file not served",
    )
    return problem(409, "Integrity check failed", str(exc), code=DocumentIntegrityError.code)


# Documents ----------------------------------------------------------------------------------


class DocumentOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    category = serializers.ChoiceField(choices=DocumentCategory.choices)
    title = serializers.CharField()
    document_date = serializers.DateField()
    encounter = serializers.SerializerMethodField()
    source = serializers.CharField()
    kind = serializers.CharField(help_text="pdf, tiff, jpeg or png: from the content")
    pages = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    has_text = serializers.SerializerMethodField()
    filed_at = serializers.DateTimeField()

    def get_encounter(self, obj) -> str | None:
        return str(obj.encounter.public_id) if obj.encounter_id else None

    def get_has_text(self, obj) -> bool:
        return bool(obj.text)


class DocumentIn(serializers.Serializer):
    file = serializers.FileField()
    category = serializers.ChoiceField(choices=DocumentCategory.choices)
    title = serializers.CharField(max_length=120)
    document_date = serializers.DateField()
    encounter = serializers.UUIDField(required=False, allow_null=True)


class PatientDocuments(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_document", "POST": "records.add_document"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        responses=DocumentOut(many=True),
        summary="A patient's documents (clinical ones only for clinical roles)",
    )
    def get(self, request, public_id):
        patient = _patient(request, public_id, "records.view_document")
        category = request.query_params.get("category", "")
        if category and category not in DocumentCategory.values:
            raise ValidationError({"category": ["Not a document category."]})
        documents = access.document_list_for_user(request.user, patient, category=category)
        return Response(DocumentOut(documents, many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentIn},
        responses={201: DocumentOut},
        summary="File a scanned or uploaded document (type checked by content)",
    )
    def post(self, request, public_id):
        from medoffice.billing.models import Encounter

        patient = _patient(request, public_id, "records.add_document")
        serializer = DocumentIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["category"] in access.CLINICAL_CATEGORIES:
            access.refuse_unless(
                request.user, access.VIEW_CLINICAL, patient=patient, category="documents"
            )
        encounter = None
        if data.get("encounter"):
            encounter = Encounter.objects.filter(
                public_id=data["encounter"], patient=patient
            ).first()
            if encounter is None:
                raise ValidationError({"encounter": ["No encounter of this patient has that id."]})
        document = services.document_file(
            patient=patient,
            upload=data["file"],
            category=data["category"],
            title=data["title"],
            document_date=data["document_date"],
            encounter=encounter,
            filed_by=request.user,
        )
        return Response(DocumentOut(document).data, status=status.HTTP_201_CREATED)


class DocumentItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_document"}

    @extend_schema(responses=DocumentOut, summary="A document's details")
    def get(self, request, public_id):
        document = access.document_get_for_user(request.user, public_id)
        return Response(DocumentOut(document).data)


class DocumentFile(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_document"}

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")},
        summary="The stored file, after its SHA-256 is checked",
    )
    def get(self, request, public_id):
        document = access.document_get_for_user(request.user, public_id)
        try:
            data = files.read_verified(document.file, document.sha256)
        except DocumentIntegrityError as exc:
            return _integrity_problem(exc, obj=document, patient=document.patient)
        response = HttpResponse(data, content_type=files.CONTENT_TYPES[document.kind])
        response["Content-Disposition"] = (
            f'attachment; filename="document{files.EXTENSIONS[document.kind]}"'
        )
        response["Content-Security-Policy"] = "sandbox"
        return response


# Communications -----------------------------------------------------------------------------


class CommunicationOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    channel = serializers.ChoiceField(choices=Channel.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    party = serializers.CharField()
    party_contact = serializers.CharField()
    topic = serializers.ChoiceField(choices=Topic.choices)
    subject = serializers.CharField()
    summary = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    handled_by = serializers.CharField(source="handled_by.username", default=None, allow_null=True)
    routed_to = serializers.CharField(
        source="routed_to.npi", default=None, allow_null=True, help_text="NPI"
    )
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    follow_up = serializers.CharField()
    follow_up_owner = serializers.CharField(
        source="follow_up_owner.username", default=None, allow_null=True
    )
    follow_up_due = serializers.DateField(allow_null=True)
    follow_up_done_at = serializers.DateTimeField(allow_null=True)
    documents = serializers.SerializerMethodField()

    def get_documents(self, obj) -> list[str]:
        return [str(d.public_id) for d in obj.documents.all()]


class CommunicationIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    party = serializers.CharField(max_length=120)
    party_contact = serializers.CharField(max_length=120, required=False, default="")
    topic = serializers.ChoiceField(choices=Topic.choices)
    subject = serializers.CharField(max_length=120)
    summary = serializers.CharField(max_length=4000)
    occurred_at = serializers.DateTimeField(required=False)
    routed_to = serializers.CharField(required=False, help_text="NPI of the clinician to answer")
    follow_up = serializers.CharField(max_length=200, required=False, default="")
    follow_up_owner = serializers.CharField(required=False, help_text="Username")
    follow_up_due = serializers.DateField(required=False)
    documents = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)


class PatientCommunications(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {
        "GET": "records.view_communication",
        "POST": "records.add_communication",
    }

    @extend_schema(responses=CommunicationOut(many=True), summary="A patient's communications log")
    def get(self, request, public_id):
        patient = _patient(request, public_id, "records.view_communication")
        entries = access.communication_list_for_user(request.user, patient)
        return Response(CommunicationOut(entries, many=True).data)

    @extend_schema(
        request=CommunicationIn,
        responses={201: CommunicationOut},
        summary="Log a call, e-mail, fax, letter or portal message",
    )
    def post(self, request, public_id):
        from django.contrib.auth import get_user_model

        patient = _patient(request, public_id, "records.add_communication")
        serializer = CommunicationIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        document_ids = data.pop("documents")
        if "routed_to" in data:
            npi = data.pop("routed_to")
            data["routed_to"] = Provider.objects.filter(
                npi=npi, practice_id=patient.practice_id
            ).first()
            if data["routed_to"] is None:
                raise ValidationError(
                    {"routed_to": ["No clinician of this practice has that NPI."]}
                )
        if "follow_up_owner" in data:
            name = data.pop("follow_up_owner")
            data["follow_up_owner"] = (
                get_user_model()
                .objects.filter(username=name, staff__practice_id=patient.practice_id)
                .first()
            )
            if data["follow_up_owner"] is None:
                raise ValidationError({"follow_up_owner": ["No staff member has that username."]})
        documents = list(access.documents_visible_to(request.user, patient).filter(
            public_id__in=document_ids
        ))  # fmt: skip
        if len(documents) != len(set(document_ids)):
            raise ValidationError({"documents": ["A linked document was not found."]})
        entry = services.communication_log(
            patient=patient, fields=data, documents=documents, handled_by=request.user
        )
        return Response(CommunicationOut(entry).data, status=status.HTTP_201_CREATED)


class CommunicationAnswer(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "records.answer_communication"}

    @extend_schema(
        request=inline_serializer("AnswerIn", {"answer": serializers.CharField(max_length=4000)}),
        responses=CommunicationOut,
        summary="A clinician answers a clinical question",
    )
    def post(self, request, public_id):
        entry = access.communication_get_for_user(
            request.user, public_id, permission="records.answer_communication", audit=False
        )
        answer = request.data.get("answer") if isinstance(request.data, dict) else None
        if not isinstance(answer, str):
            raise ValidationError({"answer": ["Write the answer."]})
        entry = services.communication_answer(
            communication=entry, answer=answer, answered_by=request.user
        )
        return Response(CommunicationOut(entry).data)


# Release of information ---------------------------------------------------------------------


class IdentityCheckOut(serializers.Serializer):
    method = serializers.ChoiceField(choices=IdentityMethod.choices)
    detail = serializers.CharField()
    passed = serializers.BooleanField()
    checked_by = serializers.CharField(source="checked_by.username", default=None, allow_null=True)
    checked_at = serializers.DateTimeField()


class RoiRequestOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    requester_kind = serializers.ChoiceField(choices=RequesterKind.choices)
    requester_name = serializers.CharField()
    requester_organization = serializers.CharField()
    purpose = serializers.CharField()
    basis = serializers.ChoiceField(choices=Basis.choices)
    received_on = serializers.DateField()
    due_on = serializers.DateField(source="effective_due_on")
    extended = serializers.SerializerMethodField()
    scope_from = serializers.DateField(allow_null=True)
    scope_to = serializers.DateField(allow_null=True)
    sections = serializers.ListField(child=serializers.CharField())
    fee = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    status = serializers.CharField()
    authorization_on_file = serializers.SerializerMethodField()
    packet_pages = serializers.IntegerField(allow_null=True)
    checks = IdentityCheckOut(many=True, source="checks.all")
    blockers = serializers.SerializerMethodField(help_text="Why it cannot be released yet")

    def get_extended(self, obj) -> bool:
        return obj.extended_due_on is not None

    def get_authorization_on_file(self, obj) -> bool:
        return obj.authorization_id is not None

    def get_blockers(self, obj) -> list[str]:
        return services.roi_blockers(obj)


class RoiRequestIn(serializers.Serializer):
    requester_kind = serializers.ChoiceField(choices=RequesterKind.choices)
    requester_name = serializers.CharField(max_length=120)
    requester_organization = serializers.CharField(max_length=120, required=False, default="")
    requester_address = serializers.CharField(max_length=250, required=False, default="")
    requester_email = serializers.EmailField(required=False, default="")
    requester_fax = serializers.CharField(max_length=16, required=False, default="")
    purpose = serializers.CharField(max_length=200)
    basis = serializers.ChoiceField(choices=Basis.choices)
    received_on = serializers.DateField(required=False)
    scope_from = serializers.DateField(required=False, allow_null=True)
    scope_to = serializers.DateField(required=False, allow_null=True)
    sections = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    fee = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    fee_note = serializers.CharField(max_length=200, required=False, default="")
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)

    def validate_sections(self, value):
        unknown = [s for s in value if s not in SECTIONS]
        if unknown:
            raise serializers.ValidationError(f"Unknown sections: {', '.join(unknown)}.")
        return value


class PatientRoiRequests(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_roirequest", "POST": "records.add_roirequest"}

    @extend_schema(responses=RoiRequestOut(many=True), summary="A patient's records requests")
    def get(self, request, public_id):
        patient = _patient(request, public_id, "records.view_roirequest")
        requests = list(patient.roi_requests.prefetch_related("checks__checked_by"))
        audit_record(
            action=AuditAction.READ,
            object_type="records.roirequest",
            patient=patient,
            category="release",
            detail=f"{len(requests)} requests listed",
        )
        return Response(RoiRequestOut(requests, many=True).data)

    @extend_schema(
        request=RoiRequestIn, responses={201: RoiRequestOut}, summary="Log a request for records"
    )
    def post(self, request, public_id):
        patient = _patient(request, public_id, "records.add_roirequest")
        serializer = RoiRequestIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if v is not None}
        roi = services.roi_request_create(patient=patient, fields=fields, created_by=request.user)
        return Response(RoiRequestOut(roi).data, status=status.HTTP_201_CREATED)


class RoiRequestItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_roirequest"}

    @extend_schema(responses=RoiRequestOut, summary="A records request and what blocks it")
    def get(self, request, public_id):
        roi = access.roi_get_for_user(request.user, public_id)
        return Response(RoiRequestOut(roi).data)


class IdentityCheckIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=IdentityMethod.choices)
    detail = serializers.CharField(max_length=200)
    passed = serializers.BooleanField()


class RoiIdentityChecks(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "records.change_roirequest"}

    @extend_schema(
        request=IdentityCheckIn,
        responses={201: RoiRequestOut},
        summary="Record one identity verification step (what was checked, by whom)",
    )
    def post(self, request, public_id):
        roi = access.roi_get_for_user(
            request.user, public_id, permission="records.change_roirequest", audit=False
        )
        serializer = IdentityCheckIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.roi_identity_check(
            request=roi, checked_by=request.user, **serializer.validated_data
        )
        return Response(RoiRequestOut(roi).data, status=status.HTTP_201_CREATED)


class RoiPrepare(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "records.change_roirequest"}

    @extend_schema(request=None, responses=RoiRequestOut, summary="Assemble the release packet")
    def post(self, request, public_id):
        roi = access.roi_get_for_user(
            request.user, public_id, permission="records.change_roirequest", audit=False
        )
        try:
            roi = services.roi_prepare_packet(request=roi, prepared_by=request.user)
        except DocumentIntegrityError as exc:
            return _integrity_problem(exc, obj=roi, patient=roi.patient)
        return Response(RoiRequestOut(roi).data)


class DisclosureOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    disclosed_at = serializers.DateTimeField()
    recipient_name = serializers.CharField()
    recipient_address = serializers.CharField()
    description = serializers.CharField()
    purpose = serializers.CharField()
    basis = serializers.ChoiceField(choices=Basis.choices)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices)
    late = serializers.BooleanField()
    in_accounting = serializers.BooleanField()
    request = serializers.SerializerMethodField()
    corrects = serializers.SerializerMethodField()

    def get_request(self, obj) -> str | None:
        return str(obj.roi_request.public_id) if obj.roi_request_id else None

    def get_corrects(self, obj) -> str | None:
        return str(obj.corrects.public_id) if obj.corrects_id else None


class RoiRelease(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "records.release_roirequest"}

    @extend_schema(
        request=None,
        responses={
            201: DisclosureOut,
            409: OpenApiResponse(description="Not releasable yet: `reasons` says why"),
        },
        summary="Release the prepared packet and record the disclosure",
    )
    def post(self, request, public_id):
        roi = access.roi_get_for_user(
            request.user, public_id, permission="records.release_roirequest", audit=False
        )
        try:
            disclosure = services.roi_release(request=roi, released_by=request.user)
        except ReleaseRefused as exc:
            return problem(409, "Cannot be released", str(exc), code=exc.code, reasons=exc.reasons)
        except DocumentIntegrityError as exc:
            return _integrity_problem(exc, obj=roi, patient=roi.patient)
        return Response(DisclosureOut(disclosure).data, status=status.HTTP_201_CREATED)


class PatientDisclosures(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_disclosure"}

    @extend_schema(responses=DisclosureOut(many=True), summary="Every disclosure recorded")
    def get(self, request, public_id):
        patient = _patient(request, public_id, "records.view_disclosure")
        disclosures = access.disclosure_list_for_user(request.user, patient)
        return Response(DisclosureOut(disclosures, many=True).data)


# Referrals ----------------------------------------------------------------------------------


class ReferralOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    direction = serializers.ChoiceField(choices=TransferDirection.choices)
    provider = serializers.CharField(
        source="provider.npi", default=None, allow_null=True, help_text="Our NPI"
    )
    other_name = serializers.CharField()
    other_npi = serializers.CharField()
    other_specialty = serializers.CharField()
    reason = serializers.CharField()
    diagnoses = serializers.ListField(child=serializers.CharField())
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    authorization_number = serializers.CharField()
    authorized_visits = serializers.IntegerField(allow_null=True)
    authorization_expires_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    scheduled_for = serializers.DateTimeField(allow_null=True)
    consult_note = serializers.SerializerMethodField()

    def get_consult_note(self, obj) -> str | None:
        return str(obj.consult_note.public_id) if obj.consult_note_id else None


class ReferralIn(serializers.Serializer):
    direction = serializers.ChoiceField(choices=TransferDirection.choices)
    provider = serializers.CharField(required=False, help_text="NPI of our clinician")
    other_name = serializers.CharField(max_length=120)
    other_npi = serializers.CharField(max_length=10, required=False, default="")
    other_specialty = serializers.CharField(max_length=80, required=False, default="")
    other_address = serializers.CharField(max_length=250, required=False, default="")
    other_phone = serializers.CharField(max_length=20, required=False, default="")
    other_fax = serializers.CharField(max_length=16, required=False, default="")
    reason = serializers.CharField(max_length=300)
    diagnoses = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default="routine")
    authorization_number = serializers.CharField(max_length=50, required=False, default="")
    authorized_visits = serializers.IntegerField(min_value=1, required=False)
    authorization_expires_on = serializers.DateField(required=False)


class PatientReferrals(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_referral", "POST": "records.add_referral"}

    @extend_schema(responses=ReferralOut(many=True), summary="A patient's referrals, in and out")
    def get(self, request, public_id):
        patient = _patient(request, public_id, "records.view_referral")
        referrals = list(patient.referrals.select_related("provider", "consult_note"))
        audit_record(
            action=AuditAction.READ,
            object_type="records.referral",
            patient=patient,
            category="referrals",
            detail=f"{len(referrals)} referrals listed",
        )
        return Response(ReferralOut(referrals, many=True).data)

    @extend_schema(request=ReferralIn, responses={201: ReferralOut}, summary="Register a referral")
    def post(self, request, public_id):
        patient = _patient(request, public_id, "records.add_referral")
        serializer = ReferralIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        direction = data.pop("direction")
        if "provider" in data:
            npi = data.pop("provider")
            data["provider"] = Provider.objects.filter(
                npi=npi, practice_id=patient.practice_id
            ).first()
            if data["provider"] is None:
                raise ValidationError({"provider": ["No clinician of this practice has that NPI."]})
        referral = services.referral_create(
            patient=patient, direction=direction, fields=data, created_by=request.user
        )
        return Response(ReferralOut(referral).data, status=status.HTTP_201_CREATED)


class ReferralItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "records.view_referral"}

    @extend_schema(responses=ReferralOut, summary="A referral and its status")
    def get(self, request, public_id):
        referral = access.referral_get_for_user(request.user, public_id)
        return Response(ReferralOut(referral).data)


class ReferralStatusChange(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "records.change_referral"}

    @extend_schema(
        request=inline_serializer(
            "ReferralStatusIn",
            {"status": serializers.ChoiceField(choices=["sent", "seen", "cancelled"])},
        ),
        responses={200: ReferralOut, 409: OpenApiResponse(description="Not from this status")},
        summary="Send a referral out, or mark one seen or cancelled",
    )
    def post(self, request, public_id):
        referral = access.referral_get_for_user(
            request.user, public_id, permission="records.change_referral", audit=False
        )
        wanted = request.data.get("status") if isinstance(request.data, dict) else None
        if wanted not in ("sent", "seen", "cancelled"):
            raise ValidationError({"status": ["Give sent, seen or cancelled."]})
        try:
            if wanted == "sent":
                referral = services.referral_send(referral=referral, sent_by=request.user)
            else:
                referral = services.referral_set_status(referral=referral, status=wanted)
        except TransitionRefused as exc:
            return problem(409, "Status change refused", str(exc), code=exc.code)
        return Response(ReferralOut(referral).data)


# FHIR export --------------------------------------------------------------------------------


class PatientFhirExport(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "patients.export_patient"}
    parser_classes = [JSONParser]

    @extend_schema(
        responses={(200, "application/fhir+json"): OpenApiResponse(description="FHIR R4 Bundle")},
        summary="The patient's record as a FHIR R4 Bundle (validated)",
    )
    def get(self, request, public_id):
        from medoffice.records.fhir_export import patient_bundle

        patient = _patient(request, public_id, "patients.export_patient")
        try:
            data = patient_bundle(patient)
        except DocumentIntegrityError as exc:
            return _integrity_problem(exc, obj=patient, patient=patient)
        audit_record(
            action=AuditAction.EXPORT,
            obj=patient,
            patient=patient,
            category="transfers",
            detail=f"FHIR bundle of {len(json.loads(data)['entry'])} resources",
        )
        return HttpResponse(data, content_type="application/fhir+json")
