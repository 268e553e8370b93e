"""Buyers of an upheld counterfeit listing are owed their money: one Reimbursement per order, dated at the decision."""

from listings.models import Order
from portal.audit import audit_log_record
from takedowns.models import InfringementType, ItemStatus, NoticeItem, Reimbursement
from takedowns.penalties.decisions import decision_reversed, decision_time


def effect_reimburse(effect):
    """Record a reimbursement for every order of the listing not yet covered. Returns how many were new."""
    item = NoticeItem.objects.select_related("listing__store__merchant__organisation").get(pk=effect.item_id)
    if item.infringement_type != InfringementType.COUNTERFEIT:
        return 0
    generation = effect.payload.get("generation")
    if decision_reversed(item.pk, generation):
        return 0
    return _orders_reimburse(item, generation)


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
    return _orders_reimburse(other, other.decision_generation)


def _orders_reimburse(item, generation):
    now = decision_time(item, generation)
    covered = Reimbursement.objects.filter(order__listing_id=item.listing_id, cancelled_at__isnull=True)
    orders = Order.objects.filter(listing_id=item.listing_id).exclude(pk__in=covered.values("order_id"))
    # The partial unique index (one live reimbursement per order) settles a race with another
    # item naming the same listing.
    created = Reimbursement.objects.bulk_create(
        [
            Reimbursement(item=item, order=order, amount=order.amount, currency=order.currency, created_at=now)
            for order in orders
        ],
        ignore_conflicts=True,
    )
    if created:
        audit_log_record(
            action="takedowns.reimbursements.recorded",
            obj=item,
            organisation=item.listing.store.merchant.organisation,
            data={"orders": len(created), "listing": item.listing_id},
        )
    return len(created)
