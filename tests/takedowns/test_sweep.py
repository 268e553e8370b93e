"""The deadline sweep: set-based on PostgreSQL, the same rows as the single-item verbs, nothing lost."""

import dataclasses
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from listings.models import ListingStatus
from portal.celery import app as celery_app
from portal.models import AuditLogEntry
from takedowns import lifecycle, sweep
from takedowns.models import Effect, EffectKind, EffectStatus, ItemEvent, ItemStatus, NoticeItem, StatementOfReasons
from tests import factories
from tests.bulk import due_items_bulk_create
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice, run_on_commit

COUNTER_NOTICE = {
    "statement": "These are genuine goods bought from the brand's distributor.",
    "signature": "Mia Merchant",
    "contact_name": "Mia Merchant",
    "contact_address": "5 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "mia@shady.test",
    "accuracy_statement": True,
    "good_faith_mistake_statement": True,
    "consent_to_jurisdiction": True,
    "consent_to_service": True,
}


@pytest.fixture
def eager_tasks(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def accepted_item(owner_a, brand_a, asset_a, store, reviewer, eager_tasks):
    """An item whose counter-notice window opens now, through the real filing and acceptance."""

    def make(infringement_type="counterfeit", explanation="Fake logo."):
        listing = factories.ListingFactory(store=store)
        receipt = file_notice(
            owner_a, brand_a, [draft(listing, asset_a, infringement_type=infringement_type, explanation=explanation)]
        )
        (item,) = receipt.accepted
        run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
        item.refresh_from_db()
        return item

    return make


def _written_by_move(item, *, effects_after):
    """The rows one move wrote for ``item``, with its own ids replaced so two items compare equal."""
    item.refresh_from_db()
    event = item.events.order_by("-id").first()
    own = {"listing": item.listing_id, "event": event.pk}

    def norm(value):
        if isinstance(value, dict):
            return {k: (k.upper() if k in own and v == own[k] else norm(v)) for k, v in value.items()}
        if isinstance(value, str):
            return value.replace(f"event-{event.pk}", "event-EVENT").replace(f"Item {item.pk} ", "Item ITEM ")
        return value

    audit = AuditLogEntry.objects.filter(object_type="takedowns.noticeitem", object_id=str(item.pk)).latest("id")
    statements = list(
        StatementOfReasons.objects.filter(item=item, decision_generation=item.decision_generation).values()
    )
    for row in statements:
        assert row.pop("content_created_at") == item.listing.created_at
        for name in ("id", "puid", "item_id", "created_at"):
            row.pop(name)
    effects = list(
        Effect.objects.filter(item=item, id__gt=effects_after)
        .order_by("id")
        .values("kind", "key", "payload", "status", "attempts", "last_error", "dispatched_at", "done_at")
    )
    fields = [
        "status",
        "status_changed_at",
        "version",
        "took_down_listing",
        "automated_decision",
        "decided_at",
        "decided_by_id",
        "decision_generation",
    ]
    if item.status == ItemStatus.PENDING_ADJUDICATION:  # written by the move only when it queues the item
        fields += ["queued_at", "review_due_at"]
    return {
        "item": {name: getattr(item, name) for name in fields},
        "event": norm(
            {
                name: getattr(event, name)
                for name in ["at", "actor_id", "actor_label", "action", "from_status", "to_status", "reason", "data"]
            }
        ),
        "audit": norm(
            {
                name: getattr(audit, name)
                for name in [
                    "action",
                    "actor_id",
                    "actor_label",
                    "object_type",
                    "object_repr",
                    "organisation_id",
                    "ip_address",
                    "user_agent",
                    "data",
                ]
            }
        ),
        "statements": [norm(row) for row in statements],
        "effects": [norm(row) for row in effects],
    }


def _last_effect_id():
    return Effect.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_set_based_uphold_writes_the_same_rows_as_the_single_item_verb(accepted_item):
    needs_postgres()
    pairs = [(accepted_item(kind), accepted_item(kind)) for kind in ("counterfeit", "copyright")]
    now = pairs[0][0].counter_notice_deadline + timedelta(minutes=1)
    before = _last_effect_id()
    with TestCase.captureOnCommitCallbacks() as callbacks:
        for by_verb, _ in pairs:
            assert lifecycle.notice_item_uphold_by_default(item_id=by_verb.pk, now=now)
        moved = sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=100)
    assert moved == 2
    assert len(callbacks) == 3  # one per verb call, one for the whole batch
    for by_verb, by_set in pairs:
        expected = _written_by_move(by_verb, effects_after=before)
        assert expected["item"]["status"] == ItemStatus.UPHELD
        assert expected["statements"] and expected["effects"]
        assert _written_by_move(by_set, effects_after=before) == expected
    kinds = [e["kind"] for e in _written_by_move(pairs[0][1], effects_after=before)["effects"]]
    assert kinds == [EffectKind.DELIST, EffectKind.PENALISE, EffectKind.REIMBURSE, EffectKind.NOTIFY]


def test_set_based_uphold_carries_an_awkward_explanation_exactly_as_the_verb(accepted_item):
    """Quotes, backslashes, line breaks, tabs, JSON and a marker's digits reach the rows unchanged."""
    needs_postgres()
    explanation = (
        'Logo "N1ke" copied \\ badly.\n\tSecond line: {"event": -9182736401} \u00e9t\u00e9 \u2014 '
        f"{sweep.MARK_EXPLANATION[:-1]}"
    )
    by_verb, by_set = accepted_item(explanation=explanation), accepted_item(explanation=explanation)
    now = by_verb.counter_notice_deadline + timedelta(minutes=1)
    before = _last_effect_id()
    with TestCase.captureOnCommitCallbacks():
        assert lifecycle.notice_item_uphold_by_default(item_id=by_verb.pk, now=now)
        assert sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=100) == 1
    expected = _written_by_move(by_verb, effects_after=before)
    assert expected["statements"][0]["facts"].startswith(explanation + "\n\n")
    assert _written_by_move(by_set, effects_after=before) == expected


def test_a_batch_is_three_queries_whatever_its_size(db):
    """Claim, representatives, move: no query, and no Python row, per item (and, announcing the batch's
    events, ``portal.events``' one query finding that nobody subscribed to webhooks; announcing the items
    upheld, ``takedowns.announcements``, screening's one query finding that their listings have no pictures)."""
    needs_postgres()
    now = timezone.now()
    counts = {}
    for size in (3, 90):  # three infringement types, so three groups each time
        due_items_bulk_create(size, deadline=now - timedelta(minutes=1))
        with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks():
            assert sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=1000) == size
        counts[size] = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(counts[3]) == len(counts[90]) == 5
    assert "webhooksubscription" in counts[3][-2] and "webhooksubscription" in counts[90][-2]
    assert "listings_listingimage" in counts[3][-1] and "listings_listingimage" in counts[90][-1]


@pytest.mark.parametrize("kind", sweep.DEADLINES, ids=lambda kind: kind.name)
def test_the_claim_is_served_in_deadline_order_by_its_index_without_a_sort(db, kind):
    """The claim orders by the deadline alone, as its index (status, deadline) does: no sort of every due row.

    A test database is too small for the planner to prefer the index on its own; with
    sequential and bitmap scans off it takes the index, and any ORDER BY the index does
    not serve (the deadline and the id, say) shows as a Sort or Incremental Sort node.
    """
    needs_postgres()
    index = {"counter_notice_deadline": "item_cn_deadline_idx", "reply_deadline": "item_reply_deadline_idx"}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (FORMAT TEXT) " + sweep.due_items_claim_sql(kind), [kind.status, timezone.now(), 2000])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Scan using {index[kind.deadline]} on takedowns_noticeitem i" in plan, plan
    assert "Sort" not in plan, plan


def test_a_plan_that_varies_its_move_between_groups_is_moved_group_by_group(db):
    """The statement sets one status, reason and field values for all rows; differing plans each get their own."""
    needs_postgres()
    now = timezone.now()
    ids = due_items_bulk_create(30, deadline=now - timedelta(minutes=1))

    def plan_by_type(item):
        move = lifecycle.uphold_by_default_plan(item)
        move.reason = f"No counter-notice ({item.infringement_type})."
        return move

    kind = dataclasses.replace(sweep.DEADLINES[0], plan=plan_by_type)
    with TestCase.captureOnCommitCallbacks():
        assert sweep.deadline_batch_sweep(kind, now=now, batch_size=100) == 30
    for item in NoticeItem.objects.filter(pk__in=ids):
        assert item.status == ItemStatus.UPHELD
        event = item.events.get(to_status=ItemStatus.UPHELD)
        assert event.reason == f"No counter-notice ({item.infringement_type})."
        audit = AuditLogEntry.objects.get(object_type="takedowns.noticeitem", object_id=str(item.pk))
        assert audit.data["event"] == event.pk and audit.data["reason"] == event.reason
        assert Effect.objects.get(item=item, kind=EffectKind.NOTIFY).key == f"event-{event.pk}"


def test_a_batch_over_many_holders_assets_and_channels_gives_each_item_its_own_rows(db, monkeypatch):
    """Items of 6 holders, 18 assets and every type and channel: a few groups, each row its own ground and holder.

    The sweep plans one group per infringement type, decision generation and channel;
    what differs within a group (the legal ground naming the item's asset and holder, the
    holder's organisation) comes per row. Each row is checked against the single-item
    path's own functions, run on the item itself.
    """
    needs_postgres()
    from takedowns.reasons import ground_text
    from tests.bulk import mixed_due_items_bulk_create

    now = timezone.now()
    world = mixed_due_items_bulk_create(120, holders=6, assets=18, stores=10, deadline=now - timedelta(minutes=1))
    planned = []
    group_rows = sweep._group_rows
    monkeypatch.setattr(sweep, "_group_rows", lambda *args: planned.append(args[1].pk) or group_rows(*args))
    with TestCase.captureOnCommitCallbacks():
        assert sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=1000) == 120
    keys = {
        (item.infringement_type, item.notice.channel)
        for item in NoticeItem.objects.select_related("notice").filter(pk__in=world.ids)
    }
    assert len(planned) == len(keys) < 120
    items = NoticeItem.objects.select_related("notice__rights_holder", "ip_asset", "listing").filter(pk__in=world.ids)
    assert len({item.ip_asset_id for item in items}) > 10
    for item in items:
        assert item.status == ItemStatus.UPHELD and item.decision_generation == 1
        event = item.events.get(to_status=ItemStatus.UPHELD)
        (statement,) = StatementOfReasons.objects.filter(item=item)
        assert statement.ground == ground_text(item)
        assert statement.facts.startswith(item.explanation + "\n\n")
        assert statement.infringement_type == item.infringement_type
        assert statement.automated_detection == (item.notice.channel == "proactive")
        assert statement.store_id == item.listing.store_id
        audit = AuditLogEntry.objects.get(object_type="takedowns.noticeitem", object_id=str(item.pk))
        assert audit.organisation_id == item.notice.rights_holder.organisation_id
        assert audit.data["event"] == event.pk
        kinds = sorted(Effect.objects.filter(item=item).values_list("kind", flat=True))
        expected = [EffectKind.DELIST, EffectKind.NOTIFY, EffectKind.PENALISE]
        if item.infringement_type == "counterfeit":
            expected.append(EffectKind.REIMBURSE)
        assert kinds == sorted(expected)


def test_a_plan_that_reads_beyond_the_group_key_is_refused_and_writes_nothing(db):
    """A plan reading the item's asset would copy one item's asset onto its whole group: refused, loudly."""
    needs_postgres()
    now = timezone.now()
    ids = due_items_bulk_create(6, deadline=now - timedelta(minutes=1))

    def plan_naming_the_asset(item):
        move = lifecycle.uphold_by_default_plan(item)
        move.reason = f"No counter-notice about {item.ip_asset.name}."
        return move

    kind = dataclasses.replace(sweep.DEADLINES[0], plan=plan_naming_the_asset)
    with pytest.raises(RuntimeError, match="GROUP_KEY"):
        sweep.deadline_batch_sweep(kind, now=now, batch_size=100)
    assert set(NoticeItem.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        ItemStatus.AWAITING_COUNTER_NOTICE
    }
    assert not ItemEvent.objects.filter(item_id__in=ids, to_status=ItemStatus.UPHELD).exists()


def test_set_based_reply_lapse_writes_the_same_rows_as_the_single_item_verb(accepted_item, merchant_user):
    needs_postgres()
    items = [accepted_item(), accepted_item()]
    filed_at = items[0].opened_at + timedelta(hours=1)
    for item in items:
        run_on_commit(
            lifecycle.notice_item_counter_notice,
            item_id=item.pk,
            actor=merchant_user,
            counter_notice_fields=dict(COUNTER_NOTICE),
            now=filed_at,
        )
    now = filed_at + timedelta(hours=73)
    before = _last_effect_id()
    with TestCase.captureOnCommitCallbacks():
        assert lifecycle.notice_item_reply_lapse(item_id=items[0].pk, now=now)
        assert sweep.deadline_batch_sweep(sweep.DEADLINES[1], now=now, batch_size=100) == 1
    expected = _written_by_move(items[0], effects_after=before)
    assert expected["item"]["status"] == ItemStatus.PENDING_ADJUDICATION
    assert expected["item"]["review_due_at"] == now + timedelta(hours=24)
    assert _written_by_move(items[1], effects_after=before) == expected


def test_sweep_upholds_due_items_and_leaves_open_windows_alone(accepted_item):
    due, open_window = accepted_item(), accepted_item()
    now = due.counter_notice_deadline + timedelta(seconds=1)
    NoticeItem.objects.filter(pk=open_window.pk).update(counter_notice_deadline=now + timedelta(hours=1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = sweep.deadlines_sweep(now=now)
    assert counts["upheld"] == 1
    due.refresh_from_db()
    open_window.refresh_from_db()
    assert due.status == ItemStatus.UPHELD
    assert open_window.status == ItemStatus.AWAITING_COUNTER_NOTICE
    due.listing.refresh_from_db()
    assert due.listing.status == ListingStatus.TAKEN_DOWN
    # Run it twice: nothing more moves, no second event.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sweep.deadlines_sweep(now=now)["upheld"] == 0
    assert due.events.filter(to_status=ItemStatus.UPHELD).count() == 1


def test_a_worker_down_for_an_hour_catches_up_on_its_next_run(db):
    needs_postgres()
    now = timezone.now()
    long_ago = due_items_bulk_create(300, deadline=now - timedelta(minutes=65))
    recent = due_items_bulk_create(120, deadline=now - timedelta(minutes=1))
    later = due_items_bulk_create(30, deadline=now + timedelta(minutes=30))
    with TestCase.captureOnCommitCallbacks() as callbacks:
        counts = sweep.deadlines_sweep(now=now, batch_size=64)
    assert counts["upheld"] == 420
    assert len(callbacks) == 7  # ceil(420 / 64) batches, each sends its effects after commit
    assert NoticeItem.objects.filter(pk__in=long_ago + recent, status=ItemStatus.UPHELD).count() == 420
    assert NoticeItem.objects.filter(pk__in=later, status=ItemStatus.AWAITING_COUNTER_NOTICE).count() == 30
    assert ItemEvent.objects.filter(item_id__in=long_ago + recent, to_status=ItemStatus.UPHELD).count() == 420
    assert Effect.objects.filter(item_id__in=long_ago + recent, kind=EffectKind.PENALISE).count() == 420


def test_an_effect_whose_task_was_lost_is_sent_again_by_a_later_sweep(accepted_item, monkeypatch, settings):
    item = accepted_item()
    now = item.counter_notice_deadline + timedelta(seconds=1)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    from takedowns.tasks import run_item_effects, run_items_effects

    with monkeypatch.context() as broken:
        broken.setattr(run_item_effects, "apply_async", broker_down)
        broken.setattr(run_items_effects, "apply_async", broker_down)
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert sweep.deadlines_sweep(now=now)["upheld"] == 1
    delist = Effect.objects.get(item=item, kind=EffectKind.DELIST, key="gen-1")
    assert delist.status == EffectStatus.PENDING
    item.listing.refresh_from_db()
    assert item.listing.status == ListingStatus.UNDER_COMPLAINT

    # Before the re-send delay nothing is sent again (its first message may still be on its way).
    sent = []
    monkeypatch.setattr(sweep, "effects_resend_stale", _recording(sweep.effects_resend_stale, sent))
    sweep.deadlines_sweep(now=timezone.now())
    assert sent == [0]

    # The broker is back; a sweep after the delay finds the pending row and sends it.
    later = timezone.now() + timedelta(seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS + 1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = sweep.deadlines_sweep(now=later)
    assert counts["effects_resent"] >= 1
    delist.refresh_from_db()
    assert delist.status == EffectStatus.DONE
    item.listing.refresh_from_db()
    assert item.listing.status == ListingStatus.TAKEN_DOWN


def _recording(func, sent):
    def wrapper(**kwargs):
        result = func(**kwargs)
        sent.append(result)
        return result

    return wrapper


def test_the_sweep_lifts_a_listing_restriction_whose_time_is_up(db):
    """The beat's sweep calls the penalty ladder's lifting; nothing about it is optional or silent."""
    from listings.models import StoreStatus

    now = timezone.now()
    store = factories.StoreFactory(status=StoreStatus.RESTRICTED, restricted_until=now - timedelta(minutes=1))
    counts = sweep.deadlines_sweep(now=now)
    assert counts["restrictions_lifted"] == 1
    store.refresh_from_db()
    assert store.status == StoreStatus.ACTIVE
