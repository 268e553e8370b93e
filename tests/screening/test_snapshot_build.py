"""The snapshot built from the database, its version moved by every write path of what it reads, and the
worker's compiled screener rebuilt only when the version moves."""

import datetime
import decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from rights_holders.models import AuthorisedStore, ReferenceImage, VerificationStatus
from rights_holders.services import ip_asset_register
from rights_holders.verification import ip_asset_reject, ip_asset_verify, ip_assets_expire
from screening import snapshot_build
from screening.models import BrandScreeningSettings, CounterfeitImage, CounterfeitSource
from screening.snapshot_build import screener_current, snapshot_data, snapshot_version_current
from tests import factories
from tests.portal.test_admin_audit import add_url, admin_client, change_url, form_data, saved  # noqa: F401
from tests.screening.imaging import encoded, product_image
from tests.screening.pipeline_world import brand_with_asset

pytestmark = pytest.mark.django_db


def reference_image(asset, seed=1, name="logo.png"):
    image = ReferenceImage(asset=asset, original_name=name, content_type="image/png")
    image.image.save(name, ContentFile(encoded(product_image(seed)), name=name), save=False)
    image.save()
    return image


# --- The snapshot's data --------------------------------------------------------------------------


def test_the_snapshot_holds_every_usable_asset_with_what_screening_reads(settings):
    settings.LISTING_BANNED_CATEGORIES = ["Airbag components"]
    holder, asset = brand_with_asset(keywords=["northwind", "北风"], categories=["Shoes", "Bags"])
    image = reference_image(asset)
    store, old_store = factories.StoreFactory(), factories.StoreFactory()
    AuthorisedStore.objects.create(rights_holder=holder, store=store)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    AuthorisedStore.objects.create(rights_holder=holder, store=old_store, valid_until=yesterday)
    BrandScreeningSettings.objects.create(rights_holder=holder, alert_threshold=decimal.Decimal("0.6"))
    factories.IPAssetFactory(verification_status=VerificationStatus.PENDING)
    factories.IPAssetFactory(expires_on=yesterday)

    built = snapshot_data()

    [brand] = built.data["brands"]
    assert brand == {
        "id": asset.pk,
        "name": "NORTHWIND",
        "keywords": ["northwind", "北风"],
        "categories": ["Shoes", "Bags"],
        "reference_price": "120.00",
        "currency": "EUR",
        "reference_images": [image.image.name],
        "counterfeit_images": [],
        "authorised_stores": [str(store.pk)],  # the authorisation that ended yesterday is out
        "proactive_notices": False,
        "thresholds": {"notice": 0.9, "alert": 0.6},
    }
    assert built.data["banned_categories"] == ["Airbag components"]
    assert built.asset_holders == {asset.pk: holder.pk}
    assert built.reference_images == {image.image.name: image.pk}


def counterfeit_image(holder, *, asset=None, seed=7, name="fake.png"):
    stored = default_storage.save(f"counterfeit/{name}", ContentFile(encoded(product_image(seed))))
    return CounterfeitImage.objects.create(
        rights_holder=holder, asset=asset, source=CounterfeitSource.HOLDER_UPLOAD, file=stored, image_name=stored
    )


def test_known_counterfeit_images_join_their_brand_or_every_brand_of_the_holder():
    holder, shoes = brand_with_asset()
    bags = factories.IPAssetFactory(rights_holder=holder, name="NW BAGS", keywords=["nwbags"])
    other_holder, other = brand_with_asset(name="Harbor")
    of_shoes = counterfeit_image(holder, asset=shoes, seed=7, name="shoes.png")
    of_every_brand = counterfeit_image(holder, seed=8, name="any.png")
    counterfeit_image(other_holder, asset=other, seed=9, name="other.png")

    brands = {brand["id"]: brand for brand in snapshot_data().data["brands"]}

    assert brands[shoes.pk]["counterfeit_images"] == [of_shoes.image_name, of_every_brand.image_name]
    assert brands[bags.pk]["counterfeit_images"] == [of_every_brand.image_name]
    assert brands[other.pk]["counterfeit_images"] == ["counterfeit/other.png"]


def test_a_counterfeit_image_whose_file_is_gone_is_left_out_not_the_snapshot():
    holder, asset = brand_with_asset()
    kept = counterfeit_image(holder, asset=asset, seed=7, name="kept.png")
    gone = counterfeit_image(holder, asset=asset, seed=8, name="gone.png")
    default_storage.delete(gone.image_name)  # e.g. the merchant removed the listing's picture since

    [brand] = screener_current().screener.snapshot.brands

    assert [image.path for image in brand.counterfeit_images] == [kept.image_name]


def test_a_reference_price_in_a_currency_screening_cannot_convert_is_left_out():
    _, asset = brand_with_asset()
    asset.reference_currency = "GBP"
    asset.save()
    [brand] = snapshot_data().data["brands"]
    assert (brand["reference_price"], brand["currency"]) == (None, None)


def test_the_snapshot_costs_five_queries_whatever_the_number_of_assets(django_assert_num_queries):
    for n in range(3):
        holder, asset = brand_with_asset(name=f"Brand{n}")
        reference_image(asset, seed=n, name=f"logo{n}.png")
        AuthorisedStore.objects.create(rights_holder=holder, store=factories.StoreFactory())
        BrandScreeningSettings.objects.create(rights_holder=holder, notice_threshold=decimal.Decimal("0.95"))
        counterfeit_image(holder, asset=asset, seed=n + 10, name=f"fake{n}.png")
    with django_assert_num_queries(5):
        assert len(snapshot_data().data["brands"]) == 3


def test_an_unreadable_reference_image_is_left_out_not_the_snapshot():
    _, asset = brand_with_asset()
    good = reference_image(asset, seed=1, name="good.png")
    bad = reference_image(asset, seed=2, name="bad.png")
    default_storage.delete(bad.image.name)  # the stored file damaged since
    assert default_storage.save(bad.image.name, ContentFile(b"not an image")) == bad.image.name

    compiled = screener_current()

    [brand] = compiled.screener.snapshot.brands
    assert [image.path for image in brand.reference_images] == [good.image.name]


# --- The compiled screener ------------------------------------------------------------------------


def test_the_worker_rebuilds_only_when_the_version_moves(django_assert_num_queries):
    brand_with_asset()
    first = screener_current()
    with django_assert_num_queries(1):  # the version, by primary key
        assert screener_current() is first
    snapshot_build.snapshot_version_bump()
    rebuilt = screener_current()
    assert rebuilt is not first and rebuilt.version == first.version + 1


# --- Every write path of what the snapshot reads moves its version ---------------------------------


@pytest.fixture
def reviewer():
    from django.contrib.auth.models import Group

    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def moved(action):
    before = snapshot_version_current()
    action()
    return snapshot_version_current() - before


def test_verifying_rejecting_and_expiring_an_asset_move_the_version(reviewer):
    pending = factories.IPAssetFactory(verification_status=VerificationStatus.PENDING)
    assert moved(lambda: ip_asset_verify(asset_id=pending.pk, actor=reviewer)) == 1
    assert moved(lambda: ip_asset_reject(asset_id=pending.pk, actor=reviewer, reason="Wrong holder")) == 1
    expiring = factories.IPAssetFactory(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert moved(ip_assets_expire) == 1
    expiring.refresh_from_db()
    assert expiring.verification_status == VerificationStatus.EXPIRED


def test_registering_a_pending_asset_does_not_move_the_version(brand_a, owner_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.rights_holders.test_services import PDF

    proof = SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")
    fields = {"kind": "trademark", "name": "ACME", "keywords": ["acme"]}
    # Screening reads verified assets only: a pending one changes nothing it sees.
    assert moved(lambda: ip_asset_register(rights_holder=brand_a, fields=fields, proof_file=proof, actor=owner_a)) == 0


def test_changing_an_asset_or_its_reference_images_in_the_admin_moves_the_version(admin_client):  # noqa: F811
    _, asset = brand_with_asset()
    data = form_data(admin_client.get(change_url(asset)))
    data["keywords"] = '["northwind", "n0rthwind"]'
    assert moved(lambda: saved(admin_client.post(change_url(asset), data))) == 1


def test_an_authorised_store_added_changed_and_deleted_in_the_admin_moves_the_version(admin_client):  # noqa: F811
    holder, _ = brand_with_asset()
    store = factories.StoreFactory()
    add = {"rights_holder": holder.pk, "store": store.pk, "kind": "reseller"}
    assert moved(lambda: saved(admin_client.post(add_url(AuthorisedStore), add))) == 1
    authorised = AuthorisedStore.objects.get()
    data = form_data(admin_client.get(change_url(authorised)))
    data["valid_until"] = str(timezone.localdate() + datetime.timedelta(days=30))
    assert moved(lambda: saved(admin_client.post(change_url(authorised), data))) == 1
    delete = reverse("admin:rights_holders_authorisedstore_delete", args=[authorised.pk])
    assert moved(lambda: admin_client.post(delete, {"post": "yes"})) == 1
    assert not AuthorisedStore.objects.exists()


def test_a_brands_thresholds_set_in_the_admin_move_the_version(admin_client):  # noqa: F811
    holder, _ = brand_with_asset()
    add = {"rights_holder": holder.pk, "notice_threshold": "0.95", "alert_threshold": "0.7"}
    assert moved(lambda: saved(admin_client.post(add_url(BrandScreeningSettings), add))) == 1


def test_a_brands_alert_threshold_above_its_notice_threshold_is_refused_in_the_admin(admin_client):  # noqa: F811
    holder, _ = brand_with_asset()
    add = {"rights_holder": holder.pk, "notice_threshold": "0.6", "alert_threshold": "0.7"}
    response = admin_client.post(add_url(BrandScreeningSettings), add)
    assert response.status_code == 200
    assert "must be below the notice threshold" in str(response.context["adminform"].form.errors)
    assert not BrandScreeningSettings.objects.exists()


def test_a_brand_opting_in_or_out_moves_the_version(brand_a, owner_a):
    from rights_holders.services import rights_holder_proactive_enforcement_set

    assert (
        moved(lambda: rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=True, actor=owner_a)) == 1
    )
    assert (
        moved(lambda: rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=True, actor=owner_a)) == 0
    )
    assert (
        moved(lambda: rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=False, actor=owner_a)) == 1
    )
