"""Known counterfeit pictures a brand uploads: through the upload validator, all or none, audited, in the
snapshot screening compares listing images with, removable (the file goes after the commit)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from portal.errors import InvalidInput
from portal.models import AuditLogEntry
from rights_holders.models import VerificationStatus
from screening.intel.counterfeits import (
    CounterfeitImagesRejected,
    counterfeit_image_remove,
    counterfeit_images_upload,
)
from screening.models import CounterfeitImage, CounterfeitSource, ScreeningOutcome, ScreeningResult, ScreeningTrigger
from screening.pipeline import listings_screen
from screening.snapshot_build import snapshot_data, snapshot_version_current
from tests import factories
from tests.screening.imaging import encoded, product_image, recompressed, resized
from tests.screening.pipeline_world import image_add, listing_made

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(
        rights_holder=brand_a, name="NORTHWIND", keywords=["northwind"], categories=["Shoes"]
    )


def picture(seed=3, name="fake.png"):
    return SimpleUploadedFile(name, encoded(product_image(seed)), content_type="image/png")


def stored_files():
    try:
        return default_storage.listdir("counterfeit")[1]
    except FileNotFoundError:
        return []


def counterfeits_of(asset):
    [brand] = [b for b in snapshot_data().data["brands"] if b["id"] == asset.pk]
    return brand["counterfeit_images"]


def test_an_upload_is_stored_audited_and_reaches_the_snapshot(brand_a, owner_a, asset):
    before = snapshot_version_current()
    [row] = counterfeit_images_upload(rights_holder_id=brand_a.pk, asset_id=asset.pk, files=[picture()], actor=owner_a)
    assert row.source == CounterfeitSource.HOLDER_UPLOAD and row.asset_id == asset.pk and row.uploaded_by == owner_a
    assert row.image_name == row.file.name and row.file.name.startswith("counterfeit/")
    assert row.original_name == "fake.png" and row.content_type == "image/png"
    assert len(row.content_hash) == 64
    assert counterfeits_of(asset) == [row.image_name]
    assert snapshot_version_current() == before + 1
    entry = AuditLogEntry.objects.get(action="screening.counterfeit_images.uploaded")
    assert entry.data["asset"] == asset.pk and entry.data["images"][0]["id"] == row.pk


def test_a_listing_showing_a_copy_of_an_uploaded_picture_is_flagged(brand_a, owner_a, asset):
    store = factories.StoreFactory()
    listing = listing_made(store, "C1", "Running shoes, all sizes", price="35.00")
    image_add(listing, encoded(recompressed(resized(product_image(3), 0.8))))
    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)
    assert ScreeningResult.objects.get(listing=listing).outcome == ScreeningOutcome.CLEAR

    counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[picture(3)], actor=owner_a)  # all its brands
    listings_screen([listing.pk], trigger=ScreeningTrigger.RESCREEN)

    latest = ScreeningResult.objects.filter(listing=listing).first()
    assert latest.outcome != ScreeningOutcome.CLEAR and latest.asset_id == asset.pk
    assert any(s["kind"] == "image" for s in latest.signals)


def test_one_bad_file_refuses_the_whole_upload_naming_it_and_stores_nothing(brand_a, owner_a, asset):
    before = snapshot_version_current()
    bad = SimpleUploadedFile("notes.txt", b"not a picture at all", content_type="image/png")
    with pytest.raises(CounterfeitImagesRejected) as refused:
        counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[picture(), bad], actor=owner_a)
    message = str(refused.value)
    # The validator's reason names the file already: once, not "notes.txt: notes.txt is not ...".
    assert message.startswith("Nothing was uploaded. notes.txt is not a JPEG, PNG or WebP image")
    assert message.count("notes.txt") == 1 and "fake.png" not in message
    assert not CounterfeitImage.objects.exists() and stored_files() == []
    assert not AuditLogEntry.objects.filter(action__startswith="screening.counterfeit").exists()
    assert snapshot_version_current() == before


def test_the_same_picture_twice_or_again_later_is_refused(brand_a, owner_a, asset):
    with pytest.raises(CounterfeitImagesRejected, match="fake.png: the same picture is chosen twice"):
        counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[picture(5), picture(5)], actor=owner_a)
    [first] = counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[picture(5)], actor=owner_a)
    with pytest.raises(
        CounterfeitImagesRejected, match=f"your brand uploaded this picture on {first.created_at:%Y-%m-%d}"
    ):
        counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[picture(6, "b.png"), picture(5)], actor=owner_a)
    assert CounterfeitImage.objects.count() == 1 and len(stored_files()) == 1


def test_an_asset_of_another_brand_or_not_verified_is_refused(brand_a, owner_a, brand_b):
    other = factories.IPAssetFactory(rights_holder=brand_b)
    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    for asset in (other, pending):
        with pytest.raises(InvalidInput, match="Choose one of your brand's verified assets"):
            counterfeit_images_upload(rights_holder_id=brand_a.pk, asset_id=asset.pk, files=[picture()], actor=owner_a)
    assert not CounterfeitImage.objects.exists() and stored_files() == []


def test_nothing_chosen_or_someone_else_is_refused(brand_a, owner_a, user_b):
    with pytest.raises(InvalidInput, match="Choose at least one picture"):
        counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[], actor=owner_a)
    with pytest.raises(PermissionDenied):
        counterfeit_images_upload(rights_holder_id=brand_a.pk, files=[picture()], actor=user_b)
    assert not CounterfeitImage.objects.exists()


def test_a_removed_picture_leaves_the_snapshot_and_its_file_goes_after_the_commit(brand_a, owner_a, asset, user_b):
    [row] = counterfeit_images_upload(rights_holder_id=brand_a.pk, asset_id=asset.pk, files=[picture()], actor=owner_a)
    with pytest.raises(PermissionDenied):
        counterfeit_image_remove(image_id=row.pk, actor=user_b)
    before = snapshot_version_current()
    with TestCase.captureOnCommitCallbacks(execute=True):
        counterfeit_image_remove(image_id=row.pk, actor=owner_a)
    assert counterfeits_of(asset) == [] and stored_files() == []
    assert snapshot_version_current() == before + 1
    assert AuditLogEntry.objects.get(action="screening.counterfeit_image.removed").data["id"] == row.pk
