"""What a brand tells screening over the API: extra keywords of its assets, reported sellers, counterfeit
pictures. The services are the page's (tests/screening/test_intel_*.py); here: the answers, the refusals pointed at their fields, and
nothing written by a refusal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import OrganisationKind
from portal.public_ids import encode
from screening.intel.models import ExtraKeyword, ReportedSeller
from screening.models import CounterfeitImage
from screening.snapshot_build import snapshot_data
from tests import factories
from tests.screening.imaging import encoded, product_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(
        rights_holder=brand_a, name="NORTHWIND", keywords=["northwind"], categories=["Shoes"]
    )


def url(asset, keyword=None):
    base = f"/api/v1/assets/{encode('ast', asset.public_id)}/keywords/"
    return base if keyword is None else f"{base}{encode('kwd', keyword.public_id)}/"


def pointers(response):
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


def test_the_brand_adds_lists_and_removes_keywords_that_reach_the_snapshot(brand_a, asset, key_client):
    client = key_client(brand_a.organisation)
    response = client.post(url(asset), {"keywords": ["Nortwind", "North Wind Pro"]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["asset"] == encode("ast", asset.public_id) and body["registered"] == ["northwind"]
    assert [k["text"] for k in body["extra"]] == ["North Wind Pro", "Nortwind"]
    [brand] = snapshot_data().data["brands"]
    assert brand["keywords"] == ["northwind", "North Wind Pro", "Nortwind"]

    assert client.get(url(asset)).json() == body
    keyword = ExtraKeyword.objects.get(text="Nortwind")
    assert client.delete(url(asset, keyword)).status_code == 204
    assert client.delete(url(asset, keyword)).status_code == 404
    assert [k["text"] for k in client.get(url(asset)).json()["extra"]] == ["North Wind Pro"]


def test_bad_keywords_are_pointed_at_by_index_and_nothing_is_added(brand_a, asset, key_client):
    client = key_client(brand_a.organisation)
    response = client.post(url(asset), {"keywords": ["Hyperion", "NW", "NORTHWIND"]}, format="json")
    assert response.status_code == 400
    assert pointers(response) == [("/keywords/1", "keywords_refused"), ("/keywords/2", "keywords_refused")]
    assert "already a registered keyword" in response.json()["errors"][1]["detail"]
    assert not ExtraKeyword.objects.exists()
    assert client.post(url(asset), {"keywords": []}, format="json").status_code == 400
    assert client.post(url(asset), ["Hyperion"], format="json").status_code == 400


def test_an_ordinary_word_on_an_asset_without_categories_needs_confirming(brand_a, key_client):
    asset = factories.IPAssetFactory(rights_holder=brand_a, categories=[])
    client = key_client(brand_a.organisation)
    response = client.post(url(asset), {"keywords": ["harbor"]}, format="json")
    assert response.status_code == 400
    assert pointers(response) == [("/keywords/0", "ordinary_word_without_category")]
    assert not ExtraKeyword.objects.exists()
    confirmed = client.post(url(asset), {"keywords": ["harbor"], "confirm_ordinary_words": True}, format="json")
    assert confirmed.status_code == 201


def test_another_brands_asset_is_404_and_the_agent_with_a_letter_may_add(brand_a, brand_b, asset, key_client):
    assert key_client(brand_b.organisation).get(url(asset)).status_code == 404
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT)
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    assert key_client(agent).post(url(asset), {"keywords": ["Hyperion"]}, format="json").status_code == 201


def test_the_brand_reports_a_seller_shown_only_by_its_last_characters(brand_a, key_client):
    client = key_client(brand_a.organisation)
    response = client.post(
        "/api/v1/reported-sellers/", {"phone": "+86 571 8888 0042", "payout": "CN62 1111 2222 3333"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["rights_holder"] == encode("rhd", brand_a.public_id)
    assert sorted((i["kind"], i["last4"]) for i in body["identifiers"]) == [("payout", "3333"), ("phone", "0042")]
    assert "8888" not in response.content.decode()
    assert client.get("/api/v1/reported-sellers/").json() == [body]

    again = client.post("/api/v1/reported-sellers/", {"phone": "+86-571-8888-0042"}, format="json")
    assert again.status_code == 400 and pointers(again) == [("/phone", "already_reported")]
    assert client.delete(f"/api/v1/reported-sellers/{body['id']}/").status_code == 204
    assert not ReportedSeller.objects.exists()


def test_a_bad_or_missing_identifier_is_refused_and_nothing_is_reported(brand_a, key_client):
    client = key_client(brand_a.organisation)
    bad = client.post("/api/v1/reported-sellers/", {"phone": "call me"}, format="json")
    assert bad.status_code == 400 and pointers(bad) == [("/phone", "seller_report_refused")]
    none = client.post("/api/v1/reported-sellers/", {}, format="json")
    assert none.status_code == 400 and "Give at least one identifier" in none.content.decode()
    assert not ReportedSeller.objects.exists()


def test_an_agent_names_the_brand_and_nobody_reports_for_a_brand_they_do_not_act_for(brand_a, brand_b, key_client):
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT)
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    client = key_client(agent)
    unnamed = client.post("/api/v1/reported-sellers/", {"phone": "+86 571 8888 0042"}, format="json")
    assert unnamed.status_code == 400 and pointers(unnamed) == [("/rights_holder", "required")]
    named = {"rights_holder": encode("rhd", brand_a.public_id), "phone": "+86 571 8888 0042"}
    assert client.post("/api/v1/reported-sellers/", named, format="json").status_code == 201
    other = {"rights_holder": encode("rhd", brand_a.public_id), "phone": "+86 571 8888 0043"}
    refused = key_client(brand_b.organisation).post("/api/v1/reported-sellers/", other, format="json")
    assert refused.status_code == 400 and pointers(refused) == [("/rights_holder", "not_found")]
    assert key_client(brand_b.organisation).get("/api/v1/reported-sellers/").json() == []
    assert ReportedSeller.objects.count() == 1


def test_the_brand_uploads_lists_and_removes_counterfeit_pictures(brand_a, asset, key_client):
    client = key_client(brand_a.organisation)
    picture = SimpleUploadedFile("fake.png", encoded(product_image(3)), content_type="image/png")
    response = client.post(
        "/api/v1/counterfeit-images/",
        {"asset": encode("ast", asset.public_id), "images": [picture]},
        format="multipart",
    )
    assert response.status_code == 201
    [shown] = response.json()
    assert shown["asset"] == encode("ast", asset.public_id) and shown["original_name"] == "fake.png"
    [brand] = snapshot_data().data["brands"]
    assert len(brand["counterfeit_images"]) == 1
    assert client.get("/api/v1/counterfeit-images/").json() == [shown]
    assert client.delete(f"/api/v1/counterfeit-images/{shown['id']}/").status_code == 204
    assert not CounterfeitImage.objects.exists()


def test_a_bad_file_is_pointed_at_and_nothing_is_uploaded(brand_a, key_client):
    client = key_client(brand_a.organisation)
    good = SimpleUploadedFile("fake.png", encoded(product_image(3)), content_type="image/png")
    bad = SimpleUploadedFile("notes.txt", b"not a picture", content_type="image/png")
    response = client.post("/api/v1/counterfeit-images/", {"images": [good, bad]}, format="multipart")
    assert response.status_code == 400 and pointers(response) == [("/images/1", "counterfeit_images_rejected")]
    assert "notes.txt" in response.json()["errors"][0]["detail"]
    assert not CounterfeitImage.objects.exists()
    other = factories.IPAssetFactory(rights_holder=factories.RightsHolderFactory())
    good.seek(0)
    foreign = client.post(
        "/api/v1/counterfeit-images/", {"asset": encode("ast", other.public_id), "images": [good]}, format="multipart"
    )
    assert foreign.status_code == 400 and pointers(foreign) == [("/asset", "not_found")]
    assert not CounterfeitImage.objects.exists()
