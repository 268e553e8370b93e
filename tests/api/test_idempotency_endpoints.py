"""Idempotency-Key on the real endpoints: the ingest requires it, an asset's registration honours it; a request
that fails after its verb stored files leaves neither rows nor files."""

import uuid

import pytest
from django.db import OperationalError

from api.models import IdempotencyRecord
from listings.models import Listing
from portal.models import AuditLogEntry
from rights_holders.models import IPAsset, IPAssetProof
from takedowns import lifecycle
from takedowns.models import CounterNotice, CounterNoticeEvidence, Evidence, Notice, NoticeItem
from tests.api.test_assets import _registration
from tests.api.test_items import COUNTER_NOTICE, png
from tests.api.test_listings import INGEST, _row, marketplace, store  # noqa: F401  (fixtures)
from tests.api.test_notices import _multipart, _png, file, line


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


def _files(media):
    return [p for p in media.rglob("*") if p.is_file()]


def _registration_request(world, key_client, reviewer):
    return key_client(world.brand.organisation, ["assets:write"]), "/api/v1/assets/", _registration


def _filing_request(world, key_client, reviewer):
    def data():
        return _multipart(line(world.listings[0], world.asset), **{"/items/0/evidence": [_png(), _png()]})

    return key_client(world.brand.organisation, ["notices:write"]), "/api/v1/notices/", data


def _counter_notice_request(world, key_client, reviewer):
    (accepted,) = file(key_client(world.brand.organisation), line(world.listings[0], world.asset)).json()["accepted"]
    lifecycle.notice_item_accept(item_id=NoticeItem.objects.get().pk, actor=reviewer)
    client = key_client(world.merchant_org, ["counter_notices:write"])
    return client, f"/api/v1/items/{accepted['id']}/counter-notice/", lambda: {**COUNTER_NOTICE, "evidence": [png()]}


# (the request, the rows it writes)
REQUESTS = {
    "an asset with its proof": (_registration_request, (IPAsset, IPAssetProof)),
    "a notice with evidence": (_filing_request, (Notice, Evidence)),
    "a counter-notice with evidence": (_counter_notice_request, (CounterNotice, CounterNoticeEvidence)),
}


def _counts(models):
    return [model.objects.count() for model in (*models, AuditLogEntry)]


@pytest.mark.parametrize("what", REQUESTS)
def test_a_request_that_fails_after_its_verb_stored_files_leaves_no_file_and_no_row(
    what, world, key_client, reviewer, _private_media, monkeypatch
):
    """The verb joined the request's transaction and returned; then recording the response fails (the request's
    last write): the rows roll back, and the files the verb stored go with them. A retry then runs afresh."""
    make, models = REQUESTS[what]
    client, url, data = make(world, key_client, reviewer)
    files_before, rows_before = _files(_private_media), _counts(models)

    def failing_record(record, response):
        raise OperationalError("the response could not be recorded")

    monkeypatch.setattr("api.idempotency._record", failing_record)
    key = str(uuid.uuid4())
    with pytest.raises(OperationalError):
        client.post(url, data(), format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert _files(_private_media) == files_before
    assert _counts(models) == rows_before
    assert not IdempotencyRecord.objects.filter(key=key).exists()  # released

    monkeypatch.undo()
    response = client.post(url, data(), format="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code in (200, 201), response.content
    assert all(after > before for after, before in zip(_counts(models), rows_before, strict=True))
    assert len(_files(_private_media)) > len(files_before)
