"""SMART on FHIR authorization (OAuth 2.0 via django-oauth-toolkit) and FHIR Bulk Data export."""
