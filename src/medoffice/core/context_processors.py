from django.conf import settings

from medoffice.core.policy import has_permission


def staff(request) -> dict:
    user = getattr(request, "user", None)
    staff_profile = getattr(user, "staff", None) if user and user.is_authenticated else None
    return {
        "staff_profile": staff_profile,
        "can_search_patients": has_permission(user, "patients.view_patient"),
        "can_register_patients": has_permission(user, "patients.add_patient"),
        "can_view_audit": has_permission(user, "core.view_auditevent"),
        "can_view_schedule": has_permission(user, "scheduling.view_appointment"),
        "can_view_encounters": has_permission(user, "billing.view_encounter"),
        "can_view_coding_queue": has_permission(user, "billing.view_coding_queue"),
        "can_view_claims": has_permission(user, "billing.view_claim"),
        "can_view_ledger": has_permission(user, "payments.view_ledger"),
        "can_import_records": has_permission(user, "imports.import_records"),
        "can_view_eligibility": has_permission(user, "eligibility.view_eligibilitycheck"),
        "can_view_previsit": has_permission(user, "clinical.view_previsit"),
        "can_view_transcription": has_permission(user, "clinical.view_note"),
        "can_view_amendments": has_permission(user, "clinical.view_amendmentrequest"),
        "can_run_privacy": has_permission(user, "privacy.view_riskassessment"),
        "can_review_emergency": has_permission(user, "clinical.review_emergencyaccess"),
        "can_view_roi_queue": has_permission(user, "records.view_roirequest"),
        "can_view_interfaces": has_permission(user, "interop.view_interfacemessage"),
        "can_review_interfaces": has_permission(user, "interop.review_inboundmessage"),
        "can_view_inbox": has_permission(user, "records.view_communication"),
        "can_view_stock": has_permission(user, "inventory.view_item"),
        "can_view_dashboard": has_permission(user, "reports.view_dashboard"),
        "can_close_day": has_permission(user, "accounts.close_day"),
        "can_run_statements": has_permission(user, "accounts.run_statements"),
        "can_request_refund": has_permission(user, "accounts.request_refund"),
        "idle_timeout_seconds": settings.SESSION_IDLE_TIMEOUT_SECONDS,
    }
