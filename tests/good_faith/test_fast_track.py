"""The fast track: members' and partner-vetted items come down at once, in the filing transaction."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from good_faith.models import ManualOverride, Membership, MembershipStatus
from listings.models import ListingStatus
from portal.models import OrganisationKind
from rights_holders.models import AuthorisedStore, Partner, PartnerKind
from takedowns import lifecycle
from takedowns.effects import item_effects_run
from takedowns.models import Effect, EffectKind, EffectStatus, ItemStatus, Notification, Track
from takedowns.notices import notice_submit
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice, run_on_commit
from tests.takedowns.filing_pages import page_post, row

COUNTER_NOTICE = {
    "statement": "Genuine stock bought from the brand's distributor; invoice attached.",
    "signature": "Mo Merchant",
    "accuracy_statement": True,
    "contact_name": "Mo Merchant",
    "contact_address": "2 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "mo@shop.test",
}


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="ACME")


@pytest.fixture
def merchant_org(db):
    return factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")


@pytest.fixture
def store(merchant_org):
    return factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))


@pytest.fixture
def merchant_user(merchant_org):
    return factories.member_of(merchant_org, role="owner")


@pytest.fixture
def listings(store):
    return [factories.ListingFactory(store=store, title=f"ACME sneakers {n}") for n in range(3)]


def member(brand, infringement_type="", **kwargs):
    kwargs.setdefault("status", MembershipStatus.MEMBER)
    kwargs.setdefault("member_since", timezone.now() - timedelta(days=30))
    return Membership.objects.create(rights_holder=brand, infringement_type=infringement_type, **kwargs)


def vetting_partner(brand, **kwargs):
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Anti-Fake Association")
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand)
    return partner, factories.member_of(org)


def notice_submit_plain(actor, rights_holder, drafts, **kwargs):
    if "partner" not in kwargs:
        kwargs.setdefault("acting_organisation", rights_holder.organisation)
    return notice_submit(actor=actor, rights_holder=rights_holder, data=dict(NOTICE_DATA), drafts=drafts, **kwargs)


def routed_event(item):
    return item.events.get(action__in=["fast_tracked", "queued"])


def test_members_item_comes_down_in_the_filing_transaction_without_a_worker(
    owner_a, brand_a, asset, listings, merchant_user
):
    membership = member(brand_a, "counterfeit")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        receipt = notice_submit_plain(owner_a, brand_a, [draft(listings[0], asset)])
    (item,) = receipt.accepted
    # Before any after-commit callback or worker: the listing is already down and the window runs.
    listings[0].refresh_from_db()
    assert listings[0].status == ListingStatus.TAKEN_DOWN
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    assert item.track == Track.FAST and item.took_down_listing
    assert item.counter_notice_deadline == item.opened_at + timedelta(hours=72)
    assert f"membership {membership.pk}" in routed_event(item).reason
    assert "counterfeit" in routed_event(item).reason
    # The delist effect is only the record: still pending, the listing did not wait for it.
    delist = Effect.objects.get(item=item, kind=EffectKind.DELIST)
    assert delist.status == EffectStatus.PENDING
    assert not Notification.objects.filter(recipient=merchant_user).exists()

    # After commit the merchant hears of the takedown.
    with TestCase.captureOnCommitCallbacks(execute=True):
        for callback in callbacks:
            callback()
    told = Notification.objects.get(recipient=merchant_user, item=item)
    assert "fast track" in told.body


def test_member_for_counterfeits_only_files_a_patent_item_on_the_standard_track(owner_a, brand_a, asset, listings):
    member(brand_a, "counterfeit")
    receipt = file_notice(
        owner_a,
        brand_a,
        [draft(listings[0], asset), draft(listings[1], asset, infringement_type="patent")],
    )
    counterfeit, patent = receipt.accepted
    assert (counterfeit.track, counterfeit.status) == (Track.FAST, ItemStatus.AWAITING_COUNTER_NOTICE)
    assert (patent.track, patent.status) == (Track.STANDARD, ItemStatus.PENDING_REVIEW)
    listings[1].refresh_from_db()
    assert listings[1].status == ListingStatus.LIVE


def test_overall_member_is_fast_tracked_for_every_type(owner_a, brand_a, asset, listings):
    member(brand_a)
    receipt = file_notice(owner_a, brand_a, [draft(listings[0], asset, infringement_type="patent")])
    (item,) = receipt.accepted
    assert item.track == Track.FAST
    assert "all infringement types" in routed_event(item).reason


@pytest.mark.parametrize(
    ("status", "override", "fast"),
    [
        (MembershipStatus.NOT_MEMBER, ManualOverride.NONE, False),
        (MembershipStatus.SUSPENDED, ManualOverride.NONE, False),
        (MembershipStatus.MEMBER, ManualOverride.REVOKED, False),
        (MembershipStatus.NOT_MEMBER, ManualOverride.GRANTED, True),
    ],
)
def test_only_an_active_membership_fast_tracks(owner_a, brand_a, asset, listings, status, override, fast):
    member(brand_a, "counterfeit", status=status, override=override, override_reason="Staff decision")
    (item,) = file_notice(owner_a, brand_a, [draft(listings[0], asset)]).accepted
    assert item.track == (Track.FAST if fast else Track.STANDARD)


def test_authorised_store_is_never_fast_tracked_even_for_a_member(owner_a, brand_a, asset, listings, store):
    member(brand_a)
    AuthorisedStore.objects.create(rights_holder=brand_a, store=store)
    (item,) = file_notice(owner_a, brand_a, [draft(listings[0], asset)]).accepted
    assert item.authorised_store_flag
    assert (item.track, item.status) == (Track.STANDARD, ItemStatus.PENDING_REVIEW)
    listings[0].refresh_from_db()
    assert listings[0].status == ListingStatus.LIVE


def test_partner_vetted_notice_is_fast_tracked(brand_a, asset, listings):
    partner, vetter = vetting_partner(brand_a)
    (item,) = file_notice(vetter, brand_a, [draft(listings[0], asset)], partner=partner).accepted
    assert item.track == Track.FAST
    assert routed_event(item).reason == f"Vetted by {partner}: fast track."


@pytest.mark.parametrize(
    ("status", "override"),
    [
        (MembershipStatus.SUSPENDED, ManualOverride.NONE),  # its own record fell below the bar (nightly)
        (MembershipStatus.MEMBER, ManualOverride.REVOKED),  # staff revoked it
    ],
)
def test_partner_that_lost_the_privilege_files_on_the_standard_track(
    brand_a, asset, listings, reviewer, status, override
):
    partner, vetter = vetting_partner(brand_a)
    assert partner.approved_for_vetting
    Membership.objects.create(
        partner=partner,
        status=status,
        override=override,
        override_reason="Too many successful counter-notices on vetted complaints." if override else "",
        override_by=reviewer if override else None,
        override_at=timezone.now() if override else None,
        last_figures={"decided": 40, "accuracy_percent": 80.0},
    )
    (item,) = file_notice(vetter, brand_a, [draft(listings[0], asset)], partner=partner).accepted
    assert (item.track, item.status) == (Track.STANDARD, ItemStatus.PENDING_REVIEW)
    listings[0].refresh_from_db()
    assert listings[0].status == ListingStatus.LIVE


def test_successful_counter_notice_then_dismissal_reinstates_the_listing(
    owner_a, brand_a, asset, listings, merchant_user, reviewer
):
    member(brand_a)
    (item,) = file_notice(owner_a, brand_a, [draft(listings[0], asset)]).accepted
    listings[0].refresh_from_db()
    assert listings[0].status == ListingStatus.TAKEN_DOWN
    run_on_commit(
        lifecycle.notice_item_counter_notice,
        item_id=item.pk,
        actor=merchant_user,
        counter_notice_fields=dict(COUNTER_NOTICE),
    )
    # Taken down by the fast track, the listing stays down while the counter-notice is heard.
    listings[0].refresh_from_db()
    assert listings[0].status == ListingStatus.TAKEN_DOWN
    run_on_commit(lifecycle.notice_item_reply, item_id=item.pk, actor=owner_a, statement="The invoice is forged.")
    run_on_commit(lifecycle.notice_item_dismiss, item_id=item.pk, actor=reviewer, reason="The invoice is genuine.")
    with TestCase.captureOnCommitCallbacks(execute=True):
        item_effects_run(item.pk)
    item.refresh_from_db()
    listings[0].refresh_from_db()
    assert item.status == ItemStatus.DISMISSED
    assert listings[0].status == ListingStatus.LIVE
    assert not item.penalties.exists()


def test_a_ten_item_notice_of_four_types_asks_about_membership_once(owner_a, brand_a, asset, store):
    """The tracks of a notice's items come from one question for all its types, each type answered by the rule.

    Counterfeit has its own active row, patent's own row was revoked (it withholds the overall
    membership), copyright has no row and rides on the overall membership.
    """
    from unittest import mock

    import takedowns.tracks

    member(brand_a)
    member(brand_a, "counterfeit")
    member(brand_a, "patent", override=ManualOverride.REVOKED)
    types = ["counterfeit", "copyright", "patent", "counterfeit", "copyright"] * 2
    many = [factories.ListingFactory(store=store) for _ in types]
    spy = mock.patch.object(takedowns.tracks, "_active_memberships", wraps=takedowns.tracks._active_memberships)
    with spy as asked:
        receipt = file_notice(
            owner_a, brand_a, [draft(x, asset, infringement_type=t) for x, t in zip(many, types, strict=True)]
        )
    assert asked.call_count == 1
    assert [(i.infringement_type, i.track) for i in receipt.accepted] == [
        (t, Track.STANDARD if t == "patent" else Track.FAST) for t in types
    ]


# The queries of the filing page's "File the notice" (the review's POST) for a ten-item fast-track notice,
# on PostgreSQL (SQLite draws no item ids first: one fewer):
#   session and user (2); the two-factor device check (1); the filer's organisations with their kinds, the brands it may act for, its
#   groups (3); the filing suspension shown instead of the form (1); the draft (1); savepoints (2, the
#   enclosing block inside a test's transaction); the draft locked with its brand, its rows, their
#   evidence, the listings with their authorised-store flag, their open items, their stores (6); the
#   filer's organisation and the suspensions (notice_submit's own check, 3); the filing itself: the
#   notice (2, savepoint included); the listings, their open items, the memberships of every type named
#   (3); the items' ids and the items (2); their events, the listings' counts and the update that takes
#   them down (4); audit entries, statements of reasons, effects (3); whether anyone subscribed to
#   webhooks (1, portal.events); the quality audits and their audit entries (2: every item is drawn
#   here); the receipt's recipients and row (2); the release (1); the draft deleted: its rows, their
#   evidence, the rows, the draft (4); the releases (2). None per item or per asset.
TEN_ITEM_FAST_TRACK_FILING_QUERIES = 44


def test_a_ten_item_fast_track_notice_is_filed_through_the_page_in_a_fixed_number_of_queries(
    client, owner_a, brand_a, store, settings, django_assert_max_num_queries
):
    """The whole request is pinned: a query per item, per type or per asset cannot creep back in.

    Ten lines over three assets and four infringement types, for a member overall and for
    counterfeits, every item drawn for a quality audit (the most queries a filing makes).
    """
    from django.urls import reverse

    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    member(brand_a)
    member(brand_a, "counterfeit")
    assets = [factories.IPAssetFactory(rights_holder=brand_a, name=f"ACME {n}") for n in range(3)]
    types = ["counterfeit", "trademark_misuse", "copyright", "design"]
    listings = [factories.ListingFactory(store=store) for _ in range(10)]
    rows = [
        row(
            listing.external_id,
            assets[n % 3],
            infringement_type=types[n % 4],
            explanation="Fake logo and wrong stitching.",
        )
        for n, listing in enumerate(listings)
    ]
    client.force_login(owner_a)
    assert page_post(client, owner_a, rows).status_code == 302  # the notice in progress, reviewed
    # After commit, in production, the effects and the receipt's e-mail go to the broker: no query.
    with django_assert_max_num_queries(TEN_ITEM_FAST_TRACK_FILING_QUERIES):
        response = client.post(reverse("takedowns:notice-review"))
    assert response.status_code == 302
    for listing in listings:
        listing.refresh_from_db()
        assert listing.status == ListingStatus.TAKEN_DOWN
    items = brand_a.notices.get().items.all()
    assert {(i.track, i.status) for i in items} == {(Track.FAST, ItemStatus.AWAITING_COUNTER_NOTICE)}
    assert {i.infringement_type for i in items} == set(types)
    assert sum(1 for i in items if hasattr(i, "quality_audit")) == 10


# The queries of a 100-item notice filed over the API (POST /api/v1/notices/, a brand's key with an
# Idempotency-Key), on PostgreSQL; none is per line, and the count is pinned for 2 lines and 100 alike:
#   the key with its organisation and scopes (1); the idempotency record read, then the claim in a
#   transaction of its own: BEGIN, an expired record deleted, the claim inserted, COMMIT (5); the
#   request's transaction and the claim locked again in a savepoint (4); the brand of the key with
#   the lines' assets, the filer's organisations with their kinds, the filing suspensions (4); the
#   service's savepoint and the notice (2); the listings with their authorised-store flag, their
#   open items, the Good Faith memberships of the types named (3); the items' ids and the items
#   (2); their events, audit entries (with the notice's) and effects (3); whether anyone subscribed
#   to webhooks (1, portal.events); the receipt's recipients (1; its row when the brand has people
#   to tell, none here); the savepoint released, the response recorded with the claim, COMMIT (3).
#   The fast track adds the listings locked, their items and the update that takes them down (3),
#   the statements of reasons (1), the quality audits drawn and their audit entries (2).
API_FILING_QUERIES = {"standard": 29, "fast": 35}


@pytest.mark.parametrize("track", ["standard", "fast"])
def test_an_api_filing_costs_the_same_queries_for_2_items_as_for_100(brand_a, asset, store, settings, track):
    """A query per line (a listing looked up, an item inserted, a webhook fanned out one by one)
    cannot creep back into the partners' bulk filing: 2 lines and 100 lines, the same fixed count."""
    import json
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from api.keys import api_key_create
    from portal import public_ids
    from tests.services import needs_postgres

    # On PostgreSQL: SQLite's limit on a statement's parameters splits a set's inserts in parts.
    needs_postgres()
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    if track == "fast":
        member(brand_a, "counterfeit")
    listings = [factories.ListingFactory(store=store) for _ in range(103)]
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_key_create(organisation=brand_a.organisation, name='bulk', scopes=['notices:write'])[1]}"
    )

    def file(lines):
        body = {
            **NOTICE_DATA,
            "items": [
                {
                    "listing": public_ids.encode("lst", listing.public_id),
                    "asset": public_ids.encode("ast", asset.public_id),
                    "infringement_type": "counterfeit",
                    "explanation": "Fake logo and wrong stitching.",
                }
                for listing in lines
            ],
        }
        with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks():
            response = client.post(
                "/api/v1/notices/",
                json.dumps(body),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )
        assert response.status_code == 201, response.content
        assert len(response.json()["accepted"]) == len(lines)
        return len(queries)

    file(listings[:1])  # the key's first use is marked (api.keys: one write now and then, not per request)
    two, hundred = file(listings[1:3]), file(listings[3:])
    assert (two, hundred) == (API_FILING_QUERIES[track], API_FILING_QUERIES[track])
    items = brand_a.notices.order_by("submitted_at", "id").last().items.all()
    expected = Track.FAST if track == "fast" else Track.STANDARD
    assert items.count() == 100 and {i.track for i in items} == {expected}
