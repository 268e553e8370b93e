import pytest
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.scopes import ALL_SCOPES


@pytest.fixture
def make_key(db):
    """make_key(organisation, scopes=ALL) -> (ApiKey, secret)."""

    def make(organisation, scopes=ALL_SCOPES, **kwargs):
        kwargs.setdefault("name", "test key")
        return api_key_create(organisation=organisation, scopes=scopes, **kwargs)

    return make


@pytest.fixture
def key_client(make_key):
    """key_client(organisation, scopes=ALL) -> an APIClient sending that organisation's new key."""

    def make(organisation, scopes=ALL_SCOPES, **kwargs):
        _, secret = make_key(organisation, scopes, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
