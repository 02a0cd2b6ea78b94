"""REST API of ERA posting, the ledger and the suspense queue (billers post; the office
manager reads; clinicians and the front desk see no accounts here). Thin: the same
services as the screens; refusals are problem documents."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.billing.models import ClaimLine
from medoffice.core.access import practice_id_for
from medoffice.core.api_errors import problem
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import HasRequiredPermission
from medoffice.patients.access import patient_get_for_user
from medoffice.payments import era as era_services
from medoffice.payments.access import era_file_get_for_user, suspense_item_get_for_user
from medoffice.payments.errors import LedgerError
from medoffice.payments.models import Account, EraClaim, EraFile, SuspenseItem, SuspenseStatus
from medoffice.payments.selectors import account_balance, account_lines, entries_for

VIEW = "payments.view_ledger"
IMPORT = "payments.import_era"
SUSPENSE = "payments.work_suspense"
MONEY = {"max_digits": 12, "decimal_places": 2}


class EraFileOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    summary = serializers.CharField()
    claim_count = serializers.IntegerField()
    total_paid = serializers.DecimalField(**MONEY)
    origin = serializers.CharField()
    imported_at = serializers.DateTimeField()


class EraClaimOut(serializers.Serializer):
    patient_control_number = serializers.CharField()
    payer_claim_number = serializers.CharField()
    status = serializers.CharField(help_text="CLP02")
    charge = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    patient_responsibility = serializers.DecimalField(**MONEY)
    outcome = serializers.CharField()
    claim = serializers.SerializerMethodField()

    def get_claim(self, obj) -> str | None:
        return str(obj.claim.public_id) if obj.claim_id else None


class ImportOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["posted", "already_posted", "rejected"])
    message = serializers.CharField()
    era_file = serializers.SerializerMethodField()

    def get_era_file(self, obj) -> str | None:
        return str(obj.era_file.public_id) if obj.era_file else None


class UploadIn(serializers.Serializer):
    file = serializers.FileField()


class SuspenseOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    reason = serializers.CharField()
    patient_control_number = serializers.CharField(source="era_claim.patient_control_number")
    procedure_code = serializers.CharField()
    modifiers = serializers.CharField()
    service_date = serializers.DateField()
    charge_amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class MatchIn(serializers.Serializer):
    claim = serializers.CharField(max_length=38, help_text="Our patient control number")
    line = serializers.IntegerField(min_value=1, max_value=99)


class EntryOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    party = serializers.CharField()
    payer = serializers.SerializerMethodField()
    charge = serializers.SerializerMethodField()
    group = serializers.CharField()
    reason = serializers.CharField()
    source_kind = serializers.CharField()
    source = serializers.CharField()
    note = serializers.CharField()
    reverses = serializers.SerializerMethodField()
    effective_on = serializers.DateField()
    posted_at = serializers.DateTimeField()

    def get_payer(self, obj) -> str | None:
        return obj.payer.payer_id if obj.payer_id else None

    def get_charge(self, obj) -> str | None:
        return str(obj.charge.public_id) if obj.charge_id else None

    def get_reverses(self, obj) -> str | None:
        return str(obj.reverses.public_id) if obj.reverses_id else None


class EraCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW, "POST": IMPORT}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=EraFileOut(many=True), summary="ERA files imported, newest first")
    def get(self, request):
        files = EraFile.objects.filter(practice_id=practice_id_for(request.user)).defer("content")[
            :200
        ]
        return Response(EraFileOut(files, many=True).data)

    @extend_schema(
        request={"multipart/form-data": UploadIn}, responses={201: ImportOut, 200: ImportOut},
        summary="Import and post an 835 (201 posted; 200 already posted; 422 rejected)",
    )  # fmt: skip
    def post(self, request):
        data = UploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = era_services.era_import(
            upload.read(), practice=practice_id_for(request.user), name=upload.name,
            origin="upload", by=request.user,
        )  # fmt: skip
        if result.status == "rejected":
            return problem(422, "ERA rejected: nothing posted", result.message, code="era_rejected")
        return Response(ImportOut(result).data, status=201 if result.status == "posted" else 200)


class EraItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW}

    @extend_schema(
        summary="One ERA file: its claim payments and what posting did with each",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, public_id):
        record = era_file_get_for_user(request.user, public_id)
        claims = EraClaim.objects.filter(era_payment__era_file=record).select_related("claim")
        audit_record(
            action=AuditAction.READ, obj=record, category=era_services.CATEGORY,
            detail="ERA read (API)",
        )  # fmt: skip
        return Response({**EraFileOut(record).data, "claims": EraClaimOut(claims, many=True).data})


class AccountLedger(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW}

    @extend_schema(
        summary="A patient's account: balances by party, lines, and every entry",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, public_id):
        # the permission is this view's own (payments.view_ledger); its audit row is below
        patient = patient_get_for_user(request.user, public_id, permission=VIEW, audit=False)
        account = Account.objects.filter(practice_id=patient.practice_id, patient=patient).first()
        audit_record(
            action=AuditAction.READ, obj=patient, patient=patient,
            category=era_services.CATEGORY, detail="account ledger read (API)",
        )  # fmt: skip
        if account is None:
            return Response({"patient": str(patient.public_id), "balance": None, "lines": [],
                             "entries": []})  # fmt: skip
        balance = account_balance(account)
        lines = account_lines(account)
        entries = entries_for(account=account).select_related("payer", "charge", "reverses")
        return Response(
            {
                "patient": str(patient.public_id),
                "balance": {
                    "lines": str(balance.lines), "patient": str(balance.patient),
                    "insurance": str(balance.insurance), "unapplied": str(balance.unapplied),
                    "patient_due": str(balance.patient_due),
                },
                "lines": [
                    {"charge_id": line.charge_id, "charged": str(line.charged),
                     "paid": str(line.paid), "adjusted": str(line.adjusted),
                     "balance": str(line.balance),
                     "by_party": [{"party": p, "payer_id": payer, "amount": str(v)}
                                  for (p, payer), v in line.by_party.items()]}
                    for line in lines
                ],
                "entries": EntryOut(entries, many=True).data,
            }
        )  # fmt: skip


class SuspenseCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": SUSPENSE}

    @extend_schema(responses=SuspenseOut(many=True), summary="Open suspense items, oldest first")
    def get(self, request):
        items = (
            SuspenseItem.objects.filter(
                practice_id=practice_id_for(request.user), status=SuspenseStatus.OPEN
            )
            .select_related("era_claim")
            .order_by("created_at", "id")[:500]
        )
        return Response(SuspenseOut(items, many=True).data)


class SuspenseMatch(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": SUSPENSE}

    @extend_schema(
        request=MatchIn, responses=SuspenseOut,
        summary="Post a suspense line to a claim line chosen by hand",
    )  # fmt: skip
    def post(self, request, public_id):
        practice_id = practice_id_for(request.user)
        item = suspense_item_get_for_user(request.user, public_id)
        data = MatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        line = ClaimLine.objects.filter(
            claim__practice_id=practice_id,
            claim__patient_control_number=data.validated_data["claim"].strip().upper(),
            number=data.validated_data["line"],
        ).first()
        if line is None:
            return problem(
                400, "Invalid input", "No such claim line.", errors={"claim": ["No such line."]}
            )
        try:
            era_services.suspense_match(item, line=line, by=request.user)
        except LedgerError as exc:
            return problem(409, "Not matched", exc.text, code=exc.code_name)
        item.refresh_from_db()
        return Response(SuspenseOut(item).data)
