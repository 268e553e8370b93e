"""Buyers of an upheld counterfeit listing are owed their money: one Reimbursement per order, dated at the decision.

One effect or a batch, the same code: the orders of every listing the batch names
are read in one query and the reimbursements written in one insert.
"""

from listings.models import Order
from portal.audit import audit_log_entry
from portal.bulk_insert import bulk_insert
from takedowns.models import InfringementType, ItemStatus, NoticeItem, Reimbursement
from takedowns.penalties.decisions import decision_times, decisions_reversed


def effects_reimburse(effects):
    """Record a reimbursement for every order not yet covered of each effect's listing.

    Returns {effect id: how many were new}.
    """
    effects = sorted(effects, key=lambda effect: effect.pk)
    items = (
        NoticeItem.objects.select_related("listing__store__merchant__organisation")
        .order_by()
        .in_bulk({effect.item_id for effect in effects})
    )
    decisions = [
        (effect, items[effect.item_id], effect.payload.get("generation"))
        for effect in effects
        if items[effect.item_id].infringement_type == InfringementType.COUNTERFEIT
    ]
    reversed_ = decisions_reversed({(item.pk, generation) for _, item, generation in decisions})
    standing = [
        (effect, item, generation) for effect, item, generation in decisions if (item.pk, generation) not in reversed_
    ]
    counts = items_orders_reimburse([(item, generation) for _, item, generation in standing])
    results = dict.fromkeys((effect.pk for effect in effects), 0)
    for effect, item, _ in standing:
        results[effect.pk] = counts.get(item.pk, 0)
    return results


def effect_reimburse(effect):
    """Reimburse the buyers of one effect's listing (``effects_reimburse`` of one). Returns how many were new."""
    return effects_reimburse([effect])[effect.pk]


def listing_reimbursements_restore(listing_id):
    """After a reversal cancelled an item's reimbursements: buyers stay owed while the listing is still upheld.

    Another counterfeit item upheld on the same listing found its orders covered (one live
    reimbursement per order) and recorded none; its decision now covers them. Returns how many were new.
    """
    other = (
        NoticeItem.objects.select_related("listing__store__merchant__organisation")
        .filter(listing_id=listing_id, status=ItemStatus.UPHELD, infringement_type=InfringementType.COUNTERFEIT)
        .order_by("decided_at", "pk")
        .first()
    )
    if other is None:
        return 0
    return items_orders_reimburse([(other, other.decision_generation)]).get(other.pk, 0)


def items_orders_reimburse(decisions):
    """For each (item, generation): a reimbursement for every order of its listing not yet covered.

    Dated at the decision. An order is covered once: by a live reimbursement already, or
    by the first of ``decisions`` naming its listing. Returns {item id: how many were new}.
    """
    if not decisions:
        return {}
    decided = decision_times(decisions)
    listing_ids = {item.listing_id for item, _ in decisions}
    covered = Reimbursement.objects.filter(order__listing_id__in=listing_ids, cancelled_at__isnull=True)
    uncovered = {}
    for order in (
        Order.objects.filter(listing_id__in=listing_ids).exclude(pk__in=covered.values("order_id")).order_by("pk")
    ):
        uncovered.setdefault(order.listing_id, []).append(order)
    rows, entries, counts = [], [], {}
    for item, generation in decisions:
        orders = uncovered.pop(item.listing_id, [])
        now = decided[item.pk, generation]
        rows += [
            Reimbursement(item=item, order=order, amount=order.amount, currency=order.currency, created_at=now)
            for order in orders
        ]
        counts[item.pk] = len(orders)
        if orders:
            entries.append(
                audit_log_entry(
                    action="takedowns.reimbursements.recorded",
                    obj=item,
                    organisation=item.listing.store.merchant.organisation,
                    data={"orders": len(orders), "listing": item.listing_id},
                )
            )
    if rows:
        # The partial unique index (one live reimbursement per order) settles a race with another
        # item naming the same listing.
        bulk_insert(rows, ignore_conflicts=True)
        bulk_insert(entries)
    return counts
