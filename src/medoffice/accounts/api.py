"""REST API of patient accounts: the account's balance (by party and age), desk payments,
statements, payment plans and refunds. Role checks as the screens (the front desk collects;
billers run statements; an office manager decides refunds; clinicians see no accounts).
Thin: the same services; a refusal is a 400 problem naming the field."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.accounts import access, services, statements
from medoffice.accounts.models import RefundRequest
from medoffice.accounts.selectors import account_page, settings_for
from medoffice.billing.models import Charge
from medoffice.core.access import practice_for, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Location
from medoffice.core.policy import HasRequiredPermission
from medoffice.patients.models import Payer
from medoffice.payments import ledger

VIEW = "accounts.view_accounts"
COLLECT = "accounts.collect_payment"
STATEMENTS = "accounts.run_statements"
PLANS = "accounts.manage_plans"
REFUND = "accounts.request_refund"
APPROVE = "accounts.approve_refund"
CATEGORY = "accounts"
MONEY = {"max_digits": 12, "decimal_places": 2}


class BucketOut(serializers.Serializer):
    who = serializers.CharField(source="key")
    buckets = serializers.SerializerMethodField()
    total = serializers.DecimalField(**MONEY)

    def get_buckets(self, row) -> dict[str, str]:
        from medoffice.accounts.aging import BUCKETS

        return {name: str(amount) for name, amount in zip(BUCKETS, row.amounts, strict=True)}


class StatementOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    statement_date = serializers.DateField()
    due_date = serializers.DateField()
    amount_due = serializers.DecimalField(**MONEY)
    notice = serializers.IntegerField()
    cycle = serializers.IntegerField(allow_null=True)
    emailed = serializers.SerializerMethodField()

    def get_emailed(self, obj) -> bool:
        return bool(obj.emailed_to)


class PlanOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    total = serializers.DecimalField(**MONEY)
    frequency = serializers.CharField()
    first_due = serializers.DateField()
    status = serializers.CharField()
    state = serializers.SerializerMethodField()

    def get_state(self, plan) -> dict:
        from medoffice.accounts.selectors import plan_state

        state = plan_state(plan)
        return {
            "paid": str(state.paid), "balance": str(state.balance),
            "next_due": state.next_due.isoformat() if state.next_due else None,
            "next_amount": str(state.next_amount), "missed": list(state.missed),
            "instalments": [
                {"number": i.number, "due": i.due.isoformat(), "amount": str(i.amount),
                 "paid": str(i.paid), "missed": i.missed}
                for i in state.instalments
            ],
        }  # fmt: skip


class RefundOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    amount = serializers.DecimalField(**MONEY)
    method = serializers.CharField()
    reason = serializers.CharField()
    to = serializers.SerializerMethodField()
    line = serializers.SerializerMethodField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_to(self, obj) -> str:
        return obj.payer.payer_id if obj.payer_id else "patient"

    def get_line(self, obj) -> str | None:
        return str(obj.charge.public_id) if obj.charge_id else None


class PaymentIn(serializers.Serializer):
    amount = serializers.DecimalField(min_value=Decimal("0.01"), **MONEY)
    method = serializers.ChoiceField(choices=["cash", "check", "card"])
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    location = serializers.UUIDField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PaymentOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    amount = serializers.DecimalField(**MONEY)
    method = serializers.CharField()
    reference = serializers.CharField()
    received_at = serializers.DateTimeField()
    credit = serializers.DecimalField(**MONEY, help_text="Kept on the account (overpayment)")
    credit_flagged = serializers.BooleanField()
    patient_due = serializers.DecimalField(**MONEY)


class PlanIn(serializers.Serializer):
    total = serializers.DecimalField(min_value=Decimal("0.01"), **MONEY)
    frequency = serializers.ChoiceField(choices=["weekly", "biweekly", "monthly"])
    first_due = serializers.DateField()
    count = serializers.IntegerField(min_value=1, max_value=120, required=False)
    amount = serializers.DecimalField(min_value=Decimal("0.01"), required=False, **MONEY)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def validate(self, data):
        if not data.get("count") and not data.get("amount"):
            raise serializers.ValidationError({"count": ["Give count or amount."]})
        return data


class RefundIn(serializers.Serializer):
    amount = serializers.DecimalField(min_value=Decimal("0.01"), **MONEY)
    method = serializers.ChoiceField(choices=["check", "card", "cash", "recoup"])
    reason = serializers.CharField(max_length=200)
    line = serializers.UUIDField(required=False, help_text="To a payer: the line it overpaid")
    payer = serializers.CharField(required=False, help_text="To a payer: its payer id")


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "refuse"])
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RunIn(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1, max_value=99, required=False, allow_null=True)
    dry_run = serializers.BooleanField(default=False)
    email = serializers.BooleanField(default=False)


def _patient(request, public_id, permission: str, detail: str):
    patient = access.account_patient_get_for_user(request.user, public_id, permission=permission)
    if detail:
        audit_record(action=AuditAction.READ, obj=patient, patient=patient, category=CATEGORY,
                     detail=detail)  # fmt: skip
    return patient


class PayerCreditOut(serializers.Serializer):
    line = serializers.CharField()
    code = serializers.CharField()
    payer = serializers.CharField()
    credit = serializers.CharField()


class AccountOut(serializers.Serializer):
    """The account answer's shape (the view builds the dict; this documents it)."""

    patient = serializers.CharField()
    patient_due = serializers.CharField()
    credit = serializers.CharField()
    insurance_pending = serializers.CharField()
    status = serializers.CharField()
    hold = serializers.CharField(allow_blank=True)
    aging = BucketOut(many=True)
    plans = PlanOut(many=True)
    statements = StatementOut(many=True)
    refunds = RefundOut(many=True)
    payer_credits = PayerCreditOut(many=True)


class CandidateOut(serializers.Serializer):
    patient = serializers.CharField()
    amount = serializers.CharField()
    skipped = serializers.CharField(allow_blank=True)


class SkippedOut(serializers.Serializer):
    patient = serializers.CharField()
    reason = serializers.CharField()


class RunOut(serializers.Serializer):
    """A statement run's answer: the preview (dry run, 200) or what was sent (201)."""

    dry_run = serializers.BooleanField()
    cycle = serializers.IntegerField(allow_null=True)
    accounts = CandidateOut(many=True, required=False)
    run = serializers.CharField(required=False)
    issued = StatementOut(many=True, required=False)
    skipped = SkippedOut(many=True, required=False)


class PatientAccount(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW}

    @extend_schema(responses={200: AccountOut},
                   summary="A patient's account: what is owed (by party and age), credit, "
                   "plan, statements sent, refunds")  # fmt: skip
    def get(self, request, public_id):
        patient = _patient(request, public_id, VIEW, "account read (API)")
        page = account_page(patient)
        s = page.summary
        return Response({
            "patient": str(patient.public_id),
            "patient_due": str(s.patient_due), "credit": str(s.credit),
            "insurance_pending": str(s.insurance_pending),
            "status": s.standing.status if s.standing else "current",
            "hold": s.standing.hold if s.standing else "",
            "aging": BucketOut(page.aging, many=True).data,
            "plans": PlanOut([plan for plan, _ in page.plans], many=True).data,
            "statements": StatementOut(page.statements, many=True).data,
            "refunds": RefundOut(page.refunds, many=True).data,
            "payer_credits": [
                {"line": str(c.public_id), "code": c.code, "payer": p.payer_id,
                 "credit": str(amount)}
                for c, p, amount in page.payer_credits
            ],
        })  # fmt: skip


class PatientPayments(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": COLLECT}

    @extend_schema(request=PaymentIn, responses={201: PaymentOut},
                   summary="Take a payment at the desk (applied to the oldest balance; "
                   "more than owed is kept as a credit and flagged)")  # fmt: skip
    def post(self, request, public_id):
        patient = _patient(request, public_id, COLLECT, "")
        data = PaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        location = Location.objects.filter(
            practice_id=practice_id_for(request.user), public_id=v["location"]
        ).first()
        if location is None:
            raise serializers.ValidationError({"location": ["No such location."]})
        payment = services.desk_payment_take(
            patient=patient, amount=v["amount"], method=v["method"],
            reference=v.get("reference", ""), location=location, note=v.get("note", ""),
            by=request.user,
        )  # fmt: skip
        credit = services.payment_credit(payment)
        payment.credit, payment.credit_flagged = credit, credit > 0
        payment.patient_due = account_page(patient).summary.patient_due
        return Response(PaymentOut(payment).data, status=201)


class PatientStatements(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW}

    @extend_schema(responses=StatementOut(many=True), summary="Statements sent, newest first")
    def get(self, request, public_id):
        patient = _patient(request, public_id, VIEW, "statements listed (API)")
        account = ledger.account_for(patient)
        return Response(StatementOut(account.statements.all()[:200], many=True).data)


class PatientPlans(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW, "POST": PLANS}

    @extend_schema(responses=PlanOut(many=True), summary="Payment plans, with their schedule")
    def get(self, request, public_id):
        patient = _patient(request, public_id, VIEW, "plans listed (API)")
        return Response(PlanOut(ledger.account_for(patient).plans.all(), many=True).data)

    @extend_schema(request=PlanIn, responses={201: PlanOut}, summary="Agree a payment plan")
    def post(self, request, public_id):
        patient = _patient(request, public_id, PLANS, "")
        data = PlanIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        plan = services.plan_create(
            account=ledger.account_for(patient), total=v["total"], first_due=v["first_due"],
            frequency=v["frequency"], count=v.get("count"), amount=v.get("amount"),
            note=v.get("note", ""), by=request.user,
        )  # fmt: skip
        return Response(PlanOut(plan).data, status=201)


class PatientRefunds(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": VIEW, "POST": REFUND}

    @extend_schema(responses=RefundOut(many=True), summary="Refunds asked for and decided")
    def get(self, request, public_id):
        patient = _patient(request, public_id, VIEW, "refunds listed (API)")
        refunds = RefundRequest.objects.filter(account__patient=patient).select_related(
            "payer", "charge"
        )
        return Response(RefundOut(refunds, many=True).data)

    @extend_schema(request=RefundIn, responses={201: RefundOut},
                   summary="Ask for a refund: of the patient's credit, or of a payer's "
                   "overpayment on a line (line and payer); refused beyond the credit")  # fmt: skip
    def post(self, request, public_id):
        patient = _patient(request, public_id, REFUND, "")
        data = RefundIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        payer = charge = None
        if v.get("line") or v.get("payer"):
            charge = Charge.objects.filter(
                public_id=v.get("line"), encounter__patient=patient
            ).first()
            payer = Payer.objects.filter(payer_id=v.get("payer", "")).first()
            if charge is None or payer is None:
                raise serializers.ValidationError({"line": ["No such line or payer here."]})
        refund = services.refund_request(
            account=ledger.account_for(patient), amount=v["amount"], method=v["method"],
            reason=v["reason"], payer=payer, charge=charge, by=request.user,
        )  # fmt: skip
        return Response(RefundOut(refund).data, status=201)


class RefundDecision(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": APPROVE}

    @extend_schema(
        request=DecisionIn,
        responses=RefundOut,
        summary="Approve (post) or refuse a refund; never one you asked for",
    )
    def post(self, request, public_id):
        refund = access.refund_request_get_for_user(request.user, public_id)
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        done = services.refund_decide(
            request=refund, approve=v["decision"] == "approve", by=request.user,
            note=v.get("note", ""), reference=v.get("reference", ""),
        )  # fmt: skip
        return Response(RefundOut(done).data)


class StatementRunApi(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": STATEMENTS}

    @extend_schema(request=RunIn, responses={200: RunOut, 201: RunOut},
                   summary="Run statements of a cycle (all without one); "
                   "dry_run says who would get one and who is skipped, and why")  # fmt: skip
    def post(self, request):
        practice = practice_for(request.user)
        data = RunIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        cycle = v.get("cycle")
        if cycle is not None and cycle > settings_for(practice).cycles:
            raise serializers.ValidationError({"cycle": ["No such cycle."]})
        if v["dry_run"]:
            found = statements.statement_candidates(practice=practice, cycle=cycle)
            audit_record(
                action=AuditAction.QUERY,
                object_type="accounts.statement",
                category=CATEGORY,
                detail=f"statement preview, {len(found)} accounts",
            )
            rows = [{"patient": str(c.account.patient.public_id), "amount": str(c.amount),
                     "skipped": c.skip} for c in found]  # fmt: skip
            return Response({"dry_run": True, "cycle": cycle, "accounts": rows})
        result = statements.statement_run(
            practice=practice, cycle=cycle, by=request.user, email=v["email"]
        )
        return Response(
            {"dry_run": False, "cycle": cycle, "run": str(result.run.public_id),
             "issued": StatementOut(result.issued, many=True).data,
             "skipped": [{"patient": str(a.patient.public_id), "reason": why}
                         for a, why in result.skipped]},
            status=201,
        )  # fmt: skip
