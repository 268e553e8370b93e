"""Idempotency-Key on the real endpoints: the ingest requires it, an asset's registration honours it."""

import uuid

from listings.models import Listing
from rights_holders.models import IPAsset
from tests.api.test_assets import _registration
from tests.api.test_listings import INGEST, _row, marketplace, store  # noqa: F401  (fixtures)


def test_an_ingest_without_the_header_is_400_and_applies_nothing(marketplace, key_client, store):  # noqa: F811
    client = key_client(marketplace, ["listings:ingest"])
    response = client.post(INGEST, {"listings": [_row("A", store)]}, format="json", HTTP_IDEMPOTENCY_KEY=None)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_missing"
    assert not Listing.objects.exists()


def test_a_retried_ingest_gets_its_report_again_and_a_reused_key_with_other_rows_is_422(
    marketplace,  # noqa: F811
    key_client,
    store,  # noqa: F811
):
    client = key_client(marketplace, ["listings:ingest"])
    key = str(uuid.uuid4())
    rows = {"listings": [_row("A", store), _row("B", store)]}
    first = client.post(INGEST, rows, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 200 and [r["outcome"] for r in first.json()["results"]] == ["created", "created"]
    again = client.post(INGEST, rows, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = client.post(INGEST, {"listings": [_row("C", store)]}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 422
    assert Listing.objects.count() == 2


def test_a_retried_registration_registers_one_asset(brand_a, key_client, _private_media):
    client = key_client(brand_a.organisation, ["assets:write"])
    key = str(uuid.uuid4())
    first = client.post("/api/v1/assets/", _registration(), format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post("/api/v1/assets/", _registration(), format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert IPAsset.objects.count() == 1
    assert len([p for p in _private_media.rglob("*") if p.is_file()]) == 1
