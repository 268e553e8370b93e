"""Filing as a set (takedowns/routing.py) writes exactly what the per-item verbs write.

On PostgreSQL and on SQLite: the set filing runs on both (only how the items go in
differs, ``routing._items_insert``), so every test here runs on both.

Each comparison files the same notice twice in one world: once through the set
path, rolled back, then through the per-item path (``notice_item_create`` and
``notice_item_route`` one item at a time). Row ids differ between the two
filings, so every id is replaced by the item's line (or the event's item and
action) before comparing.
"""

import json
import random
import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import good_faith.audits
from good_faith.models import Membership, MembershipStatus, QualityAudit
from listings.models import Listing, ListingStatus
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import AuthorisedStore
from takedowns import effects, notices, routing, sweep
from takedowns.models import Effect, ItemEvent, ItemStatus, Notice, NoticeItem, StatementOfReasons, Track
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft

NOW = timezone.now().replace(microsecond=123456) - timedelta(minutes=5)


@pytest.fixture
def world(brand_a, owner_a):
    """A counterfeit-only member with two assets; an ordinary store, an authorised one, a removed listing."""
    Membership.objects.create(
        rights_holder=brand_a,
        infringement_type="counterfeit",
        status=MembershipStatus.MEMBER,
        member_since=NOW - timedelta(days=30),
    )
    asset = factories.IPAssetFactory(rights_holder=brand_a, name="ACME")
    logo = factories.IPAssetFactory(rights_holder=brand_a, name="ACME logo")
    org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=org))
    friend = factories.StoreFactory(merchant=factories.MerchantFactory())
    AuthorisedStore.objects.create(rights_holder=brand_a, store=friend)
    listings = [factories.ListingFactory(store=store) for _ in range(5)]
    authorised = factories.ListingFactory(store=friend)
    removed = factories.ListingFactory(store=store, status=ListingStatus.REMOVED)
    return {"asset": asset, "logo": logo, "listings": listings, "authorised": authorised, "removed": removed}


def mixed_drafts(world):
    """Fast, fast, the same listing under another asset (already down), authorised store, a patent (standard
    track: membership is for counterfeits), an empty explanation, a removed listing, an unknown listing."""
    asset, logo, listings = world["asset"], world["logo"], world["listings"]
    unknown = draft(listings[0], asset)
    unknown.listing_ref = "NO-SUCH-LISTING"
    return [
        draft(listings[0], asset, explanation="Fake logo on the box."),
        draft(listings[1], asset, test_buy_order_number=" TB-1 ", test_buy_report="Stitching differs."),
        draft(listings[0], logo),
        draft(world["authorised"], asset),
        draft(listings[2], asset, infringement_type="patent"),
        draft(listings[3], asset, explanation="   "),
        draft(world["removed"], asset),
        unknown,
        draft(listings[4], logo, explanation="Logo \u201ccopied\u201d, see photo \\ 2."),
    ]


def file(owner, brand, drafts, *, set_path, monkeypatch, seed=7, **kwargs):
    """File through one path with a seeded audit draw; returns (receipt, item ids whose effects were sent)."""
    monkeypatch.setattr(good_faith.audits, "_SYSTEM_RANDOM", random.Random(seed))
    if not set_path:
        monkeypatch.setattr(notices.submit, "set_filing_possible", lambda lines: False)
    else:
        monkeypatch.setattr(notices.submit, "set_filing_possible", routing.set_filing_possible)
    sent = []
    monkeypatch.setattr(effects, "effects_dispatch", lambda item_ids: sent.extend(item_ids))
    monkeypatch.setattr(sweep, "effects_dispatch_in_chunks", lambda item_ids: sent.extend(item_ids))
    with TestCase.captureOnCommitCallbacks(execute=True):
        receipt = notices.notice_submit(
            actor=owner,
            rights_holder=brand,
            data=dict(NOTICE_DATA),
            drafts=drafts,
            now=NOW,
            **({} if "partner" in kwargs else {"acting_organisation": brand.organisation}),
            **kwargs,
        )
    return receipt, sent


def snapshot(notice_id, sent=()):
    """Everything a filing wrote, with ids replaced by item lines and event names."""
    items = list(NoticeItem.objects.filter(notice_id=notice_id).order_by("pk"))
    line = {item.pk: n for n, item in enumerate(items)}
    events = list(ItemEvent.objects.filter(item__notice_id=notice_id).order_by("pk"))
    event_name = {event.pk: f"{line[event.item_id]}:{event.action}" for event in events}
    audits = {audit.pk: audit for audit in QualityAudit.objects.filter(item__notice_id=notice_id)}

    def item_text(text):
        return re.sub(r"(?i)(item) (\d+)", lambda m: f"{m.group(1)} #{line[int(m.group(2))]}", text)

    def event_ref(value):
        return event_name[int(value)]

    # Drawn afresh for every row: not a value either path decides.
    skip = {"id", "public_id", "notice", "created_at", "updated_at", "puid", "dispatched_at"}

    def values(row):
        return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.name not in skip}

    item_rows = [values(item) for item in items]
    event_rows = [{**values(event), "item_id": line[event.item_id]} for event in events]
    statement_rows = sorted(
        (
            {**values(s), "item_id": line[s.item_id]}
            for s in StatementOfReasons.objects.filter(item__notice_id=notice_id)
        ),
        key=repr,
    )
    effect_rows = []
    for effect in Effect.objects.filter(item__notice_id=notice_id):
        row = {**values(effect), "item_id": line[effect.item_id]}
        if "event" in row["payload"]:
            row["payload"] = {**row["payload"], "event": event_ref(row["payload"]["event"])}
            row["key"] = f"event-{event_ref(row['key'].removeprefix('event-'))}"
        effect_rows.append(row)
    audit_rows = [
        {**values(audit), "item_id": line[audit.item_id], "data": None}
        for audit in sorted(audits.values(), key=lambda audit: line[audit.item_id])
    ]

    listing_ids = {item.listing_id for item in items}
    # No ORDER BY inside the union (SQLite refuses one); the rows are sorted below.
    entries = (
        AuditLogEntry.objects.order_by()
        .filter(object_type="takedowns.noticeitem", object_id__in=[str(pk) for pk in line])
        .union(
            AuditLogEntry.objects.order_by().filter(object_type="takedowns.notice", object_id=str(notice_id)),
            AuditLogEntry.objects.order_by().filter(
                object_type="listings.listing", object_id__in=[str(pk) for pk in listing_ids]
            ),
            AuditLogEntry.objects.order_by().filter(
                object_type="good_faith.qualityaudit", object_id__in=[str(pk) for pk in audits]
            ),
        )
    )
    entry_rows = []
    for entry in entries:
        row = values(entry)
        data = dict(row["data"])
        if "event" in data:
            data["event"] = event_ref(data["event"])
        if row["object_type"] == "takedowns.noticeitem":
            row["object_id"] = line[int(row["object_id"])]
        elif row["object_type"] == "takedowns.notice":
            row["object_id"] = "the notice"
            row["object_repr"] = "the notice"
            data["accepted"] = [line[pk] for pk in data["accepted"]]
            data["invalid"] = [line[pk] for pk in data["invalid"]]
        elif row["object_type"] == "good_faith.qualityaudit":
            row["object_id"] = line[audits[int(row["object_id"])].item_id]
            data["item"] = line[data["item"]]
        if "cause" in data:
            data["cause"] = item_text(data["cause"])
        row["object_repr"] = item_text(row["object_repr"])
        row["data"] = data
        entry_rows.append(row)
    entry_rows.sort(key=lambda row: json.dumps(row, sort_keys=True, default=str))

    listing_rows = dict(Listing.objects.filter(pk__in=listing_ids).values_list("pk", "status"))
    return {
        "items": item_rows,
        "events": event_rows,
        "statements": statement_rows,
        "effects": sorted(effect_rows, key=lambda row: (row["item_id"], row["kind"], row["key"])),
        "quality_audits": audit_rows,
        "audit_entries": entry_rows,
        "listings": listing_rows,
        "effects_sent": sorted(line[pk] for pk in sent),
    }


def both_paths(owner, brand, drafts, monkeypatch, **kwargs):
    """The set path's snapshot (rolled back), then the per-item path's."""
    # Rolled back to a savepoint taken by hand: the filing's transaction is durable, so it cannot run
    # inside an atomic block other than the test case's own.
    savepoint = transaction.savepoint()
    receipt, sent = file(owner, brand, drafts, set_path=True, monkeypatch=monkeypatch, **kwargs)
    captured = (receipt, snapshot(receipt.notice.pk, sent))
    transaction.savepoint_rollback(savepoint)
    receipt, sent = file(owner, brand, drafts, set_path=False, monkeypatch=monkeypatch, **kwargs)
    return captured, (receipt, snapshot(receipt.notice.pk, sent))


def receipt_summary(receipt):
    return (
        [(item.listing_id, item.ip_asset_id, item.status, item.track, item.version) for item in receipt.accepted],
        [(item.listing_id, item.invalid_reason) for item in receipt.invalid],
        receipt.refused,
    )


def test_set_filing_writes_the_same_rows_as_the_per_item_verbs(owner_a, brand_a, world, monkeypatch, settings):
    settings.GOOD_FAITH_AUDIT_PERCENT = 50  # with the seed, some fast-track items drawn and some not
    spy = []
    monkeypatch.setattr(
        notices.submit, "notice_items_file", lambda **kwargs: spy.append(1) or routing.notice_items_file(**kwargs)
    )
    (set_receipt, set_rows), (item_receipt, item_rows) = both_paths(owner_a, brand_a, mixed_drafts(world), monkeypatch)
    assert spy == [1]  # the first filing did take the set path

    statuses = [row["status"] for row in item_rows["items"]]
    assert statuses == [
        ItemStatus.AWAITING_COUNTER_NOTICE,
        ItemStatus.AWAITING_COUNTER_NOTICE,
        ItemStatus.AWAITING_COUNTER_NOTICE,
        ItemStatus.PENDING_REVIEW,
        ItemStatus.PENDING_REVIEW,
        ItemStatus.INVALID,
        ItemStatus.INVALID,
        ItemStatus.AWAITING_COUNTER_NOTICE,
    ]
    assert item_rows["items"][3]["authorised_store_flag"] is True
    assert 0 < len(item_rows["quality_audits"]) < 4  # the seed draws some, not all
    assert set(item_rows["listings"].values()) == {ListingStatus.TAKEN_DOWN, ListingStatus.LIVE, ListingStatus.REMOVED}
    for name in item_rows:
        assert set_rows[name] == item_rows[name], name
    assert receipt_summary(set_receipt) == receipt_summary(item_receipt)


def test_standard_track_notice_writes_the_same_rows_on_both_paths(owner_a, brand_a, world, monkeypatch):
    Membership.objects.filter(rights_holder=brand_a).delete()
    drafts = [draft(listing, world["asset"]) for listing in world["listings"]]
    (set_receipt, set_rows), (item_receipt, item_rows) = both_paths(owner_a, brand_a, drafts, monkeypatch)
    assert {row["track"] for row in item_rows["items"]} == {Track.STANDARD}
    assert set(item_rows["listings"].values()) == {ListingStatus.LIVE}
    assert set_rows == item_rows
    assert receipt_summary(set_receipt) == receipt_summary(item_receipt)


def test_partner_vetted_notice_writes_the_same_rows_on_both_paths(brand_a, world, monkeypatch, settings):
    from rights_holders.models import Partner, PartnerKind

    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Anti-Fake Association")
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    filer = factories.member_of(org)
    drafts = [draft(listing, world["asset"], infringement_type="design") for listing in world["listings"][:3]]
    (_, set_rows), (_, item_rows) = both_paths(filer, brand_a, drafts, monkeypatch, partner=partner)
    assert {row["track"] for row in item_rows["items"]} == {Track.FAST}
    assert len(item_rows["quality_audits"]) == 3
    assert set_rows == item_rows


def test_a_notice_naming_one_listing_and_asset_twice_is_filed_item_by_item(owner_a, brand_a, world, monkeypatch):
    """The second line's reason names the first line's item, so the set path leaves such a notice alone."""
    listing, asset = world["listings"][0], world["asset"]
    receipt, _ = file(
        owner_a, brand_a, [draft(listing, asset), draft(listing, asset)], set_path=True, monkeypatch=monkeypatch
    )
    (first,) = receipt.accepted
    (second,) = receipt.invalid
    assert f"item {first.pk}" in second.invalid_reason


def test_an_item_opened_meanwhile_sends_the_notice_to_the_per_item_path(owner_a, brand_a, world, monkeypatch):
    """The insert meets the partial unique index: nothing of the set attempt stays, the clash becomes an invalid item."""
    listings, asset = world["listings"], world["asset"]
    receipt, _ = file(owner_a, brand_a, [draft(listings[0], asset)], set_path=True, monkeypatch=monkeypatch)
    (other,) = receipt.accepted
    # As if the other filing committed between this filing's check and its insert.
    monkeypatch.setattr(notices.submit, "open_items_find", lambda pairs: {})
    drafts = [draft(listing, asset) for listing in listings[:3]]
    receipt, sent = file(owner_a, brand_a, drafts, set_path=True, monkeypatch=monkeypatch)
    (refused,) = receipt.invalid
    assert f"item {other.pk}" in refused.invalid_reason
    assert [item.listing_id for item in receipt.accepted] == [listings[1].pk, listings[2].pk]
    assert NoticeItem.objects.filter(notice=receipt.notice).count() == 3
    assert ItemEvent.objects.filter(item__notice=receipt.notice).count() == 5  # 3 first events, 2 routings
    assert sorted(sent) == sorted(item.pk for item in receipt.accepted)


def test_filing_costs_the_same_queries_for_two_items_as_for_five(owner_a, brand_a, world, monkeypatch, settings):
    settings.GOOD_FAITH_AUDIT_PERCENT = 100  # every fast-track item drawn: the audits' inserts are counted too
    monkeypatch.setattr(sweep, "effects_dispatch_in_chunks", lambda item_ids: None)
    counts = []
    for listings in (world["listings"][:2], world["listings"][2:]):
        drafts = [draft(listing, world["asset"]) for listing in listings]
        actor = type(owner_a).objects.get(pk=owner_a.pk)  # nothing cached from the previous filing
        with CaptureQueriesContext(connection) as captured:
            notices.notice_submit(
                actor=actor,
                rights_holder=brand_a,
                acting_organisation=brand_a.organisation,
                data=dict(NOTICE_DATA),
                drafts=drafts,
            )
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert Notice.objects.filter(rights_holder=brand_a).count() == 2
    assert QualityAudit.objects.filter(item__notice__rights_holder=brand_a).count() == 5
