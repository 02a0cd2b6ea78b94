"""Configuration: reminder policies. Read-only logs: messages, text opt-outs, the SMS outbox.

Messages are PHI: each list and each opened message is audited, and staff see only
their own practice's messages.
"""

from django.contrib import admin

from medoffice.core.admin import PracticeScopedAdmin
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.messaging.models import Message, ReminderPolicy, SmsOptOut, SmsOutbox


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(PracticeScopedAdmin):
    list_display = ["practice", "is_active", "offsets", "sms_enabled", "email_enabled",
                    "booking_notices"]  # fmt: skip


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, PracticeScopedAdmin):
    list_display = ["created_at", "direction", "channel", "purpose", "status", "needs_attention",
                    "appointment_starts_at", "note"]  # fmt: skip
    list_filter = ["direction", "channel", "status", "needs_attention", "purpose"]
    exclude = ["practice"]
    raw_id_fields = ["patient", "appointment", "in_reply_to"]

    def changelist_view(self, request, extra_context=None):
        audit_record(
            action=AuditAction.QUERY, object_type="messaging.message", category="messages",
            detail="message log listed",
        )  # fmt: skip
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        message = self.get_queryset(request).filter(pk=object_id).first()
        if message is not None:
            audit_record(
                action=AuditAction.READ, obj=message, patient=message.patient,
                category="messages",
            )  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(SmsOptOut)
class SmsOptOutAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "keyword"]


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "provider_message_id"]

    def get_queryset(self, request):
        # The outbox holds numbers and texts of every practice: superusers only.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()
