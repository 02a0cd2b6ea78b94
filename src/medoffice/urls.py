from django.contrib import admin
from django.urls import include, path

from medoffice.interop.smart.views import smart_configuration

admin.site.site_header = "MedOffice configuration"
admin.site.site_title = "MedOffice"

handler404 = "medoffice.core.views.not_found"

urlpatterns = [
    path("", include("medoffice.core.urls")),
    # The REST API early: its requests (integrations, booking clients) are the most frequent,
    # and each pattern above a route is tried first on every request. No route of the apps
    # below starts with api/.
    path("api/", include("medoffice.api")),
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
    path("", include("medoffice.imports.urls")),
    path("", include("medoffice.interop.urls")),
    # SMART on FHIR: OAuth 2.0 / OpenID Connect, its discovery, Bulk Data export. The SMART
    # routes under /fhir/ come before the FHIR API's, whose last route answers any unknown type.
    path("o/", include("medoffice.interop.smart.urls")),
    path(".well-known/smart-configuration", smart_configuration, name="smart-configuration"),
    path("fhir/", include("medoffice.interop.smart.fhir_urls")),
    path("fhir/", include("medoffice.interop.fhir.urls")),
    path("admin/", admin.site.urls),
]
