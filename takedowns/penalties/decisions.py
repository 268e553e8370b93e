"""The decision behind a penalty effect: whether it still stands, when it was taken, when it was reversed.

Penalties and everything that follows from them (sanctions, bans, register
entries, reimbursements, their reversal) are dated at the decision that caused
them, never when a worker got to the effect (STYLE.md habit 16): a queue that
runs a day late must not move the points' expiry or a restriction's end by a day.

Each question is asked of many decisions at once (a batch of effects), in one
query whatever their number; one decision is a batch of one.
"""

from takedowns.models import Effect, EffectKind, ItemEvent, StatementOfReasons


def decisions_reversed(decisions):
    """Those of ``decisions`` ((item id, generation) pairs) that were reversed: their reversal effect exists."""
    decisions = set(decisions)
    if not decisions:
        return set()
    reversals = set(
        Effect.objects.filter(item_id__in={item_id for item_id, _ in decisions}, kind=EffectKind.REVERSE_PENALTY)
        .order_by()
        .values_list("item_id", "key")
    )
    return {(item_id, generation) for item_id, generation in decisions if (item_id, f"gen-{generation}") in reversals}


def decision_reversed(item_id, generation):
    """Whether the decision of this generation was reversed (its reversal effect exists)."""
    return (item_id, generation) in decisions_reversed([(item_id, generation)])


def decision_times(decisions):
    """When each of ``decisions`` ((item, generation) pairs) was taken: {(item id, generation): instant}.

    The item's ``decided_at`` while that decision stands; once the item has moved on
    (an appeal, a quality audit), the statement of reasons written with the decision.
    """
    times, moved_on = {}, []
    for item, generation in decisions:
        if item.decision_generation == generation and item.decided_at is not None:
            times[item.pk, generation] = item.decided_at
        else:
            moved_on.append((item, generation))
    if moved_on:
        written = (
            StatementOfReasons.objects.filter(
                item_id__in={item.pk for item, _ in moved_on},
                decision_generation__in={generation for _, generation in moved_on},
            )
            .order_by()
            .values_list("item_id", "decision_generation", "decided_at")
        )
        first = {}
        for item_id, generation, decided_at in written:
            if (item_id, generation) not in first or decided_at < first[item_id, generation]:
                first[item_id, generation] = decided_at
        for item, generation in moved_on:
            if (item.pk, generation) not in first:
                # A decision with no record of its time: fail (the effect backs off and surfaces) rather than guess.
                raise LookupError(f"Item {item.pk} has no record of when decision {generation} was taken.")
            times[item.pk, generation] = first[item.pk, generation]
    return times


def decision_time(item, generation):
    """When decision ``generation`` of ``item`` was taken (``decision_times`` of one)."""
    return decision_times([(item, generation)])[item.pk, generation]


def reversal_event(item, generation):
    """The move that reversed decision ``generation`` (an appeal or a quality audit), or None."""
    return ItemEvent.objects.filter(item=item, data__reversed_generation=generation).order_by("-at", "-id").first()
