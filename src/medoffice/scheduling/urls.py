from django.urls import path

from medoffice.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("schedule/", views.day_board, name="day-board"),
    path(
        "patients/<uuid:public_id>/appointments/book/",
        views.appointment_book,
        name="appointment-book",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/status/",
        views.appointment_status,
        name="appointment-status",
    ),
    path(
        "patients/<uuid:public_id>/appointments/",
        views.patient_appointments,
        name="appointment-list",
    ),
]
