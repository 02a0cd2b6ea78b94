"""FHIR API fixtures: a client speaking FHIR JSON with a user's API token, and R4B checks."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from medoffice.core.api_auth import api_token_issue

FHIR_JSON = "application/fhir+json"


def valid(resource: dict) -> dict:
    """The resource, after checking it parses in fhir.resources' R4B model of its type
    (a Bundle's entries are checked by the Bundle's model)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


class FhirClient:
    """Django's test client with a bearer token and FHIR JSON bodies."""

    def __init__(self, token: str):
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, url: str, **headers):
        return self.client.get(url, **self.auth, **headers)

    def post(self, url: str, body, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(url, data, content_type=FHIR_JSON, **self.auth, **headers)

    def post_form(self, url: str, data: dict, **headers):
        form = "application/x-www-form-urlencoded"
        return self.client.post(url, urlencode(data), content_type=form, **self.auth, **headers)

    def put(self, url: str, body, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.put(url, data, content_type=FHIR_JSON, **self.auth, **headers)

    def delete(self, url: str, **headers):
        return self.client.delete(url, **self.auth, **headers)


@pytest.fixture
def fhir_for():
    """fhir_for(user) -> a FhirClient signed in with a new API token of `user`."""

    def make(user) -> FhirClient:
        return FhirClient(api_token_issue(user=user))

    return make


@pytest.fixture
def fhir(fhir_for, front_desk) -> FhirClient:
    return fhir_for(front_desk)
