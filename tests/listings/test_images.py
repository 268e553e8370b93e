"""listings.images: a listing's pictures added and removed by one service, and the admin's inline under its rules."""

import hashlib
import io
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from listings import announcements
from listings import images as listing_images
from listings.images import ListingImagesRejected, listing_image_remove, listing_images_add
from listings.models import ListingImage, ListingStatus
from portal.errors import InvalidInput, TransitionError
from portal.models import AuditLogEntry
from portal.uploads import upload_budget
from tests import factories
from tests.portal.test_admin_audit import change_url, form_data, saved
from tests.services import needs_postgres


def png_bytes(size=(40, 30), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png(name="photo.png", size=(40, 30), colour=(200, 30, 30)):
    return SimpleUploadedFile(name, png_bytes(size, colour), content_type="image/png")


def stored_files(media):
    return sorted(p.name for p in Path(media).rglob("*") if p.is_file())


@pytest.fixture
def listing(db):
    return factories.ListingFactory(external_id="MKT-1")


@pytest.fixture
def actor(db):
    return factories.UserFactory()


def test_images_are_stored_validated_under_a_server_name_in_the_order_sent(listing, actor, _private_media):
    before = listing.updated_at
    rows = listing_images_add(
        listing=listing, files=[png("front.png", (40, 30)), png("back\u202egnp.exe", (20, 10))], actor=actor
    )
    assert [(r.position, r.width, r.height) for r in rows] == [(1, 40, 30), (2, 20, 10)]
    for row in ListingImage.objects.filter(listing=listing):
        data = row.image.read()
        assert row.content_hash == hashlib.sha256(data).hexdigest() and row.size == len(data)
        assert row.content_type == "image/png" and row.image.name.startswith("listing-images/")
        assert "front" not in row.image.name and "back" not in row.image.name and row.image.name.endswith(".png")
    listing.refresh_from_db()
    assert listing.updated_at > before  # the version screening reads moved
    entry = AuditLogEntry.objects.get(action="listings.listing.images_added")
    assert entry.object_id == str(listing.pk) and entry.actor == actor
    assert entry.organisation_id == listing.store.merchant.organisation_id
    assert [i["position"] for i in entry.data["images"]] == [1, 2]
    assert entry.data["images"][0]["original_name"] == "front.png"


def test_new_images_go_after_the_others_and_a_removal_leaves_the_others_positions(listing, actor):
    first, second = listing_images_add(listing=listing, files=[png(), png()], actor=actor)
    listing_image_remove(image=first, actor=actor)
    (third,) = listing_images_add(listing=listing, files=[png()], actor=actor)
    assert list(ListingImage.objects.filter(listing=listing).values_list("position", flat=True)) == [2, 3]
    assert third.position == 3


def test_the_same_picture_has_the_same_content_hash(listing, actor):
    a, b = listing_images_add(listing=listing, files=[png(colour=(1, 2, 3)), png(colour=(1, 2, 3))], actor=actor)
    (c,) = listing_images_add(listing=listing, files=[png(colour=(9, 9, 9))], actor=actor)
    assert a.content_hash == b.content_hash != c.content_hash


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "is an SVG image"),
        (b"PK\x03\x04" + b"\x00" * 40, "is not a JPEG, PNG or WebP image (it looks like a ZIP archive)"),
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "could not be read as a PNG image"),
    ],
)
def test_a_refused_file_names_itself_and_nothing_is_written(listing, actor, _private_media, content, says):
    files = [png("good.png"), SimpleUploadedFile("bad.png", content, content_type="image/png")]
    with pytest.raises(ListingImagesRejected) as refused:
        listing_images_add(listing=listing, files=files, actor=actor)
    assert list(refused.value.rejections) == [1]
    assert f"bad.png {says}" in str(refused.value.rejections[1])
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []
    assert not AuditLogEntry.objects.filter(action__startswith="listings.listing.image").exists()


def test_a_file_too_large_or_too_many_pixels_is_refused(listing, actor, settings, _private_media):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "image": 1024 * 1024}
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 1024 * 1024, content_type="image/png")
    with pytest.raises(ListingImagesRejected) as refused:
        listing_images_add(listing=listing, files=[big], actor=actor)
    assert (
        str(refused.value.rejections[0]) == "big.png is larger than the 1 MB limit for images. Upload a smaller file."
    )
    settings.UPLOAD_MAX_IMAGE_PIXELS = 10_000
    with pytest.raises(ListingImagesRejected) as refused:
        listing_images_add(listing=listing, files=[png("wide.png", (200, 100))], actor=actor)
    assert "is too large in pixels (200 x 100)" in str(refused.value.rejections[0])
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


def test_the_requests_pixel_budget_counts_every_image(listing, actor, _private_media):
    with upload_budget(max_pixels=1500), pytest.raises(ListingImagesRejected) as refused:
        listing_images_add(listing=listing, files=[png("a.png", (30, 30)), png("b.png", (30, 30))], actor=actor)
    assert "takes the images sent together past 1,500 pixels" in str(refused.value.rejections[1])
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


def test_a_listing_keeps_at_most_the_limit(listing, actor, settings, _private_media):
    settings.LISTING_MAX_IMAGES = 3
    listing_images_add(listing=listing, files=[png(), png()], actor=actor)
    with pytest.raises(TransitionError) as refused:
        listing_images_add(listing=listing, files=[png(), png()], actor=actor)
    assert refused.value.code == "too_many_images"
    assert str(refused.value) == (
        "Listing MKT-1 has 2 images and keeps at most 3: 1 more can be added, not 2. Remove some first, or send fewer."
    )
    with pytest.raises(InvalidInput) as refused:
        listing_images_add(listing=listing, files=[png()] * 4, actor=actor)
    assert refused.value.code == "too_many_images" and "at most 3 images; 4 were sent" in str(refused.value)
    assert ListingImage.objects.count() == 2 and len(stored_files(_private_media)) == 2
    listing_images_add(listing=listing, files=[png()], actor=actor)
    assert ListingImage.objects.count() == 3


def test_no_file_is_refused(listing, actor):
    with pytest.raises(InvalidInput, match="Send at least one image"):
        listing_images_add(listing=listing, files=[], actor=actor)


def test_a_removed_listings_images_stay_as_they_were(listing, actor, _private_media):
    (image,) = listing_images_add(listing=listing, files=[png()], actor=actor)
    listing.status = ListingStatus.REMOVED
    listing.save(update_fields=["status"])
    for attempt in (
        lambda: listing_images_add(listing=listing, files=[png()], actor=actor),
        lambda: listing_image_remove(image=image, actor=actor),
    ):
        with pytest.raises(TransitionError) as refused:
            attempt()
        assert refused.value.code == "listing_removed"
        assert "Listing MKT-1 was removed from the marketplace" in str(refused.value)
    assert ListingImage.objects.count() == 1 and len(stored_files(_private_media)) == 1


def test_a_removed_images_file_is_deleted_once_the_removal_commits(
    listing, actor, _private_media, django_capture_on_commit_callbacks
):
    image, kept = listing_images_add(listing=listing, files=[png(), png()], actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        listing_image_remove(image=image, actor=actor)
    assert list(ListingImage.objects.values_list("pk", flat=True)) == [kept.pk]
    assert stored_files(_private_media) == [Path(kept.image.name).name]
    entry = AuditLogEntry.objects.get(action="listings.listing.image_removed")
    assert entry.data["image"]["id"] == image.pk and entry.data["image"]["content_hash"] == image.content_hash
    with pytest.raises(ListingImage.DoesNotExist):
        listing_image_remove(image=image, actor=actor)


def test_a_failure_after_the_files_were_stored_leaves_no_file(listing, actor, _private_media, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(listing_images, "audit_log_record", broken)
    with pytest.raises(RuntimeError):
        listing_images_add(listing=listing, files=[png(), png()], actor=actor)
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


def test_each_change_is_announced_for_screening_after_the_commit_and_a_refusal_is_not(
    listing, actor, monkeypatch, django_capture_on_commit_callbacks
):
    announced = []
    monkeypatch.setattr(announcements, "listings_changed", lambda ids, trigger: announced.append((ids, trigger)))
    with django_capture_on_commit_callbacks(execute=True):
        (image,) = listing_images_add(listing=listing, files=[png()], actor=actor)
    assert announced == [([listing.pk], "changed")]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ListingImagesRejected):
        listing_images_add(listing=listing, files=[SimpleUploadedFile("x.png", b"nope")], actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        listing_image_remove(image=image, actor=actor)
    assert announced == [([listing.pk], "changed")] * 2


# --- The Django admin's inline ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _with_new_images(data, files):
    n = int(data["images-TOTAL_FORMS"])
    data["images-TOTAL_FORMS"] = str(n + len(files))
    for offset, file in enumerate(files):
        data[f"images-{n + offset}-image"] = file
        data[f"images-{n + offset}-position"] = str(n + offset + 1)
    return data


def test_an_image_added_in_the_admin_gets_its_content_hash(admin_client, listing):
    data = _with_new_images(form_data(admin_client.get(change_url(listing))), [png()])
    saved(admin_client.post(change_url(listing), data))
    image = ListingImage.objects.get(listing=listing)
    assert image.content_hash == hashlib.sha256(image.image.read()).hexdigest()
    assert image.image.name.startswith("listing-images/") and "photo" not in image.image.name


def test_the_admin_refuses_more_images_than_the_limit_with_the_reason(
    admin_client, listing, actor, settings, _private_media
):
    settings.LISTING_MAX_IMAGES = 2
    listing_images_add(listing=listing, files=[png()], actor=actor)
    data = _with_new_images(form_data(admin_client.get(change_url(listing))), [png(), png()])
    response = admin_client.post(change_url(listing), data)
    assert response.status_code == 200
    assert "has 1 image and keeps at most 2: 1 more can be added, not 2" in response.content.decode()
    assert ListingImage.objects.count() == 1 and len(stored_files(_private_media)) == 1


def test_the_admin_changes_no_image_of_a_removed_listing(admin_client, listing, _private_media):
    listing.status = ListingStatus.REMOVED
    listing.save(update_fields=["status"])
    data = _with_new_images(form_data(admin_client.get(change_url(listing))), [png()])
    response = admin_client.post(change_url(listing), data)
    assert response.status_code == 200
    assert "was removed from the marketplace; its images are kept as they were" in response.content.decode()
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


def test_the_admin_refuses_a_file_that_is_no_image(admin_client, listing, _private_media):
    bad = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    data = _with_new_images(form_data(admin_client.get(change_url(listing))), [bad])
    response = admin_client.post(change_url(listing), data)
    assert response.status_code == 200 and "is an HTML page" in response.content.decode()
    assert not ListingImage.objects.exists() and stored_files(_private_media) == []


# --- Concurrent senders (PostgreSQL) ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_take_a_listing_past_the_limit(settings):
    needs_postgres()
    settings.LISTING_MAX_IMAGES = 4
    listing = factories.ListingFactory()
    actor = factories.UserFactory()
    start = threading.Barrier(2)
    outcomes = []

    def send():
        try:
            start.wait(30)
            outcomes.append(len(listing_images_add(listing=listing, files=[png(), png(), png()], actor=actor)))
        except TransitionError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    assert sorted(outcomes, key=str) == [3, "too_many_images"]
    assert list(ListingImage.objects.filter(listing=listing).values_list("position", flat=True)) == [1, 2, 3]
