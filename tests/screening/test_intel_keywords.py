"""Extra keywords a brand adds to its verified assets: validated, all or nothing, audited, removable, and
in the snapshot screening compiles (its version moved in the same transaction)."""

import pytest
from django.core.exceptions import PermissionDenied

from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import VerificationStatus
from screening.intel.keywords import (
    KeywordsRefused,
    OrdinaryWordsNeedConfirming,
    asset_keywords_add,
    extra_keyword_remove,
)
from screening.intel.models import ExtraKeyword
from screening.models import RescreenJob, ScreeningOutcome, ScreeningResult, ScreeningTrigger
from screening.pipeline import listings_screen
from screening.snapshot_build import snapshot_data, snapshot_version_current
from tests import factories
from tests.screening.pipeline_world import listing_made
from tests.screening.test_rescreen import run_to_end

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(
        rights_holder=brand_a, name="NORTHWIND", keywords=["northwind"], categories=["Shoes"]
    )


def keywords_of(asset):
    [brand] = [b for b in snapshot_data().data["brands"] if b["id"] == asset.pk]
    return brand["keywords"]


def nothing_written(before_version):
    assert ExtraKeyword.objects.count() == 0
    assert not AuditLogEntry.objects.filter(action__startswith="screening.keyword").exists()
    assert snapshot_version_current() == before_version


def test_added_keywords_reach_the_snapshot_and_move_its_version(asset, owner_a):
    before = snapshot_version_current()
    rows = asset_keywords_add(asset_id=asset.pk, texts=["Nortwind", " North  Wind Pro ", "北风"], actor=owner_a)

    assert [row.text for row in rows] == ["Nortwind", "North Wind Pro", "北风"]
    assert keywords_of(asset) == ["northwind", "North Wind Pro", "Nortwind", "北风"]  # registered, then added (by text)
    assert snapshot_version_current() == before + 1
    entry = AuditLogEntry.objects.get(action="screening.keywords.added")
    assert entry.actor == owner_a and entry.organisation_id == asset.rights_holder.organisation_id
    assert entry.data["keywords"] == ["Nortwind", "North Wind Pro", "北风"]


def test_a_listing_naming_only_an_added_keyword_is_found_by_the_next_screening(asset, owner_a):
    store = factories.StoreFactory()
    listing = listing_made(store, "K1", "Nortwind runners replica AAA quality", price="15.00")
    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)
    assert ScreeningResult.objects.get(listing=listing).outcome == ScreeningOutcome.CLEAR

    asset_keywords_add(asset_id=asset.pk, texts=["Nortwind"], actor=owner_a)
    listings_screen([listing.pk], trigger=ScreeningTrigger.RESCREEN)

    latest = ScreeningResult.objects.filter(listing=listing).first()
    assert latest.outcome == ScreeningOutcome.ALERT and latest.asset_id == asset.pk
    keyword = next(s for s in latest.signals if s["kind"] == "keyword")
    assert keyword["keyword"] == "Nortwind" and keyword["quote"] == "Nortwind"


@pytest.mark.parametrize(
    "texts, message",
    [
        (["NW"], "at least 3 letters or digits"),
        (["1234"], "needs letters"),
        (["$$$-!"], "needs letters"),
        (["北"], "at least 2 characters"),
        (["x" * 61], "Keep this text to 60 characters"),
        (["north\x00wind"], "control character"),
        (["NORTHWIND"], "already a registered keyword of NORTHWIND"),
        (["Nörthwind"], "already a registered keyword"),  # the matcher sets accents aside: the same keyword
        (["Hyperion", "hyperion "], '"hyperion": given twice'),
        (["Hyperion", "NW"], '"NW": a keyword needs at least 3'),
    ],
)
def test_bad_keywords_are_refused_naming_each_and_nothing_is_added(asset, owner_a, texts, message):
    before = snapshot_version_current()
    with pytest.raises(KeywordsRefused) as refused:
        asset_keywords_add(asset_id=asset.pk, texts=texts, actor=owner_a)
    assert message in str(refused.value) and str(refused.value).startswith("Nothing was added.")
    nothing_written(before)


def test_a_keyword_added_before_is_a_duplicate_whatever_its_case_and_spacing(asset, owner_a):
    asset_keywords_add(asset_id=asset.pk, texts=["North Wind"], actor=owner_a)
    with pytest.raises(KeywordsRefused, match="already an extra keyword of NORTHWIND"):
        asset_keywords_add(asset_id=asset.pk, texts=["north   WIND"], actor=owner_a)
    assert ExtraKeyword.objects.count() == 1


def test_an_ordinary_word_on_an_asset_without_categories_needs_confirming(brand_a, owner_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, name="HARBORLINE", categories=[])
    before = snapshot_version_current()
    with pytest.raises(OrdinaryWordsNeedConfirming) as refused:
        asset_keywords_add(asset_id=asset.pk, texts=["harbor", "Harborline X"], actor=owner_a)
    assert [k for k, _ in refused.value.problems] == ["harbor"]
    assert "an ordinary English word, and HARBORLINE has no categories" in str(refused.value)
    nothing_written(before)

    asset_keywords_add(asset_id=asset.pk, texts=["harbor", "Harborline X"], actor=owner_a, confirm_ordinary=True)
    assert AuditLogEntry.objects.get(action="screening.keywords.added").data["ordinary_confirmed"] == ["harbor"]


def test_an_ordinary_word_on_an_asset_with_categories_is_added_without_asking(asset, owner_a):
    asset_keywords_add(asset_id=asset.pk, texts=["harbor"], actor=owner_a)
    assert "harbor" in keywords_of(asset)


@pytest.mark.parametrize("status", [VerificationStatus.PENDING, VerificationStatus.REJECTED])
def test_an_asset_not_verified_takes_no_keywords(brand_a, owner_a, status):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=status)
    with pytest.raises(Exception, match="is not verified yet"):
        asset_keywords_add(asset_id=asset.pk, texts=["Hyperion"], actor=owner_a)
    assert not ExtraKeyword.objects.exists()


def test_only_the_brands_people_and_its_agents_add_keywords(asset, user_b, brand_a):
    with pytest.raises(PermissionDenied):
        asset_keywords_add(asset_id=asset.pk, texts=["Hyperion"], actor=user_b)
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT)
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    asset_keywords_add(asset_id=asset.pk, texts=["Hyperion"], actor=factories.member_of(agent))
    assert ExtraKeyword.objects.get().text == "Hyperion"


def test_a_removed_keyword_leaves_the_snapshot_audited(asset, owner_a):
    [row] = asset_keywords_add(asset_id=asset.pk, texts=["Nortwind"], actor=owner_a)
    before = snapshot_version_current()
    extra_keyword_remove(keyword_id=row.pk, actor=owner_a)
    assert keywords_of(asset) == ["northwind"]
    assert snapshot_version_current() == before + 1
    assert AuditLogEntry.objects.get(action="screening.keyword.removed").data == {"keyword": "Nortwind"}
    with pytest.raises(ExtraKeyword.DoesNotExist):
        extra_keyword_remove(keyword_id=row.pk, actor=owner_a)


def test_too_many_keywords_at_once_are_refused(asset, owner_a):
    with pytest.raises(Exception, match="Add at most 50 keywords at a time; 51 were given"):
        asset_keywords_add(asset_id=asset.pk, texts=[f"brand{n:03d}" for n in range(51)], actor=owner_a)


def test_adding_a_keyword_rescreens_the_listings_that_name_it_outside_the_brands_categories(asset, owner_a, settings):
    settings.SCREENING_RESCREEN_ALL_MAX = 1  # a large catalogue: the brand's likely listings first, then the rest
    store = factories.StoreFactory()
    elsewhere = listing_made(store, "E1", "Poster with NORTWIND logo, AAA replica", category="Posters", price="5")
    unrelated = listing_made(store, "E2", "Harbor view poster", category="Posters")

    asset_keywords_add(asset_id=asset.pk, texts=["Nortwind"], actor=owner_a)
    job = RescreenJob.objects.get()
    assert "Nortwind" in job.reason
    run_to_end(job)

    rescreened = dict(
        ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN).values_list("listing_id", "asset_id")
    )
    assert rescreened == {elsewhere.pk: asset.pk, unrelated.pk: None}
