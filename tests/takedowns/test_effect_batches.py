"""Effects carried out in batches: a fixed number of queries, the ladder as one at a time, failures isolated.

Items are upheld through the real lifecycle and their effects run by the real
runner (``effects.items_effects_run``), many items in one call as a sweep's
chunk runs them. The batches of real worker processes, killed mid-batch, are in
``test_penalty_worker_kill.py``.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import AuditLogEntry
from takedowns import effects, penalties, sweep
from takedowns.effects import items_effects_run
from takedowns.models import (
    Effect,
    EffectKind,
    EffectStatus,
    Notification,
    Penalty,
    PublicRegisterEntry,
    Reimbursement,
    RestrictionKind,
    Sanction,
    StatementOfReasons,
)
from tests import factories
from tests.bulk import due_items_bulk_create
from tests.services import needs_postgres
from tests.takedowns.test_penalties import uphold, uphold_on


def _upheld_items(owner, brand, reviewer, stores, *, asset=None, infringement_type="counterfeit", orders=1):
    """One upheld item on each of ``stores`` (a new listing with ``orders`` orders), effects left pending."""
    return [
        uphold(
            owner, brand, reviewer, store, asset=asset, infringement_type=infringement_type, orders=orders, run=False
        )
        for store in stores
    ]


def _store_with_a_merchant_member():
    merchant_org = factories.OrganisationFactory(kind="merchant")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    factories.member_of(merchant_org, role="owner")
    return store


def _merchant_notification(item):
    """What the merchant side was told of the item's decision."""
    event = item.events.get(to_status="upheld")
    return Notification.objects.get(source=f"event-{event.pk}", recipient__memberships__organisation__kind="merchant")


def _queries(func):
    with CaptureQueriesContext(connection) as captured, TestCase.captureOnCommitCallbacks(execute=True):
        result = func()
    # The test's own transaction turns each of the runner's transactions into a savepoint: those are left out.
    return result, [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


# --- a fixed number of queries ------------------------------------------------------


# Per kind of effect: the claim (its rows, then the stamp), the run (its rows locked, the rows marked
# done) and the handler's own reads and writes, a few per kind and one insert per table; the claim
# that finds no reversal to run; the e-mails after the notifications' commit (claim, rows, marked sent).
BATCH_QUERIES = 48


def test_a_batch_of_effects_is_a_fixed_number_of_queries_whatever_its_size(owner_a, brand_a, reviewer):
    """Pinned: the queries of carrying out the effects of 2 or 12 upheld items (each item's listing taken
    down, its penalty and warning with its statement, its buyer reimbursed, both sides notified and
    e-mailed) are the same, one batch per kind of effect whatever the number of items."""
    counts = {}
    for size in (2, 12):
        items = _upheld_items(owner_a, brand_a, reviewer, [_store_with_a_merchant_member() for _ in range(size)])
        done, queries = _queries(lambda items=items: items_effects_run([item.pk for item in items]))
        # The routing's notification (the receipt covers it: no message); the acceptance's listing mark and
        # notification; the decision's delisting, penalty, reimbursement and notification.
        assert done == 7 * size
        counts[size] = queries
        assert Penalty.objects.filter(item__in=items).count() == size
        assert Sanction.objects.filter(penalty__item__in=items, kind="warning").count() == size
        assert Reimbursement.objects.filter(item__in=items).count() == size
        # The holder's owner and the merchant's, of the acceptance and of the decision, each e-mailed.
        assert Notification.objects.filter(item__in=items, emailed_at__isnull=False).count() == 4 * size
    assert len(counts[2]) == len(counts[12]) == BATCH_QUERIES, "\n".join(counts[12])


def test_a_sweeps_chunk_of_effects_is_the_same_few_queries_for_twenty_items_or_a_hundred(db):
    """The sweep's own chunks (one holder, asset and store, whose points pass the closure either way)."""
    needs_postgres()
    counts = {}
    for size in (20, 100):
        now = timezone.now()
        due_items_bulk_create(size, deadline=now, infringement_types=["trademark_misuse"])
        with TestCase.captureOnCommitCallbacks():
            moved = sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=1000)
        assert moved == size
        item_ids = list(Effect.objects.filter(status=EffectStatus.PENDING).values_list("item_id", flat=True).distinct())
        done, queries = _queries(lambda item_ids=item_ids: items_effects_run(item_ids))
        assert done == 3 * size  # delist, penalise, notify
        counts[size] = len(queries)
    assert counts[20] == counts[100], counts


# --- the ladder, as one effect at a time -----------------------------------------------------------


def _ladder(store):
    return list(Sanction.objects.filter(store=store).order_by("pk").values_list("kind", "level", "penalty__item"))


def test_a_batch_climbs_a_stores_ladder_as_its_items_would_one_at_a_time(owner_a, brand_a, reviewer):
    """Eight counterfeits of different rights on each of two stores: one store's effects run item by item,
    the other's in one batch. The steps, the items that cross them, the statements and the register agree."""
    alone, together = _store_with_a_merchant_member(), _store_with_a_merchant_member()
    by_one = _upheld_items(owner_a, brand_a, reviewer, [alone] * 8)
    by_batch = _upheld_items(owner_a, brand_a, reviewer, [together] * 8)
    for item in by_one:
        items_effects_run([item.pk])
    items_effects_run([item.pk for item in by_batch])

    position = {item.pk: n for items in (by_one, by_batch) for n, item in enumerate(items)}
    steps = {
        store: [(kind, level, position[item]) for kind, level, item in _ladder(store)] for store in (alone, together)
    }
    assert (
        steps[alone]
        == steps[together]
        == [
            ("warning", "6", 0),
            ("restriction", "12", 1),
            ("restriction", "24", 3),
            ("restriction", "36", 5),
            ("closure", "48", 7),
            ("ban", "48", 7),
        ]
    )

    def statements(items):
        rows = StatementOfReasons.objects.filter(item__in=items).exclude(restriction=RestrictionKind.LISTING_REMOVED)
        return sorted(
            (position[s.item_id], s.restriction, s.facts.replace(f"Item {s.item_id} ", "Item # ")) for s in rows
        )

    assert statements(by_one) == statements(by_batch)
    assert {entry.store for entry in PublicRegisterEntry.objects.all()} == {alone, together}
    reasons = {entry.store: entry.reason for entry in PublicRegisterEntry.objects.all()}
    assert reasons[alone] == reasons[together]
    for store in (alone, together):
        store.refresh_from_db()
        assert store.status == "closed"
    # The merchant's notification of the closing decision names the store's closure in both cases.
    for items in (by_one, by_batch):
        body = _merchant_notification(items[7]).body
        assert "closed" in body and "deposit" in body


def test_three_counterfeits_of_one_right_in_one_batch_close_the_store_on_the_third(owner_a, brand_a, reviewer, store):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    items = _upheld_items(owner_a, brand_a, reviewer, [store] * 3, asset=asset)
    items_effects_run([item.pk for item in items])
    assert [(kind, level) for kind, level, _ in _ladder(store)] == [
        ("warning", "6"),
        ("restriction", "12"),
        ("closure", "repeat"),
        ("ban", "repeat"),
    ]
    assert Sanction.objects.get(kind="closure").penalty.item == items[2]
    assert "3 upheld counterfeit complaints about the same right" in PublicRegisterEntry.objects.get().reason


def test_a_late_batch_dates_everything_at_each_decision(owner_a, brand_a, reviewer, store):
    items = _upheld_items(owner_a, brand_a, reviewer, [store] * 2)
    with time_machine.travel(max(item.decided_at for item in items) + timedelta(days=10)):
        items_effects_run([item.pk for item in items])
    for item in items:
        penalty = Penalty.objects.get(item=item)
        assert (penalty.awarded_at, penalty.expires_at) == (item.decided_at, item.decided_at + timedelta(days=365))
        assert Reimbursement.objects.get(item=item).created_at == item.decided_at
    assert [s.starts_at for s in Sanction.objects.order_by("pk")] == [item.decided_at for item in items]


def test_two_items_on_one_listing_in_one_batch_reimburse_each_order_once(owner_a, brand_a, reviewer, store):
    first = uphold(owner_a, brand_a, reviewer, store, orders=2, run=False)
    second = uphold_on(first.listing, owner_a, brand_a, reviewer, run=False)
    items_effects_run([first.pk, second.pk])
    assert sorted(Reimbursement.objects.values_list("item_id", flat=True)) == [first.pk, first.pk]
    assert Reimbursement.objects.filter(amount=Decimal("42.50")).count() == 2


# --- a failing effect is its own ---------------------------------------------------------------


@pytest.fixture
def one_poisoned(monkeypatch):
    """The penalty handler fails for one item (a ledger that cannot take that store), whatever it is batched with."""
    real = penalties.effects_penalise
    poisoned = {}

    def handler(batch):
        if any(effect.item_id == poisoned.get("item") for effect in batch):
            raise ConnectionError("the penalty ledger refused this store")
        return real(batch)

    # effects.PHASES names the handler by path: the runner finds this one.
    monkeypatch.setattr(penalties, "effects_penalise", handler)
    return poisoned


def test_one_failing_effect_does_not_fail_or_roll_back_its_batch_mates(owner_a, brand_a, reviewer, one_poisoned):
    stores = [_store_with_a_merchant_member() for _ in range(4)]
    items = _upheld_items(owner_a, brand_a, reviewer, stores)
    one_poisoned["item"] = items[1].pk

    items_effects_run([item.pk for item in items])

    poisoned = Effect.objects.get(item=items[1], kind=EffectKind.PENALISE)
    assert (poisoned.status, poisoned.attempts, poisoned.claimed_at) == (EffectStatus.PENDING, 1, None)
    assert poisoned.last_error == "ConnectionError: the penalty ledger refused this store"
    assert poisoned.next_attempt_at is not None
    # Everything else is done, the poisoned item's other effects included, each once.
    rest = Effect.objects.filter(item__in=items).exclude(pk=poisoned.pk)
    assert set(rest.values_list("status", "attempts")) == {(EffectStatus.DONE, 1)}
    assert sorted(Penalty.objects.values_list("item_id", flat=True)) == sorted(i.pk for i in items if i != items[1])
    assert Sanction.objects.count() == 3
    assert AuditLogEntry.objects.filter(action="takedowns.penalty.awarded").count() == 3
    assert not Sanction.objects.filter(store=stores[1]).exists()


def test_a_failing_effect_backs_off_and_gives_up_alone_in_its_batches(
    owner_a, brand_a, reviewer, one_poisoned, settings
):
    settings.TAKEDOWN_EFFECT_MAX_ATTEMPTS = 2
    items = _upheld_items(owner_a, brand_a, reviewer, [_store_with_a_merchant_member() for _ in range(3)])
    one_poisoned["item"] = items[0].pk
    items_effects_run([item.pk for item in items])
    poisoned = Effect.objects.get(item=items[0], kind=EffectKind.PENALISE)
    with time_machine.travel(poisoned.next_attempt_at, tick=False):
        # More upheld items batched with it: they are done, it gives up.
        later = _upheld_items(owner_a, brand_a, reviewer, [_store_with_a_merchant_member() for _ in range(2)])
        items_effects_run([item.pk for item in [*items, *later]])
    poisoned.refresh_from_db()
    assert (poisoned.status, poisoned.attempts) == (EffectStatus.FAILED, 2)
    assert AuditLogEntry.objects.filter(action="takedowns.effect.failed").count() == 1
    assert Penalty.objects.count() == 4
    assert not Effect.objects.exclude(pk=poisoned.pk).exclude(status=EffectStatus.DONE).exists()


def test_the_batch_runs_kinds_in_order_listings_penalties_reimbursements_notifications(owner_a, brand_a, reviewer):
    """Notifications last: the merchant's outcome message names the store-level statement its penalty wrote."""
    items = _upheld_items(owner_a, brand_a, reviewer, [_store_with_a_merchant_member() for _ in range(2)])
    order = []
    for phase in effects.PHASES:
        order += list(phase.kinds)
    assert order.index(EffectKind.PENALISE) < order.index(EffectKind.NOTIFY)
    items_effects_run([item.pk for item in items])
    for item in items:
        merchant_side = _merchant_notification(item)
        assert "formal warning" in merchant_side.body


# --- the indexes the runner and the re-send use --------------------------------------------------


def _swept_effects(count):
    """``count`` upheld items whose effects the sweep wrote and nobody ran yet (3 per item), among as many done.

    The table's statistics are those of before the sweep: many effects, hardly any pending.
    """
    now = timezone.now()
    due_items_bulk_create(count, deadline=now, infringement_types=["trademark_misuse"])
    with TestCase.captureOnCommitCallbacks():
        sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=count)
    Effect.objects.update(status=EffectStatus.DONE, done_at=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE takedowns_effect")
    due_items_bulk_create(count, deadline=now, infringement_types=["trademark_misuse"])
    with TestCase.captureOnCommitCallbacks():
        sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=now, batch_size=count)
    return now


def test_stale_effects_are_found_by_their_partial_indexes_not_by_reading_every_pending_row(db):
    """The re-send (beat, every minute, also at the end of every sweep) reads the few stale rows only."""
    needs_postgres()
    now = _swept_effects(1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE takedowns_effect")
    plan = effects.effects_stale(now=now).values_list("item_id", flat=True).distinct()[:5000].explain()
    for index in ("effect_unsent_idx", "effect_sent_idx", "effect_retry_idx"):
        assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_claim_goes_by_item_even_with_statistics_from_before_a_sweep(db):
    """No index of all pending rows tempts the planner while its statistics say hardly any are pending."""
    needs_postgres()
    _swept_effects(1000)
    pending = Effect.objects.filter(status=EffectStatus.PENDING)
    item_ids = list(pending.values_list("item_id", flat=True).distinct().order_by("item_id")[:200])
    claim = effects.effects_claimable(now=timezone.now(), item_ids=item_ids, kinds=[EffectKind.PENALISE], limit=500)
    plan = claim.explain()
    assert "takedowns_effect_item_id" in plan or "effect_unique_item_kind_key" in plan, plan
    for index in ("effect_unsent_idx", "effect_sent_idx", "effect_retry_idx", "effect_failed_idx"):
        assert index not in plan, plan
