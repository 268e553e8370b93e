"""The decision behind a penalty effect: whether it still stands, when it was taken, when it was reversed.

Penalties and everything that follows from them (sanctions, bans, register
entries, reimbursements, their reversal) are dated at the decision that caused
them, never when a worker got to the effect (STYLE.md habit 16): a queue that
runs a day late must not move the points' expiry or a restriction's end by a day.
"""

from takedowns.models import Effect, EffectKind, ItemEvent, StatementOfReasons


def decision_reversed(item_id, generation):
    """Whether the decision of this generation was reversed (its reversal effect exists)."""
    return Effect.objects.filter(item_id=item_id, kind=EffectKind.REVERSE_PENALTY, key=f"gen-{generation}").exists()


def decision_time(item, generation):
    """When decision ``generation`` of ``item`` was taken.

    The item's ``decided_at`` while that decision stands; once the item has moved on
    (an appeal, a quality audit), the statement of reasons written with the decision.
    """
    if item.decision_generation == generation and item.decided_at is not None:
        return item.decided_at
    decided_at = (
        StatementOfReasons.objects.filter(item=item, decision_generation=generation)
        .order_by("decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if decided_at is None:
        # A decision with no record of its time: fail (the effect backs off and surfaces) rather than guess.
        raise LookupError(f"Item {item.pk} has no record of when decision {generation} was taken.")
    return decided_at


def reversal_event(item, generation):
    """The move that reversed decision ``generation`` (an appeal or a quality audit), or None."""
    return ItemEvent.objects.filter(item=item, data__reversed_generation=generation).order_by("-at", "-id").first()
