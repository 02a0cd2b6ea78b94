"""REST API routes (/api/), its OpenAPI schema and docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from medoffice.billing import api as billing_api
from medoffice.coding import api as coding_api
from medoffice.core.policy import AUTHENTICATED
from medoffice.inventory import api as inventory_api
from medoffice.patients import api as patients_api
from medoffice.scheduling import api as scheduling_api
from medoffice.worklist import api as worklist_api

app_name = "api"


def _documented(view):
    view.medoffice_policy = AUTHENTICATED
    return view


urlpatterns = [
    path("schema/", _documented(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        _documented(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("patients/", patients_api.PatientCollection.as_view(), name="patient-list"),
    path("patients/search/", patients_api.PatientSearch.as_view(), name="patient-search"),
    path("patients/<uuid:public_id>/", patients_api.PatientItem.as_view(), name="patient-detail"),
    path(
        "patients/<uuid:public_id>/coverages/",
        patients_api.CoverageCollection.as_view(),
        name="coverage-list",
    ),
    path(
        "coverages/<uuid:public_id>/", patients_api.CoverageItem.as_view(), name="coverage-detail"
    ),
    path("payers/", patients_api.PayerCollection.as_view(), name="payer-list"),
    path("codes/search/", coding_api.CodeSearch.as_view(), name="code-search"),
    path("codes/suggest/", coding_api.CodeSuggest.as_view(), name="code-suggest"),
    path("slots/", scheduling_api.SlotList.as_view(), name="slot-list"),
    path("appointments/", scheduling_api.AppointmentCollection.as_view(), name="appointment-list"),
    path(
        "appointments/<uuid:public_id>/",
        scheduling_api.AppointmentItem.as_view(),
        name="appointment-detail",
    ),
    path(
        "appointments/<uuid:public_id>/reschedule/",
        scheduling_api.AppointmentReschedule.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<uuid:public_id>/status/",
        scheduling_api.AppointmentStatusChange.as_view(),
        name="appointment-status",
    ),
    path(
        "appointments/<uuid:public_id>/check-in/",
        scheduling_api.AppointmentCheckIn.as_view(),
        name="appointment-check-in",
    ),
    path(
        "appointments/<uuid:public_id>/steps/",
        scheduling_api.AppointmentStep.as_view(),
        name="appointment-step",
    ),
    path("waitlist/", scheduling_api.WaitlistCollection.as_view(), name="waitlist-list"),
    path(
        "patients/<uuid:public_id>/appointments/",
        scheduling_api.PatientAppointments.as_view(),
        name="patient-appointment-list",
    ),
    path("encounters/", billing_api.EncounterCollection.as_view(), name="encounter-list"),
    path(
        "encounters/<uuid:public_id>/",
        billing_api.EncounterItem.as_view(),
        name="encounter-detail",
    ),
    path(
        "encounters/<uuid:public_id>/superbill/",
        billing_api.EncounterSuperbill.as_view(),
        name="encounter-superbill",
    ),
    path(
        "encounters/<uuid:public_id>/sign/",
        billing_api.EncounterSign.as_view(),
        name="encounter-sign",
    ),
    path(
        "encounters/<uuid:public_id>/amend/",
        billing_api.EncounterAmend.as_view(),
        name="encounter-amend",
    ),
    path(
        "encounters/<uuid:public_id>/charges/",
        billing_api.EncounterCharges.as_view(),
        name="encounter-charge-list",
    ),
    path("charges/", billing_api.ChargeCollection.as_view(), name="charge-list"),
    path("inventory/items/", inventory_api.ItemCollection.as_view(), name="item-list"),
    path(
        "inventory/items/<uuid:public_id>/stock/",
        inventory_api.ItemStock.as_view(),
        name="item-stock",
    ),
    path(
        "inventory/items/<uuid:public_id>/movements/",
        inventory_api.ItemMovements.as_view(),
        name="item-movements",
    ),
    path("inventory/orders/", inventory_api.OrderCollection.as_view(), name="order-list"),
    path(
        "inventory/orders/<uuid:public_id>/",
        inventory_api.OrderItem.as_view(),
        name="order-detail",
    ),
    path(
        "inventory/orders/<uuid:public_id>/receive/",
        inventory_api.OrderReceive.as_view(),
        name="order-receive",
    ),
    path(
        "inventory/orders/<uuid:public_id>/approve/",
        inventory_api.OrderApprove.as_view(),
        name="order-approve",
    ),
    path(
        "inventory/equipment/", inventory_api.EquipmentCollection.as_view(), name="equipment-list"
    ),
    path("tasks/", worklist_api.TaskCollection.as_view(), name="task-list"),
]
