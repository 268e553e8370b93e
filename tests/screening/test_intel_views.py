"""The intelligence page: a brand's people add and remove keywords, counterfeit pictures and reported
sellers; refusals answer 400 with the page and what to do, nothing written; others get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import OrganisationKind
from screening.intel.models import ExtraKeyword, ReportedSeller
from screening.models import CounterfeitImage
from tests import factories
from tests.screening.imaging import encoded, product_image
from tests.screening.intel_world import counterfeit_uploaded, seller_reported

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="NORTHWIND", keywords=["northwind"], categories=[])


def url(name, *args):
    return reverse(f"screening_intel:{name}", args=args)


def _png(name, seed=4):
    return SimpleUploadedFile(name, encoded(product_image(seed)), content_type="image/png")


def test_the_page_shows_the_brands_assets_and_forms(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    response = client.get(url("holders"))
    assert response.status_code == 302 and response["Location"] == url("holder", brand_a.pk)
    body = client.get(url("holder", brand_a.pk)).content.decode()
    assert "Screening intelligence: Brand A" in body and "NORTHWIND" in body
    assert "Add keywords" in body and "Upload" in body and "Report seller" in body


def test_other_brands_and_merchants_get_404(client, brand_a, user_b, asset):
    merchant = factories.member_of(factories.OrganisationFactory(kind=OrganisationKind.MERCHANT))
    for user in (user_b, merchant):
        client.force_login(user)
        assert client.get(url("holder", brand_a.pk)).status_code == 404
        assert client.post(url("keywords-add", brand_a.pk), {"asset": asset.pk, "keywords": "x"}).status_code == 404
    assert client.get(url("holders")).status_code == 404
    client.logout()
    assert client.get(url("holder", brand_a.pk)).status_code == 302


def test_platform_staff_read_every_brands_intelligence_without_its_forms(client, reviewer, brand_a, brand_b, asset):
    """For audit, as they read every brand's screening page and precision; what a brand says stays its own."""
    keyword = ExtraKeyword.objects.create(asset=asset, text="Nortwind", plain="nortwind")
    report = seller_reported(brand_a)
    picture = counterfeit_uploaded(brand_a)
    client.force_login(reviewer)
    listing = client.get(url("holders")).content.decode()
    assert url("holder", brand_a.pk) in listing and url("holder", brand_b.pk) in listing

    response = client.get(url("holder", brand_a.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nortwind" in body and "fake.png" in body and "Phone ending" in body
    assert "You see it as platform staff" in body and reverse("screening:brand", args=[brand_a.pk]) in body
    assert "<form" not in body.split("<main", 1)[1], "no form to add or remove anything"

    posts = [
        (url("keywords-add", brand_a.pk), {"asset": asset.pk, "keywords": "Hyperion"}),
        (url("keyword-remove", brand_a.pk, keyword.pk), {}),
        (url("seller-add", brand_a.pk), {"phone": "+86 571 8888 0042"}),
        (url("seller-remove", brand_a.pk, report.pk), {}),
        (url("images-add", brand_a.pk), {"asset": "", "images": [_png("new.png")]}),
        (url("image-remove", brand_a.pk, picture.pk), {}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 403, address
    assert list(ExtraKeyword.objects.values_list("pk", flat=True)) == [keyword.pk]
    assert list(ReportedSeller.objects.values_list("pk", flat=True)) == [report.pk]
    assert list(CounterfeitImage.objects.values_list("pk", flat=True)) == [picture.pk]


def test_keywords_are_added_and_removed_from_the_page(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    response = client.post(url("keywords-add", brand_a.pk), {"asset": asset.pk, "keywords": "Nortwind, N0rthwind Pro"})
    assert response.status_code == 302
    assert sorted(ExtraKeyword.objects.values_list("text", flat=True)) == ["N0rthwind Pro", "Nortwind"]
    keyword = ExtraKeyword.objects.get(text="Nortwind")
    assert client.post(url("keyword-remove", brand_a.pk, keyword.pk)).status_code == 302
    assert not ExtraKeyword.objects.filter(pk=keyword.pk).exists()
    assert "Removed &quot;Nortwind&quot; from NORTHWIND." in client.get(url("holder", brand_a.pk)).content.decode()


def test_a_bad_keyword_answers_the_page_with_the_reason_and_adds_nothing(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    response = client.post(url("keywords-add", brand_a.pk), {"asset": asset.pk, "keywords": "Hyperion, NW"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was saved" in body and "&quot;NW&quot;: a keyword needs at least 3 letters or digits" in body
    assert not ExtraKeyword.objects.exists()


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ("", "Give at least one keyword."),
        (" , ,, ", "Give at least one keyword."),
        (",".join(f"model{n}" for n in range(51)), "Add at most 50 keywords at a time; 51 were given."),
        ("Nortwind, nortwind", '"nortwind": given twice'),
        ("northwind", '"northwind": already a registered keyword of NORTHWIND'),
        ("N" * 61, "Keep this text to 60 characters (it has 61)."),
    ],
)
def test_a_refused_keyword_list_is_said_on_the_keywords_field(client, owner_a, brand_a, asset, keywords, message):
    client.force_login(owner_a)
    response = client.post(url("keywords-add", brand_a.pk), {"asset": asset.pk, "keywords": keywords})
    assert response.status_code == 400
    errors = response.context["keywords_form"].errors
    assert list(errors) == ["keywords"] and any(message in line for line in errors["keywords"]), errors
    assert not ExtraKeyword.objects.exists()


def test_a_mistyped_store_id_is_refused_on_the_store_field(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(url("seller-add", brand_a.pk), {"store": "sto_notreal", "phone": "+86 571 8888 0042"})
    assert response.status_code == 400
    assert list(response.context["seller_form"].errors) == ["store"]
    assert not ReportedSeller.objects.exists()


def test_an_ordinary_word_is_added_only_once_confirmed(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    data = {"asset": asset.pk, "keywords": "harbor"}
    response = client.post(url("keywords-add", brand_a.pk), data)
    assert response.status_code == 400 and "confirm to add it anyway" in response.content.decode()
    assert not ExtraKeyword.objects.exists()
    assert client.post(url("keywords-add", brand_a.pk), {**data, "confirm_ordinary": "on"}).status_code == 302
    assert ExtraKeyword.objects.get().text == "harbor"


@pytest.mark.parametrize("own_asset", [True, False])
def test_an_asset_of_another_brand_is_not_a_choice(client, owner_a, brand_a, brand_b, own_asset):
    if own_asset:
        factories.IPAssetFactory(rights_holder=brand_a)
    other = factories.IPAssetFactory(rights_holder=brand_b)
    client.force_login(owner_a)
    response = client.post(url("keywords-add", brand_a.pk), {"asset": other.pk, "keywords": "Hyperion"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not ExtraKeyword.objects.exists()


def test_removing_another_brands_keyword_is_404(client, owner_a, brand_a, user_b, brand_b):
    theirs = factories.IPAssetFactory(rights_holder=brand_b)
    keyword = ExtraKeyword.objects.create(asset=theirs, text="Borealis", plain="borealis")
    client.force_login(owner_a)
    assert client.post(url("keyword-remove", brand_a.pk, keyword.pk)).status_code == 404
    assert client.post(url("keyword-remove", brand_b.pk, keyword.pk)).status_code == 404
    assert ExtraKeyword.objects.filter(pk=keyword.pk).exists()


def test_pictures_are_uploaded_and_a_bad_file_is_refused_by_name(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    good = SimpleUploadedFile("fake.png", encoded(product_image(4)), content_type="image/png")
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(url("images-add", brand_a.pk), {"asset": "", "images": [good, bad]})
    assert response.status_code == 400
    # On the pictures field, naming the file once (it once read "virus.exe: virus.exe is not ...").
    assert response.context["images_form"].errors == {
        "images": ["virus.exe is not a JPEG, PNG or WebP image (it looks like a Windows program)."]
    }
    assert not CounterfeitImage.objects.exists()
    assert "Files are not kept when a form comes back: choose the pictures again." in response.content.decode()

    good.seek(0)
    response = client.post(url("images-add", brand_a.pk), {"asset": str(asset.pk), "images": [good]})
    assert response.status_code == 302
    row = CounterfeitImage.objects.get()
    assert row.asset_id == asset.pk and "fake.png" in client.get(url("holder", brand_a.pk)).content.decode()
    assert client.post(url("image-remove", brand_a.pk, row.pk)).status_code == 302
    assert not CounterfeitImage.objects.exists()


def test_an_upload_with_no_file_says_so(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    response = client.post(url("images-add", brand_a.pk), {"asset": ""})
    assert response.status_code == 400 and "Choose at least one picture" in response.content.decode()


def test_a_seller_is_reported_shown_by_its_last_characters_and_removed(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(url("seller-add", brand_a.pk), {"phone": "+86 571 8888 0042", "store": "Cheap Kicks 88"})
    assert response.status_code == 302
    body = client.get(url("holder", brand_a.pk)).content.decode()
    assert "Phone ending <code>0042</code>" in body and "8888" not in body and "Cheap Kicks" not in body
    report = ReportedSeller.objects.get()
    assert client.post(url("seller-remove", brand_a.pk, report.pk)).status_code == 302
    assert not ReportedSeller.objects.exists()


def test_a_bad_seller_report_points_at_the_field(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(url("seller-add", brand_a.pk), {"phone": "call me", "store": ""})
    assert response.status_code == 400
    assert "a phone number is digits" in response.content.decode() and not ReportedSeller.objects.exists()
    response = client.post(url("seller-add", brand_a.pk), {})
    assert response.status_code == 400 and "Give at least one identifier" in response.content.decode()


def test_get_on_an_action_is_refused(client, owner_a, brand_a):
    client.force_login(owner_a)
    assert client.get(url("seller-add", brand_a.pk)).status_code == 405


def test_the_brands_screening_page_links_here_for_its_people_and_for_staff(client, owner_a, reviewer, brand_a):
    page = reverse("screening:brand", args=[brand_a.pk])
    client.force_login(owner_a)
    body = client.get(page).content.decode()
    assert url("holder", brand_a.pk) in body and f"/screening/report/#brand-{brand_a.pk}" in body
    assert "Tell screening more" in body
    client.force_login(reviewer)
    body = client.get(page).content.decode()
    assert url("holder", brand_a.pk) in body and f"/screening/report/#brand-{brand_a.pk}" in body
    assert "What the brand told screening" in body and "your verified IP" not in body


def test_too_many_pictures_at_once_is_a_413_that_does_not_offer_a_pdf(client, owner_a, brand_a, asset, settings):
    """The pictures page takes no PDF: "combine several into one PDF" (the document pages' advice) would be wrong."""
    client.force_login(owner_a)
    files = [_png(f"p{n}.png") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post(url("images-add", brand_a.pk), {"asset": "", "images": files})
    assert response.status_code == 413
    body = response.content.decode()
    assert "Send them in more than one step." in body and "PDF" not in body
    assert not CounterfeitImage.objects.exists()


def test_a_keyword_too_long_is_refused_in_the_readers_language(client, owner_a, brand_a, asset):
    client.force_login(owner_a)
    response = client.post(
        url("keywords-add", brand_a.pk), {"asset": asset.pk, "keywords": "N" * 61}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    errors = response.context["keywords_form"].errors["keywords"]
    assert any("此文本请控制在 60 个字符以内（当前为 61 个）" in line for line in errors), errors
    assert not any("Keep this text" in line for line in errors), errors
