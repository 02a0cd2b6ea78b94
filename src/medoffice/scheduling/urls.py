from django.urls import path

from medoffice.scheduling import outside_views, views, visit_views, waitlist_views

app_name = "scheduling"

urlpatterns = [
    path("schedule/waitlist/", waitlist_views.waitlist_list, name="waitlist"),
    path(
        "schedule/waitlist/<uuid:public_id>/remove/",
        waitlist_views.waitlist_remove,
        name="waitlist-remove",
    ),
    path(
        "patients/<uuid:public_id>/waitlist/add/",
        waitlist_views.waitlist_add,
        name="waitlist-add",
    ),
    path("offers/<str:token>/", waitlist_views.offer, name="offer"),
    path("patients/<uuid:public_id>/outside/", outside_views.outside_list, name="outside-list"),
    path("patients/<uuid:public_id>/outside/add/", outside_views.outside_add, name="outside-add"),
    path("outside/<uuid:public_id>/", outside_views.outside_edit, name="outside-edit"),
    path(
        "outside/<uuid:public_id>/documents/",
        outside_views.outside_document_add,
        name="outside-document-add",
    ),
    path(
        "outside/documents/<uuid:public_id>/",
        outside_views.outside_document,
        name="outside-document",
    ),
    path("schedule/", views.day_board, name="day-board"),
    path("schedule/dashboard/", views.dashboard, name="dashboard"),
    path("schedule/week/", views.week_view, name="week"),
    path("schedule/book/", views.book_at_time, name="book-at-time"),
    path(
        "patients/<uuid:public_id>/appointments/book/",
        views.appointment_book,
        name="appointment-book",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/",
        visit_views.appointment_detail,
        name="appointment-detail",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/check-in/",
        visit_views.appointment_check_in,
        name="appointment-check-in",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/step/",
        visit_views.appointment_step,
        name="appointment-step",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/cancel/",
        visit_views.appointment_cancel,
        name="appointment-cancel",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/reschedule/",
        visit_views.appointment_reschedule,
        name="appointment-reschedule",
    ),
    path(
        "patients/<uuid:public_id>/appointments/",
        views.patient_appointments,
        name="appointment-list",
    ),
]
