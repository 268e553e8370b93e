"""Every image of a listing upheld as counterfeit joins the known counterfeits (and the snapshot), by every
path that upholds an item; a reversed decision takes them out again."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from screening.models import CounterfeitImage, CounterfeitSource, RescreenJob, RescreenStatus
from screening.snapshot_build import snapshot_data, snapshot_version_current
from takedowns import appeals, lifecycle
from takedowns.models import ItemStatus
from takedowns.sweep import deadlines_sweep
from tests.screening.imaging import encoded, product_image
from tests.screening.pipeline_world import image_add
from tests.services import needs_postgres
from tests.takedowns.conftest import (  # noqa: F401
    asset_a,
    draft,
    file_notice,
    listing,
    merchant_org,
    merchant_user,
    senior_reviewer,
    store,
)

pytestmark = pytest.mark.django_db


def accepted(owner, holder, listing, asset, reviewer, **kwargs):  # noqa: F811
    (item,) = file_notice(owner, holder, [draft(listing, asset, **kwargs)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    return item


@pytest.fixture
def pictures(listing):  # noqa: F811
    return [image_add(listing, encoded(product_image(seed)), position=seed, name=f"p{seed}.png") for seed in (1, 2)]


def uphold_by_default(item):
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        lifecycle.notice_item_uphold_by_default(item_id=item.pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.UPHELD


def test_a_counterfeit_upheld_by_default_adds_every_picture_of_its_listing(
    owner_a,
    brand_a,
    asset_a,  # noqa: F811
    listing,  # noqa: F811
    reviewer,
    pictures,
):
    item = accepted(owner_a, brand_a, listing, asset_a, reviewer)
    version = snapshot_version_current()

    uphold_by_default(item)

    rows = list(CounterfeitImage.objects.order_by("listing_image__position"))
    assert [(r.source, r.item_id, r.rights_holder_id, r.asset_id) for r in rows] == [
        (CounterfeitSource.UPHELD_ITEM, item.pk, brand_a.pk, asset_a.pk)
    ] * 2
    assert [(r.listing_image_id, r.image_name) for r in rows] == [(p.pk, p.image.name) for p in pictures]
    # The snapshot moved on and carries them; the brand's listings are queued for re-screening.
    assert snapshot_version_current() == version + 1
    [brand] = [b for b in snapshot_data().data["brands"] if b["id"] == asset_a.pk]
    assert brand["counterfeit_images"] == [p.image.name for p in pictures]
    job = RescreenJob.objects.get(rights_holder=brand_a, status=RescreenStatus.QUEUED)
    assert job.reason == "Pictures of a listing upheld as counterfeit added"


def test_an_item_upheld_for_another_infringement_adds_nothing(
    owner_a,
    brand_a,
    asset_a,  # noqa: F811
    listing,  # noqa: F811
    reviewer,
    pictures,
):
    item = accepted(owner_a, brand_a, listing, asset_a, reviewer, infringement_type="copyright")
    version = snapshot_version_current()
    uphold_by_default(item)
    assert not CounterfeitImage.objects.exists()
    assert snapshot_version_current() == version


def test_a_decision_reversed_on_appeal_takes_its_pictures_out(
    owner_a,
    brand_a,
    asset_a,  # noqa: F811
    listing,  # noqa: F811
    reviewer,
    pictures,
    merchant_user,  # noqa: F811
    senior_reviewer,  # noqa: F811
):
    item = accepted(owner_a, brand_a, listing, asset_a, reviewer)
    uphold_by_default(item)
    holder_upload = CounterfeitImage.objects.create(
        rights_holder=brand_a, source=CounterfeitSource.HOLDER_UPLOAD, image_name=pictures[0].image.name
    )
    version = snapshot_version_current()

    appeal = appeals.appeal_file(item_id=item.pk, actor=merchant_user, statement="Genuine stock, invoice attached.")
    appeals.appeal_decide(appeal_id=appeal.pk, actor=senior_reviewer, reverse=True, reason="Invoice checks out.")

    item.refresh_from_db()
    assert item.status == ItemStatus.DISMISSED
    # The holder's own upload stays; the decision's pictures leave.
    assert list(CounterfeitImage.objects.all()) == [holder_upload]
    assert snapshot_version_current() == version + 1
    job = RescreenJob.objects.get(rights_holder=brand_a, status=RescreenStatus.QUEUED)
    assert job.reason == "Pictures of a counterfeit listing removed: the decision was reversed"


def test_the_set_based_sweep_adds_the_pictures_of_every_counterfeit_it_upholds(
    owner_a,
    brand_a,
    asset_a,  # noqa: F811
    listing,  # noqa: F811
    reviewer,
    pictures,
    store,  # noqa: F811
):
    needs_postgres()
    from tests import factories

    other = factories.ListingFactory(store=store, title="ACME runners")
    other_picture = image_add(other, encoded(product_image(9)), name="o.png")
    first = accepted(owner_a, brand_a, listing, asset_a, reviewer)
    second = accepted(owner_a, brand_a, other, asset_a, reviewer)
    not_counterfeit = accepted(
        owner_a, brand_a, factories.ListingFactory(store=store), asset_a, reviewer, infringement_type="design"
    )

    deadlines_sweep(now=timezone.now() + timedelta(hours=73))

    for item in (first, second, not_counterfeit):
        item.refresh_from_db()
        assert item.status == ItemStatus.UPHELD
    assert sorted(CounterfeitImage.objects.values_list("item_id", "listing_image_id")) == sorted(
        [(first.pk, p.pk) for p in pictures] + [(second.pk, other_picture.pk)]
    )
