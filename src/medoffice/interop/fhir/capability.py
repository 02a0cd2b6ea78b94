"""The CapabilityStatement at /fhir/metadata, generated from the registry so it says
exactly what the server does: the types, their interactions and search parameters."""

from medoffice.interop.fhir import binary, registry

# When the statement's content changes in kind (not per type): bump for clients caching it.
SOFTWARE_VERSION = "1"


def capability_statement(*, base_url: str) -> dict:
    resources = []
    for rt in registry.types().values():
        entry: dict = {
            "type": rt.name,
            "interaction": [{"code": code} for code in rt.interactions],
            "versioning": "versioned",
            "readHistory": False,  # only the current version is kept: vread answers that one
            "updateCreate": False,
            "conditionalCreate": False,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
        }
        if rt.profile:
            entry["supportedProfile"] = [rt.profile]
        if rt.documentation:
            entry["documentation"] = rt.documentation
        params = list(rt.search_params)
        if rt.queryset is not None and not any(p.name == "_id" for p in params):
            entry_params = [
                {"name": "_id", "type": "token", "documentation": "Logical id of the resource"}
            ]
        else:
            entry_params = []
        entry_params += [
            {"name": p.name, "type": p.type, "documentation": p.documentation}
            if p.documentation
            else {"name": p.name, "type": p.type}
            for p in params
        ]
        if entry_params:
            entry["searchParam"] = entry_params
        if rt.includes:
            entry["searchInclude"] = sorted(rt.includes)
        if rt.all_revincludes:
            entry["searchRevInclude"] = sorted(rt.all_revincludes)
        resources.append(entry)
    resources.append(binary.capability_entry())  # not a registry type: read only, any format
    resources.sort(key=lambda entry: entry["type"])
    return {
        "resourceType": "CapabilityStatement",
        "url": f"{base_url}/metadata",
        "status": "active",
        "date": "2026-11-23",
        "publisher": "MedOffice",
        "kind": "instance",
        "software": {"name": "MedOffice", "version": SOFTWARE_VERSION},
        "implementation": {"description": "MedOffice FHIR R4 API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Unknown search parameters are ignored (and listed in an OperationOutcome "
                    "entry of the Bundle) unless the request says 'Prefer: handling=strict', "
                    "which makes them a 400. Paging: _count (at most 100) and _offset; _sort "
                    "with the names listed per type; _total=none skips the count. Updates "
                    'take If-Match: W/"versionId" (412 when it is not the current one). '
                    "Only the current version of a resource is kept."
                    " The Bundle's page links name the search by an opaque _page token kept"
                    " on the server for an hour (never the search terms in the URL); an"
                    " expired one is a 410, another caller's a 400."
                ),
                "security": security(base_url),
                "resource": resources,
                # FHIR Bulk Data Access (interop/smart/export.py).
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    },
                    {
                        "name": "patient-export",
                        "definition": (
                            "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
                        ),
                    },
                    {
                        "name": "group-export",
                        "definition": (
                            "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"
                        ),
                    },
                ],
            }
        ],
    }


def security(base_url: str) -> dict:
    """rest.security: SMART on FHIR (the oauth-uris extension names the OAuth endpoints, as
    /.well-known/smart-configuration does), API tokens and staff sessions."""
    root = base_url.removesuffix("/fhir")
    return {
        "cors": False,
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ],
                "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
            }
        ],
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [
                    {"url": "authorize", "valueUri": f"{root}/o/authorize/"},
                    {"url": "token", "valueUri": f"{root}/o/token/"},
                    {"url": "revoke", "valueUri": f"{root}/o/revoke_token/"},
                    {"url": "introspect", "valueUri": f"{root}/o/introspect/"},
                ],
            }
        ],
        "description": (
            "SMART on FHIR access tokens (authorization code with PKCE for staff apps,"
            " client credentials with a private_key_jwt assertion for backend services;"
            " see /.well-known/smart-configuration), a bearer API token ('Authorization:"
            " Bearer mo_...') or a signed-in staff session; the same role checks and audit"
            " trail as the web pages. Bulk Data export: GET [base]/$export,"
            " [base]/Patient/$export, [base]/Group/[id]/$export (a Group is a provider's panel)."
        ),
    }
