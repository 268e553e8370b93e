"""Races on one item, and sweepers sharing a sweep: real threads, each with its own PostgreSQL connection.

Effects are recorded instead of sent (the broker is not what these tests are about);
everything else (locks, SKIP LOCKED, the verbs, the set-based sweep) is the real thing.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count

from portal.errors import TransitionError
from portal.models import AuditLogEntry
from takedowns import effects, lifecycle, sweep
from takedowns.models import CounterNotice, Effect, EffectKind, ItemEvent, ItemStatus, NoticeItem, StatementOfReasons
from tests import factories
from tests.bulk import due_items_bulk_create
from tests.holding import holding
from tests.racing import WAIT_FOR_THE_OTHER, Worker
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice
from tests.takedowns.test_sweep import COUNTER_NOTICE

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKED = 1.0  # seconds a thread waiting on a row lock is given to show it is really waiting


@pytest.fixture(autouse=True)
def _platform_groups(db):
    # A transactional test's flush also empties the groups the migrations created.
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()


@pytest.fixture
def dispatched(monkeypatch):
    """Item ids whose effects were sent after commit, one entry per sending."""
    sent = []
    lock = threading.Lock()

    def record(item_ids):
        with lock:
            sent.extend(item_ids)

    monkeypatch.setattr(effects, "effects_dispatch", record)
    monkeypatch.setattr(sweep, "effects_dispatch_in_chunks", record)
    return sent


@pytest.fixture
def awaiting(owner_a, brand_a, asset_a, store, reviewer, dispatched):
    """An item in its counter-notice window, through the real filing and acceptance."""

    def make():
        listing = factories.ListingFactory(store=store)
        (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
        item.refresh_from_db()
        return item

    return make


@pytest.fixture
def adjudication_item(awaiting, merchant_user, owner_a):
    item = awaiting()
    lifecycle.notice_item_counter_notice(
        item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE)
    )
    lifecycle.notice_item_reply(item_id=item.pk, actor=owner_a, statement="The goods are fakes; see the test buy.")
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_ADJUDICATION
    return item


def _second_reviewer():
    from django.contrib.auth.models import Group

    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def test_two_reviewers_deciding_one_item_at_once_exactly_one_wins(adjudication_item, reviewer):
    needs_postgres()
    other = _second_reviewer()
    done, release = threading.Event(), threading.Event()
    first = Worker(
        holding(
            lambda: lifecycle.notice_item_uphold(item_id=adjudication_item.pk, actor=reviewer, reason="Fakes."),
            reached=done,
            release=release,
        )
    )
    first.start()
    assert done.wait(WAIT_FOR_THE_OTHER), "the first thread never took its lock"
    second = Worker(
        lambda: lifecycle.notice_item_dismiss(item_id=adjudication_item.pk, actor=other, reason="Genuine goods.")
    )
    second.start()
    second.join(BLOCKED)
    assert second.is_alive(), "the second decision must wait for the first one's row lock"
    release.set()
    first.finish()
    second.finish()
    assert first.error is None
    assert isinstance(second.error, TransitionError)
    assert "upheld" in str(second.error)
    adjudication_item.refresh_from_db()
    assert adjudication_item.status == ItemStatus.UPHELD
    assert adjudication_item.decided_by == reviewer
    assert adjudication_item.events.filter(from_status=ItemStatus.PENDING_ADJUDICATION).count() == 1


def test_two_reviewers_racing_on_many_items_never_both_win(awaiting, merchant_user, owner_a, reviewer):
    needs_postgres()
    other = _second_reviewer()
    items = []
    for _ in range(8):
        item = awaiting()
        lifecycle.notice_item_counter_notice(
            item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE)
        )
        lifecycle.notice_item_reply(item_id=item.pk, actor=owner_a, statement="Fakes.")
        items.append(item)
    for item in items:
        barrier = threading.Barrier(2)

        def decide(verb, actor, item_id=item.pk, barrier=barrier):
            barrier.wait(WAIT_FOR_THE_OTHER)
            return verb(item_id=item_id, actor=actor, reason="Decided.")

        threads = [
            Worker(lambda: decide(lifecycle.notice_item_uphold, reviewer)),
            Worker(lambda: decide(lifecycle.notice_item_dismiss, other)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.finish()
        errors = [t.error for t in threads if t.error is not None]
        assert len(errors) == 1 and isinstance(errors[0], TransitionError)
        item.refresh_from_db()
        assert item.status in {ItemStatus.UPHELD, ItemStatus.DISMISSED}
        assert item.events.filter(from_status=ItemStatus.PENDING_ADJUDICATION).count() == 1


def test_a_counter_notice_arriving_while_the_sweeper_holds_the_item_is_refused(awaiting, merchant_user):
    needs_postgres()
    item = awaiting()
    deadline = item.counter_notice_deadline
    last_second = deadline - timedelta(seconds=1)  # the merchant's clock: inside the window
    done, release = threading.Event(), threading.Event()
    sweeper = Worker(
        holding(
            lambda: sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=deadline, batch_size=100),
            reached=done,
            release=release,
        )
    )
    sweeper.start()
    assert done.wait(WAIT_FOR_THE_OTHER), "the first thread never took its lock"
    # Filed in the last second of the window: in time, but the sweeper already holds the row.
    merchant = Worker(
        lambda: lifecycle.notice_item_counter_notice(
            item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE), now=last_second
        )
    )
    merchant.start()
    merchant.join(BLOCKED)
    assert merchant.is_alive(), "the counter-notice must wait for the sweeper's row lock"
    release.set()
    sweeper.finish()
    merchant.finish()
    assert sweeper.result == 1
    assert isinstance(merchant.error, TransitionError)
    assert "no longer possible" in str(merchant.error)
    item.refresh_from_db()
    assert item.status == ItemStatus.UPHELD
    assert not CounterNotice.objects.filter(item=item).exists()


def test_the_sweeper_steps_around_an_item_a_counter_notice_is_being_filed_on(awaiting, merchant_user):
    needs_postgres()
    item, neighbour = awaiting(), awaiting()
    deadline = max(item.counter_notice_deadline, neighbour.counter_notice_deadline)
    NoticeItem.objects.filter(pk=item.pk).update(counter_notice_deadline=deadline)
    last_second = deadline - timedelta(seconds=1)  # the merchant's clock: inside the window
    done, release = threading.Event(), threading.Event()
    merchant = Worker(
        holding(
            lambda: lifecycle.notice_item_counter_notice(
                item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE), now=last_second
            ),
            reached=done,
            release=release,
        )
    )
    merchant.start()
    assert done.wait(WAIT_FOR_THE_OTHER), "the first thread never took its lock"
    # SKIP LOCKED: the sweep neither waits for the merchant nor overwrites the item; it does the rest.
    sweeper = Worker(lambda: sweep.deadlines_sweep(now=deadline))
    sweeper.start()
    sweeper.finish()  # it must not wait for the merchant, who is held until it is done
    assert sweeper.error is None
    assert sweeper.result["upheld"] == 1
    release.set()
    merchant.finish()
    assert merchant.error is None
    item.refresh_from_db()
    neighbour.refresh_from_db()
    assert item.status == ItemStatus.COUNTER_NOTICED
    assert neighbour.status == ItemStatus.UPHELD
    # The next sweep does not uphold a counter-noticed item.
    assert sweep.deadlines_sweep(now=deadline + timedelta(minutes=1))["upheld"] == 0
    item.refresh_from_db()
    assert item.status == ItemStatus.COUNTER_NOTICED


def test_counter_notices_racing_a_sweep_each_item_has_exactly_one_outcome(awaiting, merchant_user):
    needs_postgres()
    items = [awaiting() for _ in range(12)]
    deadline = max(i.counter_notice_deadline for i in items)
    NoticeItem.objects.filter(pk__in=[i.pk for i in items]).update(counter_notice_deadline=deadline)
    last_second = deadline - timedelta(seconds=1)  # the merchant's clock: inside the window
    barrier = threading.Barrier(2)

    def file_all():
        barrier.wait(WAIT_FOR_THE_OTHER)
        outcomes = {}
        for item in reversed(items):  # from the other end than the sweeper
            try:
                lifecycle.notice_item_counter_notice(
                    item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE), now=last_second
                )
                outcomes[item.pk] = "filed"
            except TransitionError:
                outcomes[item.pk] = "refused"
        return outcomes

    def sweep_all():
        barrier.wait(WAIT_FOR_THE_OTHER)
        return sweep.deadlines_sweep(now=deadline, batch_size=2)

    merchant, sweeper = Worker(file_all), Worker(sweep_all)
    merchant.start()
    sweeper.start()
    merchant.finish()
    sweeper.finish()
    assert merchant.error is None and sweeper.error is None
    filed = {pk for pk, outcome in merchant.result.items() if outcome == "filed"}
    statuses = dict(NoticeItem.objects.filter(pk__in=[i.pk for i in items]).values_list("pk", "status"))
    for pk, status in statuses.items():
        if pk in filed:
            assert status == ItemStatus.COUNTER_NOTICED
            assert CounterNotice.objects.filter(item_id=pk).exists()
        else:
            assert status == ItemStatus.UPHELD
            assert not CounterNotice.objects.filter(item_id=pk).exists()
    assert sweeper.result["upheld"] == len(items) - len(filed)
    outcome_events = ItemEvent.objects.filter(
        item_id__in=statuses, to_status__in=[ItemStatus.UPHELD, ItemStatus.COUNTER_NOTICED]
    )
    assert Counter(outcome_events.values_list("item_id", flat=True)) == Counter(dict.fromkeys(statuses, 1))


def test_two_sweepers_share_2000_due_items_and_uphold_each_exactly_once(db, dispatched):
    needs_postgres()
    ids = due_items_bulk_create(2000)
    deadline = NoticeItem.objects.get(pk=ids[0]).counter_notice_deadline
    barrier = threading.Barrier(2)

    def sweeper():
        barrier.wait(WAIT_FOR_THE_OTHER)
        return sweep.deadlines_sweep(now=deadline + timedelta(seconds=1), batch_size=100)

    threads = [Worker(sweeper), Worker(sweeper)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.finish(timeout=300)
    assert [t.error for t in threads] == [None, None]
    assert sum(t.result["upheld"] for t in threads) == 2000
    assert NoticeItem.objects.filter(pk__in=ids, status=ItemStatus.UPHELD, decision_generation=1).count() == 2000

    def once_each(queryset, field="item_id"):
        counts = queryset.values(field).annotate(n=Count("id"))
        return len(counts) == 2000 and all(row["n"] == 1 for row in counts)

    assert once_each(ItemEvent.objects.filter(item_id__in=ids, to_status=ItemStatus.UPHELD))
    assert once_each(Effect.objects.filter(item_id__in=ids, kind=EffectKind.PENALISE))
    assert once_each(Effect.objects.filter(item_id__in=ids, kind=EffectKind.NOTIFY))
    assert once_each(StatementOfReasons.objects.filter(item_id__in=ids))
    assert once_each(
        AuditLogEntry.objects.filter(
            action="takedowns.item.upheld_no_counter_notice", object_id__in=[str(pk) for pk in ids]
        ),
        field="object_id",
    )
    # Each item's effects were sent once, after its batch committed.
    assert Counter(dispatched) == Counter(dict.fromkeys(ids, 1))


def test_two_filings_of_one_listing_and_asset_at_once_open_exactly_one_item(
    owner_a, brand_a, asset_a, store, dispatched
):
    """The partial unique index decides; the loser's item is kept as invalid and points to the winner."""
    needs_postgres()
    from takedowns.notices import notice_submit
    from tests.takedowns.conftest import NOTICE_DATA

    listings = [factories.ListingFactory(store=store) for _ in range(10)]
    barrier = threading.Barrier(2)

    def filing():
        barrier.wait()
        return notice_submit(
            actor=owner_a,
            rights_holder=brand_a,
            acting_organisation=brand_a.organisation,
            data=dict(NOTICE_DATA),
            drafts=[draft(x, asset_a) for x in listings],
        )

    threads = [Worker(filing) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.finish()
        assert thread.error is None, thread.error
    for listing in listings:
        items = NoticeItem.objects.filter(listing=listing, ip_asset=asset_a)
        assert items.count() == 2
        (opened,) = items.exclude(status=ItemStatus.INVALID)
        (refused,) = items.filter(status=ItemStatus.INVALID)
        assert f"item {opened.pk}" in refused.invalid_reason


@pytest.fixture
def slow_item_inserts():
    """Each inserted item row takes 2 ms, so two inserts of 50 rows started together overlap.

    A test-only trigger, dropped afterwards: without it the two statements take a
    millisecond each and only now and then overlap (the red team saw 2 deadlocks in 25 rounds).
    """
    needs_postgres()
    table = NoticeItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_slow_insert BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_slow_insert()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER test_slow_insert ON {table}")
        cursor.execute("DROP FUNCTION test_slow_insert()")


def test_two_notices_naming_the_same_listings_in_opposite_order_never_deadlock(
    owner_a, brand_a, asset_a, store, dispatched, slow_item_inserts, monkeypatch
):
    """Each filing inserts its items in one stable order, so neither waits on the other in a cycle.

    Before, the set filing inserted the items in line order: two notices naming the
    same 50 listings in opposite order each held half the index entries the other
    needed, and PostgreSQL ended one with ``deadlock detected`` (a 500). Both
    filings must succeed, and each listing be opened by exactly one item.
    """
    needs_postgres()
    from takedowns import routing
    from takedowns.notices import notice_submit
    from tests.takedowns.conftest import NOTICE_DATA

    insert = routing._items_insert
    door = {}
    passed = threading.local()

    def insert_together(items):
        # Both filings reach their insert of items together (the first time), whatever came before.
        if not getattr(passed, "door", False):
            passed.door = True
            door["barrier"].wait(WAIT_FOR_THE_OTHER)
        insert(items)

    monkeypatch.setattr(routing, "_items_insert", insert_together)
    for _ in range(3):
        listings = [factories.ListingFactory(store=store) for _ in range(50)]
        door["barrier"] = threading.Barrier(2)

        def filing(order):
            passed.door = False
            return notice_submit(
                actor=owner_a,
                rights_holder=brand_a,
                acting_organisation=brand_a.organisation,
                data=dict(NOTICE_DATA),
                drafts=[draft(x, asset_a) for x in order],
            )

        threads = [Worker(lambda ls=listings: filing(ls)), Worker(lambda ls=listings: filing(ls[::-1]))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.finish()
        assert [t.error for t in threads] == [None, None]
        receipts = [t.result for t in threads]
        assert sorted(len(r.accepted) + len(r.invalid) for r in receipts) == [50, 50]
        for listing in listings:
            items = NoticeItem.objects.filter(listing=listing, ip_asset=asset_a)
            assert items.exclude(status=ItemStatus.INVALID).count() == 1
            assert items.count() == 2


def test_a_filing_ended_by_a_deadlock_is_filed_again(owner_a, brand_a, asset_a, store, dispatched, monkeypatch):
    """The retry is the belt to the stable order's braces: with the items inserted in line order
    (as before), the filings deadlock, and the one PostgreSQL ends is filed again, not a 500.

    The deadlock is made certain, not left to timing (a loaded machine may run one insert to its end
    before the other starts): each filing first inserts its first line, and only once both hold that
    line's entry in the index of open items do they insert the rest, each towards the other's first.
    """
    needs_postgres()
    from portal import lock_conflicts
    from takedowns import routing
    from takedowns.notices import notice_submit
    from tests.takedowns.conftest import NOTICE_DATA

    door = threading.Barrier(2)
    passed = threading.local()

    def insert_in_line_order_crossing(items):
        if getattr(passed, "door", False):  # the filing again, after the deadlock: as it comes
            NoticeItem.objects.bulk_create(items)
            return
        passed.door = True
        NoticeItem.objects.bulk_create(items[:1])
        # A generous bound: the other thread may be slow to get here on a busy machine.
        door.wait(WAIT_FOR_THE_OTHER)
        NoticeItem.objects.bulk_create(items[1:])

    monkeypatch.setattr(routing, "_items_insert", insert_in_line_order_crossing)
    conflicts = []
    seen = lock_conflicts.lock_conflict

    def recorded(exc):
        if seen(exc):
            conflicts.append(exc)
            return True
        return False

    monkeypatch.setattr(lock_conflicts, "lock_conflict", recorded)
    listings = [factories.ListingFactory(store=store) for _ in range(50)]

    def filing(order):
        return notice_submit(
            actor=owner_a,
            rights_holder=brand_a,
            acting_organisation=brand_a.organisation,
            data=dict(NOTICE_DATA),
            drafts=[draft(x, asset_a) for x in order],
        )

    threads = [Worker(lambda: filing(listings)), Worker(lambda: filing(listings[::-1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.finish(timeout=WAIT_FOR_THE_OTHER * 2)
    assert [t.error for t in threads] == [None, None]
    assert conflicts, "the filings were meant to deadlock; the test no longer tests the retry"
    assert "deadlock detected" in str(conflicts[0])
    for listing in listings:
        items = NoticeItem.objects.filter(listing=listing, ip_asset=asset_a)
        assert items.exclude(status=ItemStatus.INVALID).count() == 1
        assert items.count() == 2
