from django.contrib import admin

from medoffice.core.admin import PracticeScopedAdmin
from medoffice.scheduling.models import (
    AppointmentType,
    Equipment,
    Holiday,
    Room,
    ScheduleException,
    TemplateBlock,
)


@admin.register(Room)
class RoomAdmin(PracticeScopedAdmin):
    practice_path = "location__practice"
    list_display = ["name", "kind", "location", "is_active"]
    list_filter = ["location", "kind", "is_active"]


@admin.register(Equipment)
class EquipmentAdmin(PracticeScopedAdmin):
    practice_path = "location__practice"
    list_display = ["name", "kind", "location", "is_active"]
    list_filter = ["location", "kind", "is_active"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(PracticeScopedAdmin):
    list_display = [
        "name",
        "duration_minutes",
        "modality",
        "patient_kind",
        "room_kind",
        "is_active",
    ]
    list_filter = ["modality", "patient_kind", "is_active"]
    filter_horizontal = ["providers"]


@admin.register(TemplateBlock)
class TemplateBlockAdmin(PracticeScopedAdmin):
    practice_path = "location__practice"
    list_display = [
        "provider", "location", "weekday", "start_time", "end_time", "slot_minutes",
        "urgent_until",
    ]  # fmt: skip
    list_filter = ["provider", "location", "weekday"]
    filter_horizontal = ["appointment_types"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(PracticeScopedAdmin):
    practice_path = "location__practice"
    list_display = ["reason", "provider", "location", "starts_at", "ends_at"]
    list_filter = ["location", "provider"]


@admin.register(Holiday)
class HolidayAdmin(PracticeScopedAdmin):
    list_display = ["day", "name", "practice"]
    list_filter = ["practice"]
