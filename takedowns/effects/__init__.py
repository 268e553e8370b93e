"""Effect rows: every consequence of a move, written in its transaction, carried out after commit, in batches.

A move writes ``Effect`` rows (unique per item, kind and key) and sends a task
after commit (one per item for a verb, one per chunk of items for the sweep and
the set filing). The task runs the items' due effects a kind at a time, many
effects in one transaction (``effects_batch_run``):

1. the claim: one transaction locks up to ``TAKEDOWN_EFFECT_BATCH_SIZE`` due
   effects of one kind (``SKIP LOCKED``, so workers share them), stamps them
   ``claimed_at`` and commits, so the attempt is on record before any handler
   starts;
2. the run: one transaction locks the claimed rows again, calls the kind's
   handler once with all of them (each handler takes a list and reads and
   writes in bulk: one effect is a list of one, the same code) and marks them
   done in that same transaction: a second run finds them done.

Kinds run in ``PHASES`` order: listings first, then penalties, their
reversals, reimbursements, and notifications last, so a notification finds the
store-level statements of reasons its decision's penalty wrote. Within a kind,
effects run in the order they were written, which is what orders the ladder
steps of one store (``takedowns.penalties.ladder``).

One failing effect does not fail its batch-mates: the handler runs in a
savepoint, and if the batch fails it is rolled back and run again one effect at
a time, each in its own savepoint, so only the failing effects count a failed
attempt and the others are done in the same transaction.

A lost message is caught by the sweeper, which re-sends effects still pending
after ``TAKEDOWN_EFFECT_RESEND_SECONDS``. A worker killed mid-batch leaves the
batch pending with its claim; once the claim is older than
``TAKEDOWN_EFFECT_CLAIM_SECONDS`` the next worker to pick the effects up counts
that attempt as failed, for each of them, so an effect that kills its workers
backs off and ends as a dead letter like any other failing one.

A handler that raises (STYLE.md habit 16) counts an attempt and waits:
``TAKEDOWN_EFFECT_RETRY_BASE_SECONDS``, then twice that, four times, ... (at
most ``TAKEDOWN_EFFECT_RETRY_MAX_SECONDS``), stored as ``next_attempt_at``;
nothing runs it before then, and the sweeper sends it again once that time
has come. After ``TAKEDOWN_EFFECT_MAX_ATTEMPTS`` failed attempts it is set
aside as FAILED (a dead letter) with its last error, shown to staff in the
admin, on the failed-effects page and on /health/, until someone retries it
(``effect_retry``: one more attempt). Effects of one item do not wait for
each other: every handler recomputes what it owns (listing status, store
status) or checks whether its decision was reversed, so an effect backing off
holds up nothing else.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_log_record
from portal.roles import user_is_platform_staff
from portal.transactions import durable_atomic
from takedowns.effects.runner import (
    PHASES,
    WORKER_LOST,
    BatchResult,
    Phase,
    effect_organisation_id,
    effect_retry_delay,
    effect_run,
    effects_batch_run,
    effects_claimable,
    effects_due,
    item_effects_run,
    items_effects_run,
)
from takedowns.models import Effect, EffectStatus

__all__ = [
    "PHASES",
    "WORKER_LOST",
    "BatchResult",
    "Phase",
    "effect_retry",
    "effect_retry_delay",
    "effect_run",
    "effects_batch_run",
    "effects_claimable",
    "effects_dispatch",
    "effects_failed",
    "effects_health",
    "effects_resend_stale",
    "effects_stale",
    "effects_write",
    "item_effects_run",
    "items_effects_run",
]

log = logging.getLogger(__name__)


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
            # Only due rows are stamped: one waiting out its back-off keeps its place in the re-send.
            Effect.objects.filter(effects_due(now), item_id=item_id).update(dispatched_at=now)
            run_item_effects.delay(item_id)
        except Exception:  # the row stays pending; takedowns.sweep re-sends it
            log.exception("Could not send the effects of item %s; the sweeper will re-send them", item_id)


def effects_resend_stale(*, now=None, limit=5000):
    """Re-send due effects whose message was lost or whose back-off has passed. Returns how many items."""
    now = now or timezone.now()
    item_ids = list(effects_stale(now=now).values_list("item_id", flat=True).distinct()[:limit])
    effects_dispatch(item_ids)
    return len(item_ids)


def effects_stale(*, now):
    """Due effects to send again: never sent and created long ago, sent long ago, or due after a back-off.

    Three kinds of row, each found by its own partial index (``Effect.Meta.indexes``),
    so that a hundred thousand effects a sweep has just written, pending and fresh,
    are never read to find the few stale ones.
    """
    cutoff = now - timedelta(seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS)
    # Its message lost: the sweep and the set filing do not stamp dispatched_at, so fresh rows count from creation.
    never_sent = Q(dispatched_at__isnull=True, next_attempt_at__isnull=True, created_at__lt=cutoff)
    sent_long_ago = Q(dispatched_at__lt=cutoff) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    # A failed attempt clears dispatched_at: once its time has come it is sent at once.
    retry_due = Q(dispatched_at__isnull=True, next_attempt_at__lte=now)
    return Effect.objects.filter(status=EffectStatus.PENDING).filter(never_sent | sent_long_ago | retry_due)


# --- Dead letters: what staff see and retry ------------------------------------------


def effects_failed():
    """Effects given up after their last attempt, newest first (staff page, admin, /health/)."""
    return (
        Effect.objects.filter(status=EffectStatus.FAILED).select_related("item__listing").order_by("-failed_at", "-id")
    )


def effects_health():
    """The detailed /health/ answer (registered in TakedownsConfig.ready): a warning while any effect failed."""
    failed = Effect.objects.filter(status=EffectStatus.FAILED).count()
    retrying = Effect.objects.filter(status=EffectStatus.PENDING, next_attempt_at__isnull=False).count()
    warning = (
        f"{failed} effect(s) failed after their last attempt; retry them at /takedowns/effects/failed/"
        if failed
        else ""
    )
    return {"failed": failed, "retrying": retrying, "warning": warning}


def effect_retry(*, effect_id, actor):
    """Give a failed effect one more attempt: pending again, sent after commit. Returns False if it was not failed.

    Audited. A retry that fails again goes straight back to FAILED (its attempts are
    already past the limit), so a retry never starts a new series of attempts.
    """
    if not user_is_platform_staff(actor):
        raise PermissionDenied(_("Only platform staff retry failed effects."))
    with durable_atomic():
        effect = Effect.objects.select_for_update().filter(pk=effect_id, status=EffectStatus.FAILED).first()
        if effect is None:
            return False  # retried by someone else meanwhile, or never failed
        error = effect.last_error
        effect.status = EffectStatus.PENDING
        effect.failed_at = None
        effect.next_attempt_at = None
        effect.dispatched_at = None
        effect.claimed_at = None
        effect.save(update_fields=["status", "failed_at", "next_attempt_at", "dispatched_at", "claimed_at"])
        audit_log_record(
            action="takedowns.effect.retried",
            actor=actor,
            obj=effect,
            organisation_id=effect_organisation_id(effect),
            data={"item": effect.item_id, "kind": effect.kind, "attempts": effect.attempts, "error": error[:300]},
        )
        item_id = effect.item_id
        transaction.on_commit(lambda: effects_dispatch([item_id]))
        return True
