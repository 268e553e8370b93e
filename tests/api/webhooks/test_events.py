"""Events: written in the transaction of the change, for the verbs and the set-based paths alike.

They go to the organisations with a subscription to their type (the rights holder, the
filing organisation, the merchant once the item reached it), never block or undo the
change, and cost one query when nobody subscribed.
"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent
from api.webhooks import fanout
from api.webhooks.subscriptions import webhook_subscription_update
from good_faith.membership import membership_grant
from portal.events import events_announce
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from takedowns import lifecycle, policies, sweep
from takedowns.appeals import appeal_decide, appeal_file
from takedowns.models import ItemEvent, ItemStatus, NoticeItem
from tests import factories
from tests.bulk import due_items_bulk_create
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice, run_on_commit
from tests.takedowns.test_sweep import COUNTER_NOTICE

URL = "http://127.0.0.1:9/hooks"  # nothing listens: these tests look at the rows, not the sending


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch):
    monkeypatch.setattr(fanout, "deliveries_dispatch", lambda: None)


def _events(organisation):
    return list(WebhookEvent.objects.filter(organisation=organisation).order_by("id").values_list("type", flat=True))


def test_filing_tells_the_holder_and_the_merchant_each_what_they_subscribed_to(
    brand_a, owner_a, asset_a, listing, merchant_org, subscribe
):
    holder_sub, _ = subscribe(brand_a.organisation, URL)
    subscribe(merchant_org, URL, event_types=["notice_item.queued"])
    other = factories.RightsHolderFactory()
    subscribe(other.organisation, URL)
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    (item,) = receipt.accepted
    assert _events(brand_a.organisation) == ["notice_item.submitted", "notice_item.queued"]
    assert _events(merchant_org) == ["notice_item.queued"]
    assert _events(other.organisation) == [], "an organisation not party to the item hears nothing"
    events = WebhookEvent.objects.filter(organisation=brand_a.organisation)
    assert {e.source_id for e in events} == set(item.events.values_list("pk", flat=True))
    assert all(uuid.UUID(str(e.public_id)).version == 7 for e in events)
    assert len({e.public_id for e in WebhookEvent.objects.all()}) == WebhookEvent.objects.count()
    assert WebhookDelivery.objects.filter(subscription=holder_sub).count() == 2


def test_the_merchant_hears_nothing_of_an_item_returned_to_the_filer(
    brand_a, owner_a, asset_a, merchant_org, store, subscribe
):
    subscribe(brand_a.organisation, URL)
    subscribe(merchant_org, URL)
    listing = factories.ListingFactory(store=store)
    unverified = factories.IPAssetFactory(rights_holder=brand_a, verification_status="pending")
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a), draft(listing, unverified)])
    assert len(receipt.invalid) == 1
    invalid = receipt.invalid[0]
    holder_sources = set(
        WebhookEvent.objects.filter(organisation=brand_a.organisation).values_list("source_id", flat=True)
    )
    merchant_sources = set(WebhookEvent.objects.filter(organisation=merchant_org).values_list("source_id", flat=True))
    invalid_event = invalid.events.get().pk
    assert invalid_event in holder_sources and invalid_event not in merchant_sources
    assert len(merchant_sources) == 2  # the valid item's submitted and queued


def test_an_agent_filing_for_a_brand_hears_about_it_too(brand_a, asset_a, listing, subscribe):
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Law Firm")
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    lawyer = factories.member_of(agent, role="owner")
    subscribe(agent, URL)
    file_notice(lawyer, brand_a, [draft(listing, asset_a)], acting_organisation=agent)
    assert _events(agent) == ["notice_item.submitted", "notice_item.queued"]
    assert _events(brand_a.organisation) == []  # the brand did not subscribe


def test_every_move_of_an_item_is_an_event(
    brand_a, owner_a, asset_a, listing, merchant_org, merchant_user, reviewer, subscribe
):
    subscribe(brand_a.organisation, URL)
    subscribe(merchant_org, URL)
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    run_on_commit(
        lifecycle.notice_item_counter_notice, item_id=item.pk, actor=merchant_user, counter_notice_fields=COUNTER_NOTICE
    )
    run_on_commit(lifecycle.notice_item_reply, item_id=item.pk, actor=owner_a, statement="They are fakes.")
    run_on_commit(lifecycle.notice_item_uphold, item_id=item.pk, actor=reviewer, reason="Fake stitching.")
    expected = [
        "notice_item.submitted",
        "notice_item.queued",
        "notice_item.accepted",
        "notice_item.counter_noticed",
        "notice_item.replied",
        "notice_item.upheld",
    ]
    assert _events(brand_a.organisation) == expected
    assert _events(merchant_org) == expected
    assert WebhookEvent.objects.filter(organisation=merchant_org).count() == ItemEvent.objects.filter(item=item).count()


def test_an_appeal_outcome_is_an_event_for_both_sides(
    brand_a, owner_a, asset_a, listing, merchant_org, merchant_user, reviewer, senior_reviewer, subscribe
):
    subscribe(brand_a.organisation, URL, event_types=["appeal.decided", "notice_item.reversed_to_dismissed"])
    subscribe(merchant_org, URL, event_types=["appeal.decided"])
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    run_on_commit(
        lifecycle.notice_item_counter_notice, item_id=item.pk, actor=merchant_user, counter_notice_fields=COUNTER_NOTICE
    )
    run_on_commit(lifecycle.notice_item_reply, item_id=item.pk, actor=owner_a, statement="They are fakes.")
    run_on_commit(lifecycle.notice_item_uphold, item_id=item.pk, actor=reviewer, reason="Fake stitching.")
    appeal = appeal_file(item_id=item.pk, actor=merchant_user, statement="The goods are genuine.")
    run_on_commit(appeal_decide, appeal_id=appeal.pk, actor=senior_reviewer, reverse=True, reason="Invoice checks out.")
    assert _events(brand_a.organisation) == ["notice_item.reversed_to_dismissed", "appeal.decided"]
    assert _events(merchant_org) == ["appeal.decided"]
    assert WebhookEvent.objects.get(organisation=merchant_org).source_id == appeal.pk


def test_a_good_faith_membership_change_is_an_event_for_the_holder(brand_a, subscribe):
    subscribe(brand_a.organisation, URL, event_types=["good_faith.membership_changed"])
    staff = factories.UserFactory(is_superuser=True)
    run_on_commit(membership_grant, rights_holder_id=brand_a.pk, actor=staff, reason="Vetted by the association.")
    (event,) = WebhookEvent.objects.filter(organisation=brand_a.organisation)
    assert event.type == "good_faith.membership_changed" and event.source == "membership_change"


def test_with_no_subscription_an_announcement_is_one_query(brand_a, subscribe):
    subscription, _ = subscribe(brand_a.organisation, URL)
    webhook_subscription_update(subscription_id=subscription.pk, actor=subscription.created_by, active=False)
    ids = list(ItemEvent.objects.values_list("pk", flat=True)) or [1, 2, 3]
    with CaptureQueriesContext(connection) as queries:
        events_announce("item_event", ids)
    assert len(queries) == 1 and "webhooksubscription" in queries[0]["sql"]
    assert WebhookEvent.objects.count() == 0


def test_a_turned_off_subscription_gets_no_events(brand_a, owner_a, asset_a, listing, subscribe):
    on, _ = subscribe(brand_a.organisation, URL)
    off, _ = subscribe(brand_a.organisation, URL + "/2")
    webhook_subscription_update(subscription_id=off.pk, actor=off.created_by, active=False)
    file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    assert WebhookDelivery.objects.filter(subscription=on).count() == 2
    assert WebhookDelivery.objects.filter(subscription=off).count() == 0
    # One event per change and organisation, whatever the number of its subscriptions.
    assert WebhookEvent.objects.count() == 2


def test_a_change_rolled_back_leaves_no_event(brand_a, owner_a, asset_a, listing, reviewer, subscribe, monkeypatch):
    subscribe(brand_a.organisation, URL)
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    before = WebhookEvent.objects.count()

    class Boom(Exception):
        pass

    def misuse_fails(**kwargs):
        raise Boom  # after the move and its events were written, in the same transaction

    monkeypatch.setitem(policies.REGISTRY._registered, "misuse_evaluate", misuse_fails)
    with pytest.raises(Boom):
        lifecycle.notice_item_reject(
            item_id=item.pk, actor=reviewer, reason="Not infringing.", manifestly_unfounded=True
        )
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW
    assert WebhookEvent.objects.count() == before


def test_a_failing_fan_out_neither_blocks_nor_undoes_the_change(
    brand_a, owner_a, asset_a, listing, reviewer, subscribe, monkeypatch, caplog
):
    subscribe(brand_a.organisation, URL)
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted

    def broken(source, ids):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_webhooks")

    monkeypatch.setattr(fanout, "source_fan_out", broken)
    before = WebhookEvent.objects.count()
    run_on_commit(lifecycle.notice_item_reject, item_id=item.pk, actor=reviewer, reason="Not infringing.")
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED
    assert item.events.filter(action="rejected").exists()
    assert WebhookEvent.objects.count() == before
    assert "Could not announce" in caplog.text


def test_the_set_filing_fans_out_in_constant_statements(brand_a, owner_a, asset_a, store, subscribe):
    subscribe(brand_a.organisation, URL)
    counts = {}
    for size in (2, 8):
        drafts = [draft(factories.ListingFactory(store=store), asset_a) for _ in range(size)]
        with CaptureQueriesContext(connection) as queries:
            file_notice(owner_a, brand_a, drafts)
        counts[size] = sum(1 for q in queries if "webhook" in q["sql"].lower())
    assert counts[2] == counts[8] == 3  # the gate, the events, the deliveries
    assert WebhookEvent.objects.count() == 2 * (2 + 8)


@pytest.mark.postgres
def test_the_deadline_sweep_fans_out_its_batch_in_two_statements(db, subscribe, merchant_org):
    needs_postgres()
    now = timezone.now()
    counts = {}
    for size in (3, 90):
        ids = due_items_bulk_create(size, deadline=now - timedelta(minutes=1))
        holder_org = NoticeItem.objects.get(pk=ids[0]).notice.rights_holder.organisation
        subscribe(holder_org, URL, event_types=["notice_item.upheld_no_counter_notice"])
        with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks():
            assert sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=1000) == size
        counts[size] = sum(1 for q in queries if "webhook" in q["sql"].lower())
        events = WebhookEvent.objects.filter(organisation=holder_org)
        assert events.count() == size
        assert set(events.values_list("source_id", flat=True)) == set(
            ItemEvent.objects.filter(item_id__in=ids, action="upheld_no_counter_notice").values_list("pk", flat=True)
        )
        assert WebhookDelivery.objects.filter(event__organisation=holder_org).count() == size
    assert counts[3] == counts[90] == 3


@pytest.mark.postgres
def test_the_sweep_without_subscriptions_adds_one_query(db):
    needs_postgres()
    now = timezone.now()
    due_items_bulk_create(20, deadline=now - timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks():
        assert sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=1000) == 20
    webhook_queries = [q["sql"] for q in queries if "webhook" in q["sql"].lower()]
    assert len(webhook_queries) == 1 and WebhookEvent.objects.count() == 0


def test_an_agent_whose_letter_was_revoked_hears_no_more(brand_a, asset_a, store, reviewer, subscribe):
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Former Law Firm")
    letter = factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    lawyer = factories.member_of(agent, role="owner")
    subscribe(agent, URL)
    (item,) = file_notice(
        lawyer, brand_a, [draft(factories.ListingFactory(store=store), asset_a)], acting_organisation=agent
    ).accepted
    assert len(_events(agent)) == 2
    letter.revoked_at = timezone.now()
    letter.save(update_fields=["revoked_at"])
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    assert len(_events(agent)) == 2, "no longer on the holder's side: it is told nothing more"


def test_a_vetting_partner_hears_about_the_notices_it_filed(brand_a, asset_a, listing, subscribe):
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Anti-Fake Association")
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    subscribe(org, URL)
    file_notice(factories.member_of(org), brand_a, [draft(listing, asset_a)], partner=partner)
    assert _events(org)[0] == "notice_item.submitted" and len(_events(org)) == 2
