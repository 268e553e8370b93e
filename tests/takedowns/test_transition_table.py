"""lifecycle's transition table is the rule: the trigger, the pages and the migrations follow from it."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.utils import InternalError
from django.utils import timezone

from takedowns import lifecycle
from takedowns.lifecycle import ALLOWED_MOVES, TRANSITION_PAIRS, TRANSITIONS, actions_available
from takedowns.models import FINAL_STATUSES, ItemStatus, NoticeItem
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice, run_on_commit

S = ItemStatus


class _Undo(Exception):
    pass


def test_the_derived_moves_are_the_tables_and_finals_move_only_on_appeal_or_audit():
    assert set(ALLOWED_MOVES) == set(S)
    assert ALLOWED_MOVES[S.WITHDRAWN] == set() and ALLOWED_MOVES[S.INVALID] == set()
    for source, target in TRANSITION_PAIRS:
        assert any(source in t.sources and t.target == target for t in TRANSITIONS.values())
    out_of_final = {t.action for t in TRANSITIONS.values() if t.sources & FINAL_STATUSES}
    assert out_of_final == {"reversed_to_dismissed", "reversed_to_upheld", "reopened_on_appeal", "audit_reversed"}


def test_the_migrations_carry_the_tables_trigger(db):
    # The trigger's pairs come from the table; a table edit without its migration fails here (and in CI).
    call_command("makemigrations", "takedowns", "--check", "--dry-run", verbosity=0)


@pytest.fixture
def pending(owner_a, brand_a, asset_a, listing):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    return item


def test_postgres_refuses_a_bulk_update_the_table_does_not_allow(pending):
    needs_postgres()
    refused = 'Invalid transition of field "status" from "pending_review" to "upheld"'
    with pytest.raises(InternalError, match=refused), transaction.atomic():
        NoticeItem.objects.filter(pk=pending.pk).update(status=S.UPHELD)
    pending.refresh_from_db()
    assert pending.status == S.PENDING_REVIEW
    assert not pending.events.filter(to_status=S.UPHELD).exists()


def test_postgres_lets_through_exactly_the_tables_pairs(pending, store, asset_a):
    needs_postgres()
    now = timezone.now()
    for source in S:
        item = NoticeItem.objects.create(
            notice=pending.notice,
            listing=factories.ListingFactory(store=store),
            ip_asset=asset_a,
            infringement_type="counterfeit",
            explanation="Fake logo.",
            status=source,  # inserted in any status: the trigger guards moves, not first statuses
            status_changed_at=now,
        )
        for target in set(S) - {source}:
            try:
                with transaction.atomic():
                    NoticeItem.objects.filter(pk=item.pk).update(status=target)
                    raise _Undo  # allowed: roll the move back, the item stays at its source
            except _Undo:
                allowed = True
            except InternalError:
                allowed = False
            assert allowed == ((source, target) in TRANSITION_PAIRS), f"{source} -> {target}"


def test_a_verb_runs_through_the_trigger_unhindered(pending, reviewer):
    # The verbs make only moves the table allows, so the trigger never stands in their way.
    item = run_on_commit(lifecycle.notice_item_accept, item_id=pending.pk, actor=reviewer)
    assert item.status == S.AWAITING_COUNTER_NOTICE


def test_pages_offer_what_the_table_allows_each_side_now(pending, reviewer, owner_a, merchant_user):
    now = timezone.now()
    assert actions_available(pending, reviewer, now=now) == ["accepted", "rejected"]
    assert actions_available(pending, owner_a, now=now) == ["withdrawn"]
    assert actions_available(pending, merchant_user, now=now) == []
    item = run_on_commit(lifecycle.notice_item_accept, item_id=pending.pk, actor=reviewer)
    assert actions_available(item, merchant_user, now=now) == ["counter_noticed"]
    # The window's end is the table's guard too: after it, nothing is offered to the merchant.
    assert actions_available(item, merchant_user, now=item.counter_notice_deadline) == []
    # A standard-track item is not for a quality audit: the reviewer has nothing to do here.
    assert actions_available(item, reviewer, now=now) == []
    assert actions_available(item, owner_a, now=now + timedelta(days=10)) == ["withdrawn"]
