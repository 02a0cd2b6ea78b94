from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "MedOffice configuration"
admin.site.site_title = "MedOffice"

handler404 = "medoffice.core.views.not_found"

urlpatterns = [
    path("", include("medoffice.core.urls")),
    path("patients/", include("medoffice.patients.urls")),
    path("", include("medoffice.scheduling.urls")),
    path("", include("medoffice.messaging.urls")),
    path("", include("medoffice.billing.urls")),
    path("", include("medoffice.eligibility.urls")),
    path("", include("medoffice.clinical.urls")),
    path("", include("medoffice.records.urls")),
    path("", include("medoffice.inventory.urls")),
    path("", include("medoffice.payments.urls")),
    path("", include("medoffice.accounts.urls")),
    path("", include("medoffice.worklist.urls")),
    path("", include("medoffice.reports.urls")),
    path("", include("medoffice.privacy.urls")),
    path("", include("medoffice.interop.urls")),
    path("api/", include("medoffice.api")),
    path("admin/", admin.site.urls),
]
