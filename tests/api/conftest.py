import pytest
from rest_framework.test import APIClient

from api.keys import api_key_create, scopes_offered_to


@pytest.fixture
def make_key(db):
    """make_key(organisation, scopes=every scope the organisation may have) -> (ApiKey, secret)."""

    def make(organisation, scopes=None, **kwargs):
        kwargs.setdefault("name", "test key")
        scopes = scopes_offered_to(organisation) if scopes is None else scopes
        return api_key_create(organisation=organisation, scopes=scopes, **kwargs)

    return make


@pytest.fixture
def key_client(make_key):
    """key_client(organisation, scopes=every scope it may have) -> an APIClient sending that organisation's new key."""

    def make(organisation, scopes=None, **kwargs):
        _, secret = make_key(organisation, scopes, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
