"""The FHIR R4 REST API under /fhir/ (JSON only, `application/fhir+json`).

Layout
    registry.py    ResourceType, register(), load(): the types served
    views.py       read, vread, search (GET and POST _search), create, update; paging,
                   ETag/If-Match, OperationOutcome for every refusal
    search.py      parameter parsing (prefixes, tokens, references, modifiers)
    auth.py        fhir_principal(request) and allows(principal, type, interaction)
    capability.py  the CapabilityStatement, generated from the registry
    urls.py        routes generated from the registry
    resources/     one module per resource type

Adding a resource type (the contract)
    Add `resources/<type>.py` (no other file changes: the registry imports every module
    of resources/ whose name does not start with '_') that calls
    `register(ResourceType(...))` with:

    name          the FHIR type, e.g. "Observation".
    permissions   {READ: perm, CREATE: perm, UPDATE: perm}: the Django permissions the
                  views check for the method before anything runs (read covers vread,
                  search and _include). Only give CREATE/UPDATE with `create`/`update`.
    get           get(user, id, *, permission, audit) -> row. Go through the app's
                  `<entity>_get_for_user` helper (practice scope, role check, audit):
                  raise Http404 for an id outside the practice or not a UUID (use
                  `_common.uuid_or_404`), PermissionDenied for the role.
    to_resource   row -> resource dict. Map with the Django-free codecs in
                  formats/fhir/ (bundle.py, clinical.py, scheduling.py), passing
                  `ref=rest_ref` so references read "Patient/<id>"; no second mapper
                  of a concept that one of them already maps. The framework adds `meta`.
    queryset      queryset(user) -> QuerySet of the practice's rows the type may list
                  (scope + `require_permission`, no audit: the search writes one QUERY
                  row in `audit_category`). Select the related rows to_resource reads.
    search_params SearchParam(name, type, filter, documentation, modifiers): filter
                  (values, modifier, ctx) -> Q for one occurrence, values ORed. Use
                  search.date_param / reference_param / split_token. `_id` is added for
                  every queryset type.
    sorts         {"_sort name": "model field" or ("field", ..., "pk")}: fields in the
                  order of an index read the page from it; default_order follows and
                  ends on a unique field so that pages are stable.
    search        instead of queryset, for computed types (Slot): search(user,
                  SearchRequest, SearchContext) -> (rows of the page, total or None,
                  has_next); apply the request's offset and count yourself.
    create/update create(user, resource) / update(user, row, resource) -> row, through
                  the app's services; raise Django ValidationError (-> 422) or
                  FhirError(status, code, diagnostics) for refusals (409 conflict...).
                  Bodies arrive already validated against the R4B model.
    includes / revincludes  {"Type:param": Include(target type, fetch(user, rows))}.
                  Another module may add a revinclude to an existing type with
                  `registry.add_revinclude("Patient", "Observation:patient", Include(...))`.
    audit_category  e.g. "demographics", "clinical"; empty for non-PHI types.
    profile       the US Core profile URL the resource follows, if any.

Errors: raise FhirError (errors.py) anywhere; Http404, PermissionDenied and Django
ValidationError are turned into OperationOutcomes (404, 403, 422) by the views.
Routes: every type gets fhir:<Type>-type, -search, -instance and -vread; add them to
tests/core/routes.py with answers="json".
"""
