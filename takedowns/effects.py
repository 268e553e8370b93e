"""Effect rows: every consequence of a move, written in its transaction, carried out after commit.

A move writes ``Effect`` rows (unique per item, kind and key) and sends one
task per item after commit. The task runs each pending effect in its own
transaction with the row locked, calls the kind's handler and marks it done
in that same transaction: a worker killed mid-effect leaves it pending, a
second run finds it done. A lost message is caught by the sweeper, which
re-sends effects still pending after ``TAKEDOWN_EFFECT_RESEND_SECONDS``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from takedowns.models import Effect, EffectKind, EffectStatus

log = logging.getLogger(__name__)

# Each handler takes the locked Effect and does its work idempotently.
HANDLERS = {
    EffectKind.DELIST: "takedowns.listing_sync.effect_listing_sync",
    EffectKind.REINSTATE: "takedowns.listing_sync.effect_listing_sync",
    EffectKind.MARK_UNDER_COMPLAINT: "takedowns.listing_sync.effect_listing_sync",
    EffectKind.PENALISE: "takedowns.penalties.effect_penalise",
    EffectKind.REVERSE_PENALTY: "takedowns.penalties.effect_reverse_penalty",
    EffectKind.REIMBURSE: "takedowns.penalties.effect_reimburse",
    EffectKind.NOTIFY: "takedowns.notifications.effect_notify",
}


def effects_write(item, effects):
    """Write the effects of a move on ``item`` (inside its transaction) and send them after commit."""
    if not effects:
        return
    Effect.objects.bulk_create(
        [Effect(item=item, kind=kind, key=key, payload=payload) for kind, key, payload in effects],
        ignore_conflicts=True,
    )
    item_id = item.pk
    transaction.on_commit(lambda: effects_dispatch([item_id]))


def effects_dispatch(item_ids):
    """Send the effect task for these items. A broker failure is logged: the sweeper re-sends."""
    from takedowns.tasks import run_item_effects

    now = timezone.now()
    for item_id in item_ids:
        try:
            Effect.objects.filter(item_id=item_id, status=EffectStatus.PENDING).update(dispatched_at=now)
            run_item_effects.delay(item_id)
        except Exception:  # the row stays pending; takedowns.sweep re-sends it
            log.exception("Could not send the effects of item %s; the sweeper will re-send them", item_id)


def effect_run(effect_id):
    """Carry out one effect exactly once. Returns True if this call did the work."""
    try:
        with transaction.atomic():
            effect = (
                Effect.objects.select_for_update(skip_locked=True)
                .filter(pk=effect_id, status__in=[EffectStatus.PENDING, EffectStatus.FAILED])
                .first()
            )
            if effect is None:
                return False  # done already, or another worker holds it
            import_string(HANDLERS[effect.kind])(effect)
            effect.status = EffectStatus.DONE
            effect.done_at = timezone.now()
            effect.attempts += 1
            effect.last_error = ""
            effect.save(update_fields=["status", "done_at", "attempts", "last_error"])
            return True
    except Exception as exc:
        log.exception("Effect %s failed; it stays pending and will be retried", effect_id)
        Effect.objects.filter(pk=effect_id, status__in=[EffectStatus.PENDING, EffectStatus.FAILED]).update(
            status=EffectStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def item_effects_run(item_id):
    """Run an item's pending effects in the order they were written. Returns how many ran."""
    ids = list(
        Effect.objects.filter(item_id=item_id, status__in=[EffectStatus.PENDING, EffectStatus.FAILED])
        .order_by("id")
        .values_list("pk", flat=True)
    )
    return sum(1 for effect_id in ids if effect_run(effect_id))


def effects_resend_stale(*, now=None, limit=5000):
    """Re-send effects still pending long after they were sent (lost message, dead worker)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS)
    stale = (
        Effect.objects.filter(status__in=[EffectStatus.PENDING, EffectStatus.FAILED])
        .filter(models_q_stale(cutoff))
        .values_list("item_id", flat=True)
        .distinct()[:limit]
    )
    item_ids = list(stale)
    effects_dispatch(item_ids)
    return len(item_ids)


def models_q_stale(cutoff):
    from django.db.models import Q

    return Q(dispatched_at__isnull=True, created_at__lt=cutoff) | Q(dispatched_at__lt=cutoff)
