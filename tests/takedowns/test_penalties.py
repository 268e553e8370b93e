"""The penalty ladder: points, each threshold exactly once, expiry, repeat infringers, bans, reversal,
reimbursements and the public register. Items are upheld through the real lifecycle and their
effects run by the real effect runner (effects.item_effects_run)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from listings.models import StoreStatus
from listings.services import listing_create, merchant_register
from portal.identity import identity_hash
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.effects import effect_run, item_effects_run
from takedowns.models import (
    BannedIdentity,
    Effect,
    EffectKind,
    EffectStatus,
    IdentityKind,
    Penalty,
    PublicRegisterEntry,
    Reimbursement,
    RestrictionKind,
    Sanction,
    SanctionKind,
    StatementOfReasons,
)
from takedowns.notices import notice_submit
from takedowns.penalties import effect_penalise, effect_reimburse, effect_reverse_penalty, store_restrictions_lift
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft


def uphold(owner, brand, reviewer, store, *, asset=None, infringement_type="counterfeit", orders=0, run=True):
    """File, accept and let the window lapse on a new listing of `store`; run the item's effects."""
    listing = factories.ListingFactory(store=store)
    for _ in range(orders):
        factories.OrderFactory(listing=listing, amount=Decimal("42.50"))
    return uphold_on(listing, owner, brand, reviewer, asset=asset, infringement_type=infringement_type, run=run)


def uphold_on(listing, owner, brand, reviewer, *, asset=None, infringement_type="counterfeit", run=True):
    """File, accept and let the window lapse on `listing`; run the item's effects."""
    asset = asset or factories.IPAssetFactory(rights_holder=brand)
    receipt = notice_submit(
        actor=owner,
        rights_holder=brand,
        acting_organisation=brand.organisation,
        data=dict(NOTICE_DATA),
        drafts=[draft(listing, asset, infringement_type=infringement_type)],
    )
    (item,) = receipt.accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    assert lifecycle.notice_item_uphold_by_default(item_id=item.pk, now=timezone.now() + timedelta(hours=73))
    if run:
        item_effects_run(item.pk)
    item.refresh_from_db()
    return item


def close_by_repeat(owner, brand, reviewer, store):
    """Three upheld counterfeits of one right: the repeat-infringer rule closes the store."""
    asset = factories.IPAssetFactory(rights_holder=brand)
    return [uphold(owner, brand, reviewer, store, asset=asset) for _ in range(3)]


def ladder(store):
    return list(Sanction.objects.filter(store=store).order_by("pk").values_list("kind", "level"))


def effect_of(item, kind):
    return Effect.objects.get(item=item, kind=kind)


@pytest.fixture
def world(owner_a, brand_a, reviewer, store):
    def up(**kwargs):
        return uphold(owner_a, brand_a, reviewer, store, **kwargs)

    return up


# --- points and the ladder ---------------------------------------------------------------


def test_first_counterfeit_awards_six_points_expiring_in_a_year_and_a_warning(world, store):
    item = world()
    penalty = Penalty.objects.get(item=item)
    assert (penalty.points, penalty.decision_generation, penalty.store) == (6, item.decision_generation, store)
    assert penalty.expires_at == penalty.awarded_at + timedelta(days=365)
    assert ladder(store) == [("warning", "6")]
    store.refresh_from_db()
    assert store.status == StoreStatus.ACTIVE  # a warning restricts nothing
    statement = StatementOfReasons.objects.get(item=item, restriction=RestrictionKind.STORE_WARNING)
    assert statement.automated_decision and "from 0 to 6" in statement.facts
    assert AuditLogEntry.objects.filter(action="takedowns.penalty.awarded", object_id=str(penalty.pk)).exists()
    assert AuditLogEntry.objects.filter(action="takedowns.sanction.warning").count() == 1


def test_points_follow_the_infringement_type(world):
    assert Penalty.objects.get(item=world(infringement_type="trademark_misuse")).points == 4
    assert Penalty.objects.get(item=world(infringement_type="patent")).points == 2


def test_twelve_points_bar_new_listings_for_seven_days_and_the_warning_does_not_repeat(world, store):
    world()
    second = world()
    assert ladder(store) == [("warning", "6"), ("restriction", "12")]
    restriction = Sanction.objects.get(store=store, kind=SanctionKind.RESTRICTION)
    assert restriction.ends_at - restriction.starts_at == timedelta(days=7)
    store.refresh_from_db()
    assert (store.status, store.restricted_until) == (StoreStatus.RESTRICTED, restriction.ends_at)
    statement = StatementOfReasons.objects.get(item=second, restriction=RestrictionKind.STORE_RESTRICTED)
    assert statement.restriction_ends_at == restriction.ends_at
    assert AuditLogEntry.objects.filter(action="listings.store.restricted", object_id=str(store.pk)).count() == 1

    with pytest.raises(ValidationError) as refused:
        listing_create(store=store, external_id="NEW-1", title="Sneakers", category="shoes", price=Decimal("10"))
    assert f"until {restriction.ends_at:%Y-%m-%d %H:%M} UTC" in refused.value.messages[0]


def test_each_threshold_fires_once_up_to_closure_with_deposit_ban_and_register(world, store):
    sibling = factories.StoreFactory(merchant=store.merchant, region="Guangdong")
    items = [world() for _ in range(8)]  # 6 points each, every one against a different right
    assert ladder(store) == [
        ("warning", "6"),
        ("restriction", "12"),
        ("restriction", "24"),
        ("restriction", "36"),
        ("closure", "48"),
        ("ban", "48"),
    ]
    days = [
        (s.ends_at - s.starts_at).days
        for s in Sanction.objects.filter(store=store, kind=SanctionKind.RESTRICTION).order_by("pk")
    ]
    assert days == [7, 14, 21]
    # Each step is caused by the penalty that crossed it.
    crossing = dict(Sanction.objects.filter(store=store).values_list("level", "penalty__item"))
    assert crossing == {"6": items[0].pk, "12": items[1].pk, "24": items[3].pk, "36": items[5].pk, "48": items[7].pk}

    closure = Sanction.objects.get(store=store, kind=SanctionKind.CLOSURE)
    assert closure.deposit_confiscated == store.security_deposit == Decimal("5000.00")
    store.refresh_from_db()
    sibling.refresh_from_db()
    assert (store.status, store.restricted_until) == (StoreStatus.CLOSED, None)
    assert sibling.status == StoreStatus.BANNED
    merchant = store.merchant
    assert set(BannedIdentity.objects.filter(lifted_at=None).values_list("kind", "identity_hash")) == {
        (IdentityKind.LICENCE, identity_hash(merchant.business_licence_number)),
        (IdentityKind.PHONE, identity_hash(merchant.contact_phone)),
        (IdentityKind.PAYOUT, store.payout_account_hash),
        (IdentityKind.PAYOUT, sibling.payout_account_hash),
    }
    entry = PublicRegisterEntry.objects.get()
    assert (entry.store, entry.store_name, entry.region, entry.sanction) == (store, store.name, "Zhejiang", closure)
    restrictions = set(
        StatementOfReasons.objects.filter(item=items[7])
        .exclude(restriction="listing_removed")
        .values_list("restriction", flat=True)
    )
    assert restrictions == {RestrictionKind.STORE_CLOSED, RestrictionKind.MERCHANT_BANNED}

    # Closed is the last step: a ninth upheld item records its points and nothing else.
    ninth = world()
    assert Penalty.objects.get(item=ninth).points == 6
    assert Sanction.objects.count() == 6


def test_points_expire_after_365_days(world, store):
    start = timezone.now()
    world()
    with time_machine.travel(start + timedelta(days=366)):
        world()
        # Only 6 points are live: the 12-point restriction is not reached; 6 is crossed anew.
        assert ladder(store) == [("warning", "6"), ("warning", "6")]
        store.refresh_from_db()
        assert store.status == StoreStatus.ACTIVE
    with time_machine.travel(start + timedelta(days=400)):
        world()
        assert ladder(store)[-1] == ("restriction", "12")


def test_ended_restriction_is_lifted_by_the_sweep_once(world, store):
    world()
    world()
    store.refresh_from_db()
    until = store.restricted_until
    assert store_restrictions_lift(now=until - timedelta(seconds=1)) == 0
    assert store_restrictions_lift(now=until) == 1
    assert store_restrictions_lift(now=until) == 0
    store.refresh_from_db()
    assert (store.status, store.restricted_until) == (StoreStatus.ACTIVE, None)
    assert AuditLogEntry.objects.filter(action="listings.store.active", object_id=str(store.pk)).count() == 1


def test_later_restriction_extends_the_earlier_one(world, store):
    for _ in range(4):
        world()  # 24 points: the 14-day restriction overlaps the 7-day one
    store.refresh_from_db()
    longest = Sanction.objects.get(store=store, level="24")
    assert store.restricted_until == longest.ends_at
    assert store_restrictions_lift(now=longest.starts_at + timedelta(days=8)) == 0


# --- repeat infringer --------------------------------------------------------------------


def test_three_upheld_counterfeits_of_one_right_within_a_year_close_the_store(owner_a, brand_a, reviewer, store):
    items = close_by_repeat(owner_a, brand_a, reviewer, store)
    assert ladder(store) == [("warning", "6"), ("restriction", "12"), ("closure", "repeat"), ("ban", "repeat")]
    assert Sanction.objects.get(kind=SanctionKind.CLOSURE).penalty.item == items[2]
    store.refresh_from_db()
    assert store.status == StoreStatus.CLOSED
    assert "3 upheld counterfeit complaints about the same right" in PublicRegisterEntry.objects.get().reason


def test_repeat_counterfeits_spread_over_more_than_a_year_do_not_close(owner_a, brand_a, reviewer, store):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    start = timezone.now()
    uphold(owner_a, brand_a, reviewer, store, asset=asset)
    with time_machine.travel(start + timedelta(days=200)):
        uphold(owner_a, brand_a, reviewer, store, asset=asset)
    with time_machine.travel(start + timedelta(days=370)):
        uphold(owner_a, brand_a, reviewer, store, asset=asset)
    assert not Sanction.objects.filter(kind=SanctionKind.CLOSURE).exists()


def test_other_infringement_types_do_not_count_as_repeat_counterfeits(owner_a, brand_a, reviewer, store):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    for _ in range(3):
        uphold(owner_a, brand_a, reviewer, store, asset=asset, infringement_type="trademark_misuse")
    assert not Sanction.objects.filter(kind=SanctionKind.CLOSURE).exists()


# --- banned identities -------------------------------------------------------------------


def test_banned_merchant_cannot_register_again_with_licence_phone_or_payout(owner_a, brand_a, reviewer, store):
    close_by_repeat(owner_a, brand_a, reviewer, store)
    merchant = store.merchant
    fresh = {
        "legal_name": "Brand New Trading",
        "business_licence_number": "BL-NEW-1",
        "contact_phone": "+44 20 7946 0000",
        "store_name": "New Store",
        "payout_account": "GB00NEWBANK0001",
        "region": "London",
        "city": "London",
    }
    cases = {
        # Spaced and lower-cased differently: the hash normalises.
        "business_licence_number": merchant.business_licence_number.lower().replace("-", " "),
        "contact_phone": merchant.contact_phone[:3] + " " + merchant.contact_phone[3:],
    }
    for field, value in cases.items():
        with pytest.raises(ValidationError) as refused:
            merchant_register(**{**fresh, field: value})
        assert list(refused.value.message_dict) == [field]
        assert "permanently banned" in refused.value.message_dict[field][0]
    assert AuditLogEntry.objects.filter(action="listings.merchant.registration_refused").count() == 2
    assert merchant_register(**fresh).stores.get().status == StoreStatus.ACTIVE


def test_banned_payout_account_is_refused(owner_a, brand_a, reviewer, settings):
    merchant = factories.MerchantFactory()
    store = factories.StoreFactory(merchant=merchant, payout_account_hash=identity_hash("NL91 ABNA 0417 1643 00"))
    close_by_repeat(owner_a, brand_a, reviewer, store)
    with pytest.raises(ValidationError) as refused:
        merchant_register(
            legal_name="Other Ltd",
            business_licence_number="BL-OTHER",
            contact_phone="+1 555 0100",
            store_name="Other",
            payout_account="NL91ABNA0417164300",
            region="Noord-Holland",
            city="Amsterdam",
        )
    assert list(refused.value.message_dict) == ["payout_account"]


# --- reversal ----------------------------------------------------------------------------


def test_reversal_removes_penalty_sanctions_ban_and_register_entry(owner_a, brand_a, reviewer, senior_reviewer, store):
    items = close_by_repeat(owner_a, brand_a, reviewer, store)
    factories.OrderFactory(listing=items[2].listing)
    item_effects_run(items[2].pk)  # nothing pending: no new reimbursement either
    last = items[2]
    lifecycle.notice_item_reverse(
        item_id=last.pk, actor=senior_reviewer, reason="Invoice proves it genuine.", appeal_id=None
    )
    item_effects_run(last.pk)

    penalty = Penalty.objects.get(item=last)
    assert penalty.reversed_at is not None and penalty.reversal_reason == "Invoice proves it genuine."
    assert {(s.kind, s.reversed_at is not None) for s in Sanction.objects.filter(penalty=penalty)} == {
        ("closure", True),
        ("ban", True),
    }
    assert not BannedIdentity.objects.filter(lifted_at=None).exists()
    assert not PublicRegisterEntry.objects.exists()  # removed, not hidden
    store.refresh_from_db()
    # The first two penalties still hold: 12 live points, the 7-day restriction.
    assert store.status == StoreStatus.RESTRICTED
    assert AuditLogEntry.objects.filter(action="takedowns.penalty.reversed").count() == 1
    assert AuditLogEntry.objects.filter(action="takedowns.sanction.closure.reversed").count() == 1

    # Running the reversal again changes nothing.
    audit_count = AuditLogEntry.objects.count()
    effect_reverse_penalty(effect_of(last, EffectKind.REVERSE_PENALTY))
    assert AuditLogEntry.objects.count() == audit_count


def test_reversing_one_of_two_bans_keeps_the_merchant_banned(owner_a, brand_a, reviewer, senior_reviewer, store):
    first = close_by_repeat(owner_a, brand_a, reviewer, store)
    sibling = factories.StoreFactory(merchant=store.merchant)
    close_by_repeat(owner_a, brand_a, reviewer, sibling)
    lifecycle.notice_item_reverse(item_id=first[2].pk, actor=senior_reviewer, reason="Genuine.", appeal_id=None)
    item_effects_run(first[2].pk)
    live = BannedIdentity.objects.filter(lifted_at=None)
    assert set(live.values_list("kind", flat=True)) == {"licence", "phone", "payout"}
    assert live.filter(identity_hash=store.payout_account_hash).exists()
    store.refresh_from_db()
    sibling.refresh_from_db()
    assert (store.status, sibling.status) == (StoreStatus.BANNED, StoreStatus.CLOSED)
    assert list(PublicRegisterEntry.objects.values_list("store", flat=True)) == [sibling.pk]


def test_reversal_cancels_reimbursements(owner_a, brand_a, reviewer, senior_reviewer, store):
    item = uphold(owner_a, brand_a, reviewer, store, orders=2)
    assert Reimbursement.objects.filter(item=item, cancelled_at=None).count() == 2
    lifecycle.notice_item_reverse(item_id=item.pk, actor=senior_reviewer, reason="Genuine goods.", appeal_id=None)
    item_effects_run(item.pk)
    assert Reimbursement.objects.filter(item=item, cancelled_at=None).count() == 0
    store.refresh_from_db()
    assert store.status == StoreStatus.ACTIVE


def test_reversing_one_of_two_upheld_counterfeits_on_a_listing_keeps_its_buyers_reimbursed(
    owner_a, brand_a, reviewer, senior_reviewer, store
):
    first = uphold(owner_a, brand_a, reviewer, store, orders=1)
    (order,) = first.listing.orders.all()
    second = uphold_on(first.listing, owner_a, brand_a, reviewer)
    # One live reimbursement per order: the second decision found the order covered.
    assert list(Reimbursement.objects.filter(cancelled_at=None).values_list("item", flat=True)) == [first.pk]

    lifecycle.notice_item_reverse(item_id=first.pk, actor=senior_reviewer, reason="Genuine goods.", appeal_id=None)
    item_effects_run(first.pk)
    (live,) = Reimbursement.objects.filter(cancelled_at=None)
    assert (live.item_id, live.order_id, live.amount) == (second.pk, order.pk, order.amount)
    assert live.created_at == second.decided_at  # dated at the decision that still stands
    assert Reimbursement.objects.filter(item=first, cancelled_at__isnull=False).count() == 1


def test_decision_reversed_before_its_penalty_ran_earns_no_points(owner_a, brand_a, reviewer, senior_reviewer, store):
    item = uphold(owner_a, brand_a, reviewer, store, orders=1, run=False)
    lifecycle.notice_item_reverse(item_id=item.pk, actor=senior_reviewer, reason="Genuine goods.", appeal_id=None)
    item_effects_run(item.pk)
    assert not Penalty.objects.exists()
    assert not Reimbursement.objects.exists()
    assert not Effect.objects.filter(item=item).exclude(status=EffectStatus.DONE).exists()


def test_upheld_again_after_reversal_is_a_new_penalty(owner_a, brand_a, reviewer, senior_reviewer, store):
    item = uphold(owner_a, brand_a, reviewer, store)
    lifecycle.notice_item_reverse(item_id=item.pk, actor=senior_reviewer, reason="Genuine goods.", appeal_id=None)
    item_effects_run(item.pk)
    other_senior = factories.UserFactory()
    other_senior.groups.add(*senior_reviewer.groups.all())
    lifecycle.notice_item_reverse(item_id=item.pk, actor=other_senior, reason="The invoice was forged.", appeal_id=None)
    item_effects_run(item.pk)
    penalties = list(Penalty.objects.filter(item=item).order_by("decision_generation"))
    # The first penalty is removed; the decision of generation 3 earns a live one.
    assert [(p.decision_generation, p.reversed_at is None) for p in penalties] == [(1, False), (3, True)]


# --- exactly once ------------------------------------------------------------------------


def test_running_the_penalty_twice_makes_nothing_twice(world, store):
    world()
    item = world()
    effect = effect_of(item, EffectKind.PENALISE)
    assert effect.status == EffectStatus.DONE
    counts = (Penalty.objects.count(), Sanction.objects.count(), StatementOfReasons.objects.count())
    audit_count = AuditLogEntry.objects.count()

    assert effect_run(effect.pk) is False  # done already
    assert effect_penalise(effect) == Penalty.objects.get(item=item)  # even called directly
    assert (Penalty.objects.count(), Sanction.objects.count(), StatementOfReasons.objects.count()) == counts
    assert AuditLogEntry.objects.count() == audit_count


def test_reimbursements_once_per_order(world):
    item = world(orders=3)
    rows = Reimbursement.objects.filter(item=item)
    assert sorted(rows.values_list("amount", flat=True)) == [Decimal("42.50")] * 3
    assert effect_reimburse(effect_of(item, EffectKind.REIMBURSE)) == 0
    assert rows.count() == 3
    factories.OrderFactory(listing=item.listing)  # a late-arriving order record is covered on a re-run
    assert effect_reimburse(effect_of(item, EffectKind.REIMBURSE)) == 1
    assert Reimbursement.objects.values("order").distinct().count() == rows.count() == 4


def test_only_counterfeits_are_reimbursed(world):
    item = world(infringement_type="trademark_misuse", orders=2)
    assert not Effect.objects.filter(item=item, kind=EffectKind.REIMBURSE).exists()
    assert not Reimbursement.objects.exists()


# --- public register ---------------------------------------------------------------------


def test_public_register_lists_closed_stores_without_login_or_personal_data(
    client, owner_a, brand_a, reviewer, store, django_assert_num_queries
):
    close_by_repeat(owner_a, brand_a, reviewer, store)
    other = factories.StoreFactory(name="Second Shady Shop", region="Fujian")
    close_by_repeat(owner_a, brand_a, reviewer, other)
    with django_assert_num_queries(3):  # the removals by source, then count + page, however many entries
        response = client.get("/register/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in (store.name, "Zhejiang", "Second Shady Shop", "Fujian", "Stores closed for counterfeiting"):
        assert text in body
    merchant = store.merchant
    for private in (merchant.legal_name, merchant.business_licence_number, merchant.contact_phone):
        assert private not in body


def test_public_register_is_empty_after_reversal(client, owner_a, brand_a, reviewer, senior_reviewer, store):
    items = close_by_repeat(owner_a, brand_a, reviewer, store)
    lifecycle.notice_item_reverse(item_id=items[2].pk, actor=senior_reviewer, reason="Genuine.", appeal_id=None)
    item_effects_run(items[2].pk)
    body = client.get("/register/").content.decode()
    assert store.name not in body and "No store is on the register." in body


# --- dated at the decision, whenever the worker runs ------------------------------------


def test_a_late_worker_dates_everything_at_the_decision_not_when_it_ran(owner_a, brand_a, reviewer, store):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    items = [uphold(owner_a, brand_a, reviewer, store, asset=asset, orders=1, run=False) for _ in range(3)]
    decided = {item.pk: item.decided_at for item in items}
    assert len(set(decided.values())) == 3
    with time_machine.travel(max(decided.values()) + timedelta(days=10)):  # the worker is ten days behind
        for item in items:
            item_effects_run(item.pk)

    for penalty in Penalty.objects.all():
        assert penalty.awarded_at == decided[penalty.item_id]
        assert penalty.expires_at == decided[penalty.item_id] + timedelta(days=365)
    for sanction in Sanction.objects.select_related("penalty"):
        assert sanction.starts_at == decided[sanction.penalty.item_id], sanction.kind
    restriction = Sanction.objects.get(kind=SanctionKind.RESTRICTION)
    assert restriction.ends_at == decided[items[1].pk] + timedelta(days=7)
    closed_at = decided[items[2].pk]
    assert set(BannedIdentity.objects.values_list("created_at", flat=True)) == {closed_at}
    assert PublicRegisterEntry.objects.get().listed_at == closed_at
    assert {r.item_id: r.created_at for r in Reimbursement.objects.all()} == decided
    closure_statement = StatementOfReasons.objects.get(item=items[2], restriction=RestrictionKind.STORE_CLOSED)
    assert closure_statement.decided_at == closed_at
    store.refresh_from_db()
    assert store.status == StoreStatus.CLOSED


def test_a_restriction_that_ended_before_the_worker_ran_does_not_restrict_the_store(world, store):
    world()
    second = world(run=False)
    with time_machine.travel(second.decided_at + timedelta(days=8)):
        item_effects_run(second.pk)
    restriction = Sanction.objects.get(kind=SanctionKind.RESTRICTION)
    assert (restriction.starts_at, restriction.ends_at) == (second.decided_at, second.decided_at + timedelta(days=7))
    store.refresh_from_db()
    assert (store.status, store.restricted_until) == (StoreStatus.ACTIVE, None)


def test_points_expire_365_days_after_the_decision_even_when_the_worker_ran_late(world, store):
    first = world(run=False)
    with time_machine.travel(first.decided_at + timedelta(days=30)):  # a month late
        item_effects_run(first.pk)
    assert Penalty.objects.get(item=first).expires_at == first.decided_at + timedelta(days=365)
    # A year and a day after the first decision: its points no longer count, though they were
    # awarded by a worker less than a year before.
    with time_machine.travel(first.decided_at + timedelta(days=366) - timedelta(hours=73)):
        world()
    assert ladder(store) == [("warning", "6"), ("warning", "6")]


def test_a_late_reversal_is_dated_at_the_appeal_decision(owner_a, brand_a, reviewer, senior_reviewer, store):
    item = uphold(owner_a, brand_a, reviewer, store, orders=1)
    reversed_at = item.decided_at + timedelta(days=2)
    lifecycle.notice_item_reverse(
        item_id=item.pk, actor=senior_reviewer, reason="Genuine goods.", appeal_id=None, now=reversed_at
    )
    with time_machine.travel(reversed_at + timedelta(days=5)):
        item_effects_run(item.pk)
    penalty = Penalty.objects.get(item=item)
    assert penalty.reversed_at == reversed_at
    assert set(Sanction.objects.filter(penalty=penalty).values_list("reversed_at", flat=True)) == {reversed_at}
    assert Reimbursement.objects.get(item=item).cancelled_at == reversed_at
