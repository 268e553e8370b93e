"""/api/v1/listings/{id}/images/: the marketplace sends and removes a listing's images; readers list them."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.images import listing_images_add
from listings.models import ListingImage, ListingStatus
from portal import public_ids
from portal.models import OrganisationKind
from tests import factories
from tests.api.test_listings import _problem, marketplace  # noqa: F401 - the marketplace fixture
from tests.listings.test_images import png, png_bytes, stored_files


def _lst(listing):
    return public_ids.encode("lst", listing.public_id)


def _img(image):
    return public_ids.encode("img", image.public_id)


def _images(listing):
    return f"/api/v1/listings/{_lst(listing)}/images/"


@pytest.fixture
def listing(db):
    return factories.ListingFactory(external_id="MKT-7")


@pytest.fixture
def market(marketplace, key_client):  # noqa: F811
    return key_client(marketplace, ["listings:ingest", "listings:read"])


def test_the_marketplace_adds_images_and_reads_them_back(market, listing, _private_media):
    response = market.post(_images(listing), {"images": [png("a.png", (40, 30)), png("b.png", (20, 10))]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["listing"] == _lst(listing) and body["max_images"] == 10
    rows = list(ListingImage.objects.filter(listing=listing).order_by("position"))
    assert [i["id"] for i in body["images"]] == [_img(r) for r in rows]
    first = body["images"][0]
    assert {k: first[k] for k in ("position", "content_type", "width", "height")} == {
        "position": 1,
        "content_type": "image/png",
        "width": 40,
        "height": 30,
    }
    assert first["content_hash"] == hashlib.sha256(rows[0].image.read()).hexdigest()
    assert first["size"] == rows[0].size
    assert market.get(_images(listing)).json() == body


def test_an_image_is_removed_and_the_others_keep_their_positions(market, listing, _private_media):
    a, b, c = listing_images_add(listing=listing, files=[png(), png(), png()], actor=None)
    response = market.delete(f"{_images(listing)}{_img(b)}/")
    assert response.status_code == 204, response.content
    assert [(i["id"], i["position"]) for i in market.get(_images(listing)).json()["images"]] == [
        (_img(a), 1),
        (_img(c), 3),
    ]
    _problem(market.delete(f"{_images(listing)}{_img(b)}/"), 404)


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "svg", "bad.png is an SVG image"),
        (b"PK\x03\x04" + b"\x00" * 40, "type_not_allowed", "(it looks like a ZIP archive)"),
        (b"", "empty", "bad.png is empty"),
    ],
)
def test_a_refused_file_is_pointed_at_and_nothing_is_kept(market, listing, _private_media, content, code, says):
    bad = SimpleUploadedFile("bad.png", content, content_type="image/png")
    body = _problem(market.post(_images(listing), {"images": [png(), bad]}), 400, "invalid")
    (error,) = body["errors"]
    assert error["pointer"] == "/images/1" and error["code"] == code and says in error["detail"]
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


def test_a_file_too_large_is_refused_with_the_limit(market, listing, settings, _private_media):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "image": 1024 * 1024}
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 1024 * 1024, content_type="image/png")
    body = _problem(market.post(_images(listing), {"images": [big]}), 400)
    assert body["errors"] == [
        {
            "pointer": "/images/0",
            "code": "too_large",
            "detail": "big.png is larger than the 1 MB limit for images. Upload a smaller file.",
        }
    ]
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


def test_too_many_images_is_refused_saying_how_many_fit(market, listing, settings, _private_media):
    settings.LISTING_MAX_IMAGES = 3
    listing_images_add(listing=listing, files=[png(), png()], actor=None)
    body = _problem(market.post(_images(listing), {"images": [png(), png()]}), 409, "too_many_images")
    assert body["detail"] == (
        "Listing MKT-7 has 2 images and keeps at most 3: 1 more can be added, not 2. Remove some first, or send fewer."
    )
    body = _problem(market.post(_images(listing), {"images": [png()] * 4}), 400, "too_many_images")
    assert "at most 3 images; 4 were sent" in body["detail"]
    assert ListingImage.objects.count() == 2 and len(stored_files(_private_media)) == 2


def test_a_removed_listing_is_refused_with_its_reason(market, listing, _private_media):
    (image,) = listing_images_add(listing=listing, files=[png()], actor=None)
    listing.status = ListingStatus.REMOVED
    listing.save(update_fields=["status"])
    body = _problem(market.post(_images(listing), {"images": [png()]}), 409, "listing_removed")
    assert "Listing MKT-7 was removed from the marketplace" in body["detail"]
    _problem(market.delete(f"{_images(listing)}{_img(image)}/"), 409, "listing_removed")
    assert ListingImage.objects.count() == 1 and len(stored_files(_private_media)) == 1


def test_no_file_or_another_field_is_a_problem(market, listing):
    body = _problem(market.post(_images(listing), {}, format="multipart"), 400)
    assert body["errors"][0]["pointer"] == "/images"
    body = _problem(market.post(_images(listing), {"images": [png()], "position": "1"}), 400)
    assert body["errors"][0] == {
        "pointer": "/position",
        "code": "unknown_field",
        "detail": "Unknown field; send only `images`.",
    }
    body = _problem(market.post(_images(listing), {"images": "not a file"}, format="multipart"), 400)
    assert body["errors"][0]["pointer"].startswith("/images")
    _problem(market.post(_images(listing), {"images": []}, format="json"), 415)
    assert not ListingImage.objects.exists()


def test_a_retry_with_the_same_key_adds_nothing_twice(market, listing, _private_media):
    first = market.post(_images(listing), {"images": [png()]}, HTTP_IDEMPOTENCY_KEY="img-1")
    again = market.post(_images(listing), {"images": [png()]}, HTTP_IDEMPOTENCY_KEY="img-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert ListingImage.objects.count() == 1 and len(stored_files(_private_media)) == 1
    other = market.post(_images(listing), {"images": [png(colour=(1, 1, 1))]}, HTTP_IDEMPOTENCY_KEY="img-1")
    _problem(other, 422)
    _problem(market.post(_images(listing), {"images": [png()]}, HTTP_IDEMPOTENCY_KEY=None), 400)
    assert ListingImage.objects.count() == 1


def test_unknown_and_malformed_ids_are_404_alike(market, listing):
    (image,) = listing_images_add(listing=listing, files=[png()], actor=None)
    other = factories.ListingFactory()
    unknown = public_ids.encode("lst", public_ids.uuid7())
    for path in (f"/api/v1/listings/{unknown}/images/", "/api/v1/listings/lst_nope/images/"):
        _problem(market.get(path), 404)
        _problem(market.post(path, {"images": [png()]}), 404)
    # An image of another listing is addressed under its own listing only.
    _problem(market.delete(f"{_images(other)}{_img(image)}/"), 404)
    _problem(market.delete(f"{_images(listing)}img_nope/"), 404)
    assert ListingImage.objects.filter(pk=image.pk).exists()


def test_another_merchants_removed_listing_is_404_like_a_missing_one(key_client, listing):
    merchant = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT)
    factories.MerchantFactory(organisation=merchant)
    reader = key_client(merchant, ["listings:read"])
    listing_images_add(listing=listing, files=[png()], actor=None)
    assert reader.get(_images(listing)).status_code == 200  # live: public on the marketplace
    listing.status = ListingStatus.REMOVED
    listing.save(update_fields=["status"])
    hidden = _problem(reader.get(_images(listing)), 404)
    missing = _problem(reader.get(f"/api/v1/listings/{public_ids.encode('lst', public_ids.uuid7())}/images/"), 404)
    assert {k: v for k, v in hidden.items() if k != "instance"} == {k: v for k, v in missing.items() if k != "instance"}
    owner = key_client(listing.store.merchant.organisation, ["listings:read"])
    assert len(owner.get(_images(listing)).json()["images"]) == 1  # its own merchant still sees it


def test_only_the_marketplaces_key_sends_or_removes_images(brand_a, key_client, client, marketplace, listing):  # noqa: F811
    (image,) = listing_images_add(listing=listing, files=[png()], actor=None)
    brand = key_client(brand_a.organisation)
    body = _problem(brand.post(_images(listing), {"images": [png()]}), 403)
    assert "listings:ingest" in body["detail"]
    _problem(brand.delete(f"{_images(listing)}{_img(image)}/"), 403)
    client.force_login(factories.member_of(marketplace, role="owner"))
    _problem(client.post(_images(listing), {"images": [png()]}, HTTP_IDEMPOTENCY_KEY="session-1"), 403)
    assert ListingImage.objects.count() == 1


def test_the_list_keeps_a_constant_number_of_queries(market, listing):
    listing_images_add(listing=listing, files=[png()], actor=None)
    market.get(_images(listing))  # the key's first use records it (once a minute); count the requests after
    with CaptureQueriesContext(connection) as one:
        assert len(market.get(_images(listing)).json()["images"]) == 1
    listing_images_add(listing=listing, files=[png() for _ in range(5)], actor=None)
    with CaptureQueriesContext(connection) as six:
        assert len(market.get(_images(listing)).json()["images"]) == 6
    assert len(six) == len(one) <= 6, [q["sql"] for q in six.captured_queries]


def test_an_upload_gets_the_image_body_limit(market, listing, settings):
    from portal.request_limits import request_body_limit

    request = market.post(_images(listing), {"images": [png()]}).wsgi_request
    limit, what = request_body_limit(request)
    assert limit == settings.REQUEST_MAX_UPLOAD_BYTES["image"]
    assert what == "an API operation that takes images accepts"


def test_a_body_above_the_image_limit_is_413_before_anything_is_read(market, listing, settings):
    settings.REQUEST_MAX_UPLOAD_BYTES = {**settings.REQUEST_MAX_UPLOAD_BYTES, "image": 2 * 1024 * 1024}
    settings.REQUEST_MAX_BODY_BYTES = 64 * 1024
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 3 * 1024 * 1024, content_type="image/png")
    body = _problem(market.post(_images(listing), {"images": [big]}), 413, "request_too_large")
    assert "more than the 2 MB an API operation that takes images accepts" in body["detail"]
    assert not ListingImage.objects.exists() and not list(Path(settings.MEDIA_ROOT).rglob("*.png"))
