"""One module per FHIR resource type; each registers itself (see medoffice.interop.fhir).
Modules whose name starts with '_' hold shared helpers and are not loaded as types."""
