"""A notice from filing to penalty through a real Celery worker process on Redis and PostgreSQL.

Nothing is set by hand: the notice is filed through ``notice_submit``, a
reviewer accepts it, time moves past the 72-hour window, the deadline sweep
upholds the item, and a real worker (``celery -A portal worker``) carries out
every effect the moves sent after commit: the listing marked then taken
down, the notifications, the penalty, the reimbursement of the buyer.

Moving time: time-machine patches the clock of this process only; the
worker is another process on the real clock. So the test runs the sweep
itself (as beat would when the window has passed) inside
``time_machine.travel``: the sweep sees the window closed, upholds the item
and, after its commit, sends the effects task; the worker then carries the
effects out on its own clock. Sending ``takedowns.tasks.sweep_deadlines`` to
the worker instead would sweep at the worker's real "now", 72 hours too
early, and find nothing due.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group

from listings.models import ListingStatus
from portal.roles import ensure_platform_groups
from takedowns import lifecycle
from takedowns.effects import effects_resend_stale
from takedowns.models import (
    Effect,
    EffectKind,
    EffectStatus,
    ItemEvent,
    ItemStatus,
    Notification,
    Penalty,
    Reimbursement,
    RestrictionKind,
    Sanction,
    StatementOfReasons,
)
from takedowns.notices import notice_submit
from takedowns.sweep import deadlines_sweep
from takedowns.tasks import run_item_effects
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft
from tests.workers import broker_sender, celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_broker(redis_broker):
    needs_postgres()
    return redis_broker


@pytest.fixture
def world():
    # Transactional tests flush the groups the data migration made.
    ensure_platform_groups()
    brand = factories.RightsHolderFactory(legal_name="Brand A")
    merchant = factories.MerchantFactory(legal_name="Shady Goods Ltd")
    store = factories.StoreFactory(merchant=merchant)
    listing = factories.ListingFactory(store=store, title="ACME sneakers, cheap")
    reviewer = factories.UserFactory()
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    return {
        "brand": brand,
        "owner": factories.member_of(brand.organisation, role="owner"),
        "asset": factories.IPAssetFactory(rights_holder=brand, name="ACME"),
        "merchant_user": factories.member_of(merchant.organisation, role="owner"),
        "listing": listing,
        "order": factories.OrderFactory(listing=listing),
        "reviewer": reviewer,
    }


def not_done(item_id):
    return Effect.objects.filter(item_id=item_id).exclude(status=EffectStatus.DONE)


def wait_until_effects_done(item_id, message, worker):
    wait_for(
        lambda: not not_done(item_id).exists(),
        timeout=300,
        interval=0.2,
        message=message,
        seen=lambda: f"effects not done: {sorted(not_done(item_id).values_list('kind', 'status'))}",
        worker=worker,
    )


def effect_tasks_succeeded(worker):
    return re.findall(r"run_items?_effects\[[^\]]+\] succeeded", worker.log())


def effect_task_results(worker):
    """What each finished run_item_effects task returned (how many effects it ran), from the worker log."""
    return [int(n) for n in re.findall(r"run_item_effects\[[^\]]+\] succeeded in [\d.]+s: (\d+)", worker.log())]


def listing_status(listing):
    listing.refresh_from_db(fields=["status"])
    return listing.status


def test_notice_runs_from_filing_to_penalty_through_a_real_worker(redis_broker, world, tmp_path):
    listing = world["listing"]
    with celery_worker(redis_broker, var_dir=tmp_path / "var") as worker:
        # 1. Filed on the web: standard track, waiting for a reviewer; the filer gets a receipt.
        receipt = notice_submit(
            actor=world["owner"],
            rights_holder=world["brand"],
            acting_organisation=world["brand"].organisation,
            data=dict(NOTICE_DATA),
            drafts=[draft(listing, world["asset"], infringement_type="counterfeit")],
        )
        (item,) = receipt.accepted
        assert item.status == ItemStatus.PENDING_REVIEW
        wait_until_effects_done(item.pk, "the filing's effects", worker)
        assert listing_status(listing) == ListingStatus.LIVE

        # 2. A reviewer accepts: the 72-hour window opens, the listing is marked under complaint.
        item = lifecycle.notice_item_accept(item_id=item.pk, actor=world["reviewer"])
        wait_until_effects_done(item.pk, "the acceptance's effects", worker)
        assert listing_status(listing) == ListingStatus.UNDER_COMPLAINT
        assert Notification.objects.filter(recipient=world["merchant_user"], item=item).exists()

        # 3. The window passes without a counter-notice; the sweep (here, where the clock moved) upholds.
        assert item.counter_notice_deadline == item.opened_at + timedelta(hours=settings.TAKEDOWN_COUNTER_NOTICE_HOURS)
        with time_machine.travel(item.counter_notice_deadline - timedelta(minutes=1), tick=False):
            assert deadlines_sweep()["upheld"] == 0  # a minute early: nothing is due
        with time_machine.travel(item.counter_notice_deadline + timedelta(minutes=1), tick=False):
            assert deadlines_sweep()["upheld"] == 1

        # 4. The worker carries out what the sweep sent after its commit.
        wait_for(
            lambda: listing_status(listing) == ListingStatus.TAKEN_DOWN,
            timeout=300,
            interval=0.2,
            message="the listing to be taken down",
            seen=lambda: f"listing {listing_status(listing)}",
            worker=worker,
        )
        wait_for(
            lambda: Penalty.objects.filter(item=item).exists(),
            timeout=300,
            interval=0.2,
            message="a penalty",
            seen=lambda: f"effects not done: {sorted(not_done(item.pk).values_list('kind', 'status'))}",
            worker=worker,
        )
        wait_until_effects_done(item.pk, "every effect of the upheld item", worker)

        # The worker did the work: the filing's, the acceptance's and the sweep's effects tasks ran there.
        # (A task logs its success after its last commit, so the log may trail the rows a moment.)
        wait_for(
            lambda: len(effect_tasks_succeeded(worker)) >= 3,
            timeout=300,
            message="the filing's, the acceptance's and the sweep's effects tasks to succeed in the worker",
            seen=lambda: f"succeeded: {effect_tasks_succeeded(worker)}",
            worker=worker,
        )

        # 5. Nothing is left for a re-send, and the effects task sent again does nothing.
        later = item.counter_notice_deadline + timedelta(hours=1, seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS)
        assert effects_resend_stale(now=later) == 0
        finished = len(effect_task_results(worker))
        with broker_sender(redis_broker) as sender:
            sender.send_task(run_item_effects.name, args=[item.pk])
        wait_for(
            lambda: len(effect_task_results(worker)) > finished,
            timeout=300,
            interval=0.2,
            message=f"a finished effects task after the {finished} before",
            seen=lambda: f"{len(effect_task_results(worker))} finished",
            worker=worker,
        )
        assert effect_task_results(worker)[-1] == 0, "the repeated task did work again"

    item.refresh_from_db()
    assert item.status == ItemStatus.UPHELD
    assert item.decision_generation == 1
    assert item.automated_decision is True
    assert list(ItemEvent.objects.filter(item=item).order_by("id").values_list("from_status", "to_status")) == [
        ("", "submitted"),
        ("submitted", "pending_review"),
        ("pending_review", "awaiting_counter_notice"),
        ("awaiting_counter_notice", "upheld"),
    ]
    assert set(Effect.objects.filter(item=item).values_list("kind", "status")) == {
        (EffectKind.NOTIFY, EffectStatus.DONE),
        (EffectKind.MARK_UNDER_COMPLAINT, EffectStatus.DONE),
        (EffectKind.DELIST, EffectStatus.DONE),
        (EffectKind.PENALISE, EffectStatus.DONE),
        (EffectKind.REIMBURSE, EffectStatus.DONE),
    }

    # The penalty: once, counterfeit points, live; the ladder's first step (a warning at 6 points).
    (penalty,) = Penalty.objects.filter(item=item)
    assert penalty.decision_generation == 1
    assert penalty.points == settings.PENALTY_POINTS["counterfeit"]
    assert penalty.reversed_at is None
    assert penalty.store_id == listing.store_id
    assert Sanction.objects.filter(penalty=penalty, kind="warning").count() == 1
    # The buyer of the counterfeit listing is owed the order amount.
    (reimbursement,) = Reimbursement.objects.filter(item=item)
    assert reimbursement.order_id == world["order"].pk
    assert reimbursement.amount == world["order"].amount

    # Statements of reasons: the automated takedown decision, with its ground and redress.
    statement = StatementOfReasons.objects.get(
        item=item, decision_generation=1, restriction=RestrictionKind.LISTING_REMOVED
    )
    assert statement.automated_decision is True
    assert "ACME" in statement.ground
    assert statement.redress

    # Both sides were told at each step: one row per recipient and move, none twice.
    sources = {
        f"event-{pk}" for pk in ItemEvent.objects.filter(item=item).exclude(from_status="").values_list("pk", flat=True)
    }
    upheld_source = f"event-{ItemEvent.objects.get(item=item, to_status='upheld').pk}"
    for user in (world["owner"], world["merchant_user"]):
        told = set(Notification.objects.filter(recipient=user, item=item).values_list("source", flat=True))
        assert upheld_source in told, f"{user} was not told of the outcome"
        assert told <= sources, f"{user} was told of something that did not happen: {told - sources}"
    assert Notification.objects.filter(recipient=world["owner"], source=f"notice-{item.notice_id}-receipt").exists(), (
        "the filer got no receipt"
    )
