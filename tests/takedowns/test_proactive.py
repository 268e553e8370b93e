"""Proactive notices: the marketplace files for an opted-in brand on high-confidence screening hits."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import ListingStatus
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import AuthorisedStore, Partner, PartnerKind, RightsHolder, VerificationStatus
from takedowns import lifecycle
from takedowns.effects import item_effects_run
from takedowns.models import (
    Channel,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    Notification,
    RestrictionKind,
    StatementOfReasons,
    Track,
)
from takedowns.notices import notice_submit
from takedowns.notices.track_choice import PROACTIVE_REASON
from takedowns.proactive import ProactiveFinding, proactive_notices_file
from takedowns.transparency.export import statement_to_dsa
from takedowns.transparency.schema import dsa_statement_errors
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice, run_on_commit
from tests.takedowns.test_notifications import COUNTER_NOTICE

EVIDENCE = ['keyword "acme" in the title: "ACME sneakers, cheap"', 'replica term "AAA quality" in the description']
# Queries of one call filing findings of one brand (one notice of fast-tracked items), whatever their
# number: the findings' listings, assets, authorised stores and earlier filings, the marketplace, then
# the engine's set filing (PostgreSQL draws the items' ids first: one more).
FILING_QUERIES = {"postgresql": 22, "sqlite": 21}


@pytest.fixture
def marketplace(db):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
    Partner.objects.create(organisation=organisation, kind=PartnerKind.MARKETPLACE)
    return organisation


@pytest.fixture
def opted_in(brand_a, marketplace):
    RightsHolder.objects.filter(pk=brand_a.pk).update(proactive_enforcement=True)
    brand_a.refresh_from_db()
    return brand_a


def finding(listing, asset, reference="scr_0001", **kwargs):
    return ProactiveFinding(
        listing_id=listing.pk,
        asset_id=asset.pk,
        score=kwargs.pop("score", 0.97),
        evidence=kwargs.pop("evidence", list(EVIDENCE)),
        reference=reference,
        **kwargs,
    )


def file_findings(findings, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return proactive_notices_file(findings, **kwargs)


def written():
    """What a refused finding must not have written."""
    return (Notice.objects.count(), NoticeItem.objects.count(), AuditLogEntry.objects.count())


# --- Filed ----------------------------------------------------------------------------------------


def test_a_finding_is_filed_by_the_platform_on_the_fast_track_and_the_listing_is_down(
    opted_in, asset_a, listing, marketplace, settings
):
    now = timezone.now()
    (outcome,) = file_findings([finding(listing, asset_a)], now=now)

    assert outcome.filed and not outcome.refusal
    item = NoticeItem.objects.select_related("notice").get(pk=outcome.item_id)
    notice = item.notice
    assert notice.channel == Channel.PROACTIVE
    assert notice.rights_holder == opted_in
    assert notice.filer_organisation == marketplace and notice.filed_by is None and notice.partner is None
    assert (notice.filer_name, notice.filer_email, notice.filer_address, notice.filer_phone) == (
        settings.PLATFORM_NOTICE_NAME,
        settings.PLATFORM_NOTICE_EMAIL,
        settings.PLATFORM_NOTICE_ADDRESS,
        settings.PLATFORM_NOTICE_PHONE,
    )
    assert notice.good_faith_statement and notice.accuracy_statement and notice.authority_statement
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE and item.track == Track.FAST and item.took_down_listing
    assert item.counter_notice_deadline == now + timedelta(hours=settings.TAKEDOWN_COUNTER_NOTICE_HOURS)
    assert item.screening_reference == "scr_0001"
    assert item.infringement_type == "counterfeit"
    for line in EVIDENCE:
        assert line in item.explanation
    assert "automated" in item.explanation and "0.97" in item.explanation
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN

    routed = ItemEvent.objects.get(item=item, action="fast_tracked")
    assert routed.reason == PROACTIVE_REASON and "proactive screening" in routed.reason
    assert routed.actor is None
    # No person filed it: the item's history names screening as its filer.
    assert ItemEvent.objects.get(item=item, action="submitted").actor_label == "screening"

    statement = StatementOfReasons.objects.get(item=item)
    assert statement.restriction == RestrictionKind.LISTING_REMOVED
    assert statement.automated_detection is True and statement.automated_decision is True
    assert statement.source_type == "SOURCE_VOLUNTARY"
    assert EVIDENCE[0] in statement.facts

    # Audited: the notice (by "screening", with its channel) and the item's moves.
    entry = AuditLogEntry.objects.get(action="takedowns.notice.submitted", object_id=str(notice.pk))
    assert entry.actor_label == "screening" and entry.data["channel"] == "proactive"
    assert entry.data["accepted"] == [item.pk]
    assert AuditLogEntry.objects.filter(action="takedowns.item.fast_tracked", object_id=str(item.pk)).exists()


def test_the_dsa_export_of_a_proactive_takedown_is_voluntary_and_fully_automated(opted_in, asset_a, listing):
    (outcome,) = file_findings([finding(listing, asset_a)])
    statement = StatementOfReasons.objects.get(item_id=outcome.item_id)

    entry = statement_to_dsa(statement)

    assert dsa_statement_errors(entry) == []
    assert entry["source_type"] == "SOURCE_VOLUNTARY"
    assert entry["automated_detection"] == "Yes"
    assert entry["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert entry["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert "automated screening" in entry["decision_facts"]
    assert "proven record" not in entry["decision_facts"]  # that is a trusted filer's fast track, not this one


def test_the_merchant_is_told_the_takedown_was_automated_and_how_to_answer(
    opted_in, asset_a, listing, merchant_user, marketplace
):
    (outcome,) = file_findings([finding(listing, asset_a)])
    with TestCase.captureOnCommitCallbacks(execute=True):
        item_effects_run(outcome.item_id)

    told = Notification.objects.get(recipient=merchant_user, item_id=outcome.item_id)
    assert "automated screening" in told.subject
    assert "Both the detection and the decision were automated" in told.body
    assert "counter-notice" in told.body and "appeal" in told.body
    assert EVIDENCE[1] in told.body
    assert "Automated detection:  yes" in told.body and "Automated decision:   yes" in told.body


def test_the_merchants_timeline_says_the_platforms_screening_filed_in_the_readers_language(
    client, opted_in, asset_a, listing, merchant_user, marketplace
):
    (outcome,) = file_findings([finding(listing, asset_a)])
    client.force_login(merchant_user)
    page = client.get(f"/takedowns/items/{outcome.item_id}/").content.decode()
    head = page[page.index('<p class="timeline-head">') :]
    head = head[: head.index("</p>")]
    assert "The platform&#x27;s screening (automatic)" in head and "screening &middot;" not in head
    assert '<span class="move">Submitted</span>' in head  # the first move comes from nothing

    merchant_user.language = "zh-hans"
    merchant_user.save(update_fields=["language"])
    page = client.get(f"/takedowns/items/{outcome.item_id}/").content.decode()
    assert "平台筛查（自动）" in page


def test_the_brand_is_told_the_platform_filed_for_it_and_the_marketplace_is_not(
    opted_in, owner_a, asset_a, listing, marketplace
):
    market_owner = factories.member_of(marketplace, role="owner")
    (outcome,) = file_findings([finding(listing, asset_a)])

    receipt = Notification.objects.get(recipient=owner_a, source__endswith="-receipt")
    assert receipt.subject.startswith("The marketplace filed a notice for you")
    assert "opted in to proactive enforcement" in receipt.body
    assert f"Item {outcome.item_id}" in receipt.body
    assert not Notification.objects.filter(recipient=market_owner).exists()


def test_one_notice_per_rights_holder_per_call(opted_in, asset_a, store, marketplace):
    other = factories.RightsHolderFactory(legal_name="Brand C", proactive_enforcement=True)
    other_asset = factories.IPAssetFactory(rights_holder=other)
    listings = [factories.ListingFactory(store=store) for _ in range(3)]

    outcomes = file_findings(
        [
            finding(listings[0], asset_a, "scr_a1"),
            finding(listings[1], other_asset, "scr_c1"),
            finding(listings[2], asset_a, "scr_a2"),
        ]
    )

    assert all(o.filed for o in outcomes)
    items = NoticeItem.objects.in_bulk([o.item_id for o in outcomes])
    assert items[outcomes[0].item_id].notice_id == items[outcomes[2].item_id].notice_id
    assert items[outcomes[1].item_id].notice_id != items[outcomes[0].item_id].notice_id
    assert Notice.objects.filter(channel=Channel.PROACTIVE).count() == 2


# --- Refused, nothing written ---------------------------------------------------------------------


def test_a_brand_that_has_not_opted_in_gets_no_proactive_notice(brand_a, asset_a, listing, marketplace):
    before = written()
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert not outcome.filed and outcome.code == "not_opted_in"
    assert "has not opted in" in outcome.refusal
    assert written() == before
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE


def test_a_store_on_the_brands_authorised_list_is_never_taken_down_by_screening(opted_in, asset_a, listing):
    AuthorisedStore.objects.create(
        rights_holder=opted_in, store=listing.store, valid_until=timezone.now().date() + timedelta(days=1)
    )
    before = written()
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert outcome.code == "authorised_store" and "authorised sellers" in outcome.refusal
    assert written() == before


def test_an_authorisation_that_ended_no_longer_shields_the_store(opted_in, asset_a, listing):
    AuthorisedStore.objects.create(
        rights_holder=opted_in, store=listing.store, valid_until=timezone.now().date() - timedelta(days=1)
    )
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert outcome.filed
    assert NoticeItem.objects.get(pk=outcome.item_id).authorised_store_flag is False


@pytest.mark.parametrize("status", [ListingStatus.TAKEN_DOWN, ListingStatus.REMOVED])
def test_a_listing_that_is_not_live_is_refused(opted_in, asset_a, listing, status):
    type(listing).objects.filter(pk=listing.pk).update(status=status)
    before = written()
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert outcome.code == "listing_not_live" and listing.external_id in outcome.refusal
    assert written() == before


def test_an_open_complaint_on_the_listing_and_asset_refuses_the_finding(opted_in, owner_a, asset_a, listing):
    (open_item,) = file_notice(owner_a, opted_in, [draft(listing, asset_a)]).accepted
    assert open_item.status == ItemStatus.PENDING_REVIEW
    before = written()
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert outcome.code == "duplicate" and f"item {open_item.pk}" in outcome.refusal
    assert written() == before


@pytest.mark.parametrize("status", [VerificationStatus.PENDING, VerificationStatus.REJECTED])
def test_an_asset_that_is_not_verified_is_refused(opted_in, asset_a, listing, status):
    type(asset_a).objects.filter(pk=asset_a.pk).update(verification_status=status)
    before = written()
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert outcome.code == "asset_not_verified" and "only verified assets" in outcome.refusal
    assert written() == before


def test_refused_findings_do_not_stop_the_others_of_the_brand(opted_in, asset_a, store):
    good, down = factories.ListingFactory(store=store), factories.ListingFactory(store=store)
    type(down).objects.filter(pk=down.pk).update(status=ListingStatus.TAKEN_DOWN)
    unverified = factories.IPAssetFactory(rights_holder=opted_in, verification_status=VerificationStatus.PENDING)

    outcomes = file_findings(
        [
            finding(down, asset_a, "scr_1"),
            finding(good, unverified, "scr_2"),
            finding(good, asset_a, "scr_3"),
        ]
    )

    assert [o.code for o in outcomes] == ["listing_not_live", "asset_not_verified", ""]
    item = NoticeItem.objects.get(pk=outcomes[2].item_id)
    # The refused line left no invalid item behind in the notice.
    assert list(item.notice.items.values_list("pk", flat=True)) == [item.pk]


def test_malformed_findings_are_refused_with_what_is_wrong(opted_in, asset_a, listing):
    outcomes = file_findings(
        [
            finding(listing, asset_a, score=1.5),
            finding(listing, asset_a, reference=""),
            finding(listing, asset_a, evidence=[]),
            finding(listing, asset_a, infringement_type="theft"),
            ProactiveFinding(listing_id=10**9, asset_id=asset_a.pk, score=0.95, evidence=["x"], reference="scr_9"),
        ]
    )
    assert [o.code for o in outcomes] == [
        "finding_invalid",
        "finding_invalid",
        "finding_invalid",
        "finding_invalid",
        "listing_unknown",
    ]
    assert "between 0 and 1" in outcomes[0].refusal
    assert not NoticeItem.objects.exists()


def test_without_a_marketplace_organisation_nothing_is_filed(brand_a, asset_a, listing):
    RightsHolder.objects.filter(pk=brand_a.pk).update(proactive_enforcement=True)
    (outcome,) = file_findings([finding(listing, asset_a)])
    assert outcome.code == "no_marketplace"
    assert not Notice.objects.exists()


def test_evidence_with_control_characters_is_quoted_cleanly(opted_in, asset_a, listing):
    (outcome,) = file_findings([finding(listing, asset_a, evidence=["title \x00says\u202e ACME\n(replica)"])])
    assert outcome.filed
    assert "- title says ACME (replica)" in NoticeItem.objects.get(pk=outcome.item_id).explanation


def test_no_one_else_files_on_the_proactive_channel(owner_a, brand_a, asset_a, listing):
    with pytest.raises(ValueError, match="platform_notice_submit"):
        notice_submit(
            actor=owner_a,
            rights_holder=brand_a,
            data=dict(NOTICE_DATA),
            drafts=[draft(listing, asset_a)],
            acting_organisation=brand_a.organisation,
            channel=Channel.PROACTIVE,
        )


# --- Exactly once ---------------------------------------------------------------------------------


def test_filing_the_same_findings_twice_files_them_once(opted_in, asset_a, store):
    listings = [factories.ListingFactory(store=store) for _ in range(3)]
    findings = [finding(listing, asset_a, f"scr_{n}") for n, listing in enumerate(listings)]
    first = file_findings(findings)
    before = written()

    second = file_findings(findings)

    assert all(o.filed for o in first)
    assert [o.code for o in second] == ["already_filed"] * 3
    assert f"item {first[0].item_id}" in second[0].refusal
    assert written() == before


def test_a_screening_result_files_once_even_after_its_item_was_decided(opted_in, owner_a, asset_a, listing):
    (outcome,) = file_findings([finding(listing, asset_a)])
    run_on_commit(lifecycle.notice_item_withdraw, item_id=outcome.item_id, actor=owner_a, reason="Our mistake.")
    with TestCase.captureOnCommitCallbacks(execute=True):
        item_effects_run(outcome.item_id)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE

    (again,) = file_findings([finding(listing, asset_a)])
    assert again.code == "already_filed"
    # A new screening of the listing (a new result) may file again.
    (new,) = file_findings([finding(listing, asset_a, "scr_0002")])
    assert new.filed


@pytest.mark.django_db(transaction=True)
def test_two_calls_at_once_with_the_same_findings_file_each_once(marketplace):
    needs_postgres()
    holder = factories.RightsHolderFactory(legal_name="Brand T", proactive_enforcement=True)
    asset = factories.IPAssetFactory(rights_holder=holder)
    store = factories.StoreFactory()
    listings = [factories.ListingFactory(store=store) for _ in range(5)]
    findings = [finding(listing, asset, f"scr_t{n}") for n, listing in enumerate(listings)]
    start = threading.Barrier(2, timeout=120)
    results, errors = [None, None], []

    def run(slot):
        try:
            start.wait()
            results[slot] = proactive_notices_file(findings)
        except Exception as exc:  # the test reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(slot,), daemon=True) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
        assert not thread.is_alive(), "a filing did not finish"

    assert errors == []
    filed = [o.item_id for result in results for o in result if o.filed]
    assert len(filed) == 5 and len(set(filed)) == 5
    refused = [o.code for result in results for o in result if not o.filed]
    assert len(refused) == 5 and set(refused) <= {"duplicate", "already_filed"}
    assert NoticeItem.objects.count() == 5  # no invalid item left by the loser
    assert set(NoticeItem.objects.values_list("status", flat=True)) == {ItemStatus.AWAITING_COUNTER_NOTICE}
    assert Notice.objects.filter(items__isnull=True).count() == 0
    for listing in listings:
        listing.refresh_from_db()
        assert listing.status == ListingStatus.TAKEN_DOWN


# --- Cost -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 2])
def test_ten_findings_file_in_a_fixed_number_of_queries(opted_in, asset_a, store, count, settings):
    settings.GOOD_FAITH_AUDIT_PERCENT = 0  # a drawn quality audit is two more statements, by chance
    listings = [factories.ListingFactory(store=store) for _ in range(count)]
    findings = [finding(listing, asset_a, f"scr_q{n}") for n, listing in enumerate(listings)]

    with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks():
        outcomes = proactive_notices_file(findings)

    assert all(o.filed for o in outcomes)
    assert len(queries) == FILING_QUERIES[connection.vendor], "\n".join(
        q["sql"][:150] for q in queries.captured_queries
    )


# --- The counter-notice path ----------------------------------------------------------------------


def test_a_merchant_counter_notice_on_a_proactive_takedown_can_reinstate_the_listing(
    opted_in, owner_a, asset_a, listing, merchant_user, reviewer
):
    (outcome,) = file_findings([finding(listing, asset_a)])
    item_id = outcome.item_id

    run_on_commit(
        lifecycle.notice_item_counter_notice,
        item_id=item_id,
        actor=merchant_user,
        counter_notice_fields=dict(COUNTER_NOTICE),
    )
    item = NoticeItem.objects.get(pk=item_id)
    assert item.status == ItemStatus.COUNTER_NOTICED
    # The brand the platform filed for is told, and may reply.
    assert Notification.objects.filter(recipient=owner_a, item=item, subject__startswith="Counter-notice").exists()
    run_on_commit(lifecycle.notice_item_reply, item_id=item_id, actor=owner_a, statement="Screening was right.")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN  # down until a reviewer decides
    run_on_commit(
        lifecycle.notice_item_dismiss, item_id=item_id, actor=reviewer, reason="The invoices show genuine goods."
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        item_effects_run(item_id)

    item.refresh_from_db()
    listing.refresh_from_db()
    assert item.status == ItemStatus.DISMISSED
    assert listing.status == ListingStatus.LIVE
    assert not item.penalties.exists()
    restored = StatementOfReasons.objects.get(item=item, restriction=RestrictionKind.LISTING_RESTORED)
    assert restored.automated_decision is False
