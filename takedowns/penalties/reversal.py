"""Removing a penalty when its decision is reversed on appeal: removed, not hidden.

The penalty stays as a record with reversed_at; its sanctions stop holding
(store status recomputed), banned identities are lifted, the public register
entry is deleted and reimbursements are cancelled (those buyers stay owed through
another counterfeit item still upheld on the listing). All of it is dated at the
reversal (its event), not when the worker ran; the store's status is
recomputed for the present.
"""

from django.utils import timezone

from portal.audit import audit_log_record
from takedowns.models import BannedIdentity, NoticeItem, Penalty, PublicRegisterEntry, Reimbursement
from takedowns.penalties.bans import merchant_bans_restore
from takedowns.penalties.decisions import reversal_event
from takedowns.penalties.reimbursements import listing_reimbursements_restore
from takedowns.penalties.stores import merchant_stores_lock, merchants_stores_lock, store_sanction_apply


def effects_reverse_penalty(effects):
    """Undo the penalties of reversed decisions, one effect after the other (reversals are rare).

    Every merchant's stores are locked first, in one statement in id order, as a batch of
    penalties locks them: two batches naming the same merchants cannot deadlock.
    """
    effects = sorted(effects, key=lambda effect: effect.pk)
    merchants_stores_lock(
        NoticeItem.objects.filter(pk__in={effect.item_id for effect in effects})
        .order_by()
        .values_list("listing__store__merchant_id", flat=True)
    )
    return {effect.pk: effect_reverse_penalty(effect) for effect in effects}


def effect_reverse_penalty(effect):
    """Undo the penalty of a reversed decision and everything it caused. Idempotent."""
    generation = effect.payload["generation"]
    item = NoticeItem.objects.select_related("listing__store").get(pk=effect.item_id)
    event = reversal_event(item, generation)
    if event is None:
        raise LookupError(f"Item {item.pk} has no move that reversed decision {generation}.")
    now = event.at
    # Same lock as effect_penalise: a penalty being applied right now is committed before we look.
    stores = merchant_stores_lock(item.listing.store.merchant_id)
    organisation = stores[0].merchant.organisation
    penalty = Penalty.objects.filter(item=item, decision_generation=generation).first()
    if penalty is not None and penalty.reversed_at is None:
        reason = event.reason or "The decision was reversed on appeal."
        penalty.reversed_at = now
        penalty.reversal_reason = reason
        penalty.save(update_fields=["reversed_at", "reversal_reason"])
        audit_log_record(
            action="takedowns.penalty.reversed",
            obj=penalty,
            organisation=organisation,
            data={"item": item.pk, "generation": generation, "points": penalty.points, "reason": reason},
        )
        for sanction in penalty.sanctions.filter(reversed_at__isnull=True).order_by("pk"):
            sanction.reversed_at = now
            sanction.save(update_fields=["reversed_at"])
            lifted = BannedIdentity.objects.filter(sanction=sanction, lifted_at__isnull=True).update(lifted_at=now)
            unlisted, _ = PublicRegisterEntry.objects.filter(sanction=sanction).delete()
            audit_log_record(
                action=f"takedowns.sanction.{sanction.kind}.reversed",
                obj=sanction,
                organisation=organisation,
                data={"penalty": penalty.pk, "identities_lifted": lifted, "register_entries_removed": unlisted},
            )
    if penalty is not None:
        merchant_bans_restore(stores[0].merchant, stores=stores, now=now)
    cancelled = Reimbursement.objects.filter(item=item, cancelled_at__isnull=True).update(cancelled_at=now)
    if cancelled:
        audit_log_record(
            action="takedowns.reimbursements.cancelled",
            obj=item,
            organisation=organisation,
            data={"generation": generation, "cancelled": cancelled},
        )
        listing_reimbursements_restore(item.listing_id)
    present = timezone.now()
    for store in stores:
        store_sanction_apply(store, now=present, cause=f"reversal of item {item.pk}, decision {generation}")
    return penalty
