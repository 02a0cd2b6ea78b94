"""/fhir/ routes: generated from the registry, one set per resource type."""

from django.urls import path, re_path

from medoffice.interop.fhir import registry, views

app_name = "fhir"

# FHIR ids: up to 64 letters, digits, '-' and '.'.
ID = r"(?P<public_id>[A-Za-z0-9\-\.]{1,64})"

urlpatterns = [path("metadata", views.metadata, name="metadata")]
for _name, _rt in registry.types().items():
    urlpatterns += [
        path(f"{_name}", views.type_view(_rt), name=f"{_name}-type"),
        path(f"{_name}/_search", views.search_post_view(_rt), name=f"{_name}-search"),
        re_path(rf"^{_name}/{ID}$", views.instance_view(_rt), name=f"{_name}-instance"),
        re_path(
            rf"^{_name}/{ID}/_history/(?P<version>[A-Za-z0-9\-\.]{{1,64}})$",
            views.vread_view(_rt),
            name=f"{_name}-vread",
        ),
    ]
urlpatterns += [
    # Binary: read only, the bytes of a filed document (binary.py).
    re_path(rf"^Binary/{ID}$", views.binary_view, name="Binary-instance"),
    re_path(r"^(?P<resource_type>[^/]+)(?:/(?P<rest>.*))?$", views.unknown_type, name="unknown"),
]
