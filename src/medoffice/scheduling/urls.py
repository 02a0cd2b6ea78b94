from django.urls import path

from medoffice.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path(
        "patients/<uuid:public_id>/appointments/",
        views.patient_appointments,
        name="appointment-list",
    ),
]
