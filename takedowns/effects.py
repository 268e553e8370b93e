"""Effect rows: every consequence of a move, written in its transaction, carried out after commit.

A move writes ``Effect`` rows (unique per item, kind and key) and sends one
task per item after commit. The task claims each due effect (``claimed_at``,
committed), then runs it in its own transaction with the row locked, calls
the kind's handler and marks it done in that same transaction: a second run
finds it done. A lost message is caught by the sweeper, which re-sends
effects still pending after ``TAKEDOWN_EFFECT_RESEND_SECONDS``. A worker
killed mid-effect leaves it pending with its claim; once the claim is older
than ``TAKEDOWN_EFFECT_CLAIM_SECONDS`` the next worker to pick it up counts
that attempt as failed, so an effect that kills its workers backs off and
ends as a dead letter like any other failing one.

A handler that raises (STYLE.md habit 16) counts an attempt and waits:
``TAKEDOWN_EFFECT_RETRY_BASE_SECONDS``, then twice that, four times, ... (at
most ``TAKEDOWN_EFFECT_RETRY_MAX_SECONDS``), stored as ``next_attempt_at``;
nothing runs it before then, and the sweeper sends it again once that time
has come. After ``TAKEDOWN_EFFECT_MAX_ATTEMPTS`` failed attempts it is set
aside as FAILED (a dead letter) with its last error, shown to staff in the
admin, on the failed-effects page and on /health/, until someone retries it
(``effect_retry``: one more attempt). Effects of one item do not wait for
each other: every handler recomputes what it owns (listing status, store
status) or checks whether its decision was reversed, so their order does not
matter.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.audit import audit_log_record
from portal.roles import user_is_platform_staff
from portal.transactions import durable_atomic
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

ERROR_TEXT_LIMIT = 2000
# 2 ** 40 x one second is over 30,000 years: any cap a setting can hold is reached long before.
_MAX_DOUBLINGS = 40


def effect_retry_delay(attempts):
    """How long to wait after the ``attempts``-th failed attempt: BASE, 2 x BASE, 4 x BASE ..., at most MAX."""
    base = settings.TAKEDOWN_EFFECT_RETRY_BASE_SECONDS
    seconds = base * 2 ** min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    return timedelta(seconds=min(seconds, settings.TAKEDOWN_EFFECT_RETRY_MAX_SECONDS))


def _due(now):
    """Pending effects that may run at ``now``: never failed, or their back-off has passed."""
    return Q(status=EffectStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


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
            Effect.objects.filter(_due(now), item_id=item_id).update(dispatched_at=now)
            run_item_effects.delay(item_id)
        except Exception:  # the row stays pending; takedowns.sweep re-sends it
            log.exception("Could not send the effects of item %s; the sweeper will re-send them", item_id)


def effect_run(effect_id):
    """Carry out one due effect exactly once. Returns True if this call did the work.

    First the effect is claimed (``_claim``) in a transaction of its own, so the attempt
    is on record before the handler starts. Then the handler runs with the row locked,
    and the effect is marked done in that same transaction. A failing handler's work is
    rolled back, the failure recorded (``_attempt_failed``) and the exception raised
    again for the caller. A worker killed mid-effect leaves its claim: the next one to
    pick the effect up counts that attempt (``_claim``).
    """
    claim = _claim(effect_id)
    if claim is None:
        return False
    try:
        with durable_atomic():
            effect = (
                Effect.objects.select_for_update()
                .filter(pk=effect_id, status=EffectStatus.PENDING, claimed_at=claim)
                .first()
            )
            if effect is None:
                return False  # this claim was taken for lost meanwhile (a stall longer than the claim)
            import_string(HANDLERS[effect.kind])(effect)
            effect.status = EffectStatus.DONE
            effect.done_at = timezone.now()
            effect.attempts += 1
            effect.last_error = ""
            effect.next_attempt_at = None
            effect.claimed_at = None
            effect.save(update_fields=["status", "done_at", "attempts", "last_error", "next_attempt_at", "claimed_at"])
            return True
    except Exception as exc:
        log.exception("Effect %s failed", effect_id)
        _attempt_failed(effect_id, f"{type(exc).__name__}: {exc}", claim=claim)
        raise


def _claim(effect_id):
    """Claim a due effect for this worker and commit the claim; the claim's instant, or None.

    A claim older than ``TAKEDOWN_EFFECT_CLAIM_SECONDS`` on a row nobody holds is a worker
    that died mid-effect (killed, out of memory, its connection lost): its handler's
    transaction rolled back, but the claim did not. That attempt is counted here like any
    failed one, and the effect waits out its back-off rather than run again at once: an
    effect that kills every worker taking it ends as a dead letter instead of looping.
    """
    now = timezone.now()
    with durable_atomic():
        # SKIP LOCKED: a worker running the effect holds its row until it is done; it is left to it.
        effect = Effect.objects.select_for_update(skip_locked=True).filter(_due(now), pk=effect_id).first()
        if effect is None:
            return None  # done already, waiting out its back-off, given up, or another worker holds it
        if effect.claimed_at is not None:
            if effect.claimed_at > now - timedelta(seconds=settings.TAKEDOWN_EFFECT_CLAIM_SECONDS):
                # Claimed a moment ago by a worker about to lock it (or recording its failure).
                return None
            _attempt_count(effect, WORKER_LOST, now=now)
            return None
        effect.claimed_at = now
        effect.save(update_fields=["claimed_at"])
        return now


WORKER_LOST = (
    "WorkerLost: the worker carrying out this effect stopped before it finished (killed, out of memory, "
    "or its database connection was lost); counted as a failed attempt"
)


def _attempt_failed(effect_id, error, *, claim):
    """Count a failed attempt of the claim ``claim``: wait before the next one, or give up after the last."""
    now = timezone.now()
    with durable_atomic():
        # Not SKIP LOCKED: a worker that picked the row up again meanwhile finishes first, and a
        # row it marked done, or a claim already counted as lost, is left alone.
        effect = (
            Effect.objects.select_for_update()
            .filter(pk=effect_id, status=EffectStatus.PENDING, claimed_at=claim)
            .first()
        )
        if effect is None:
            return None
        _attempt_count(effect, error, now=now)
        return effect


def _attempt_count(effect, error, *, now):
    """Count a failed attempt on the locked ``effect``: back off, or give up after the last."""
    effect.attempts += 1
    effect.last_error = error[:ERROR_TEXT_LIMIT]
    # The dispatch and the claim that led here are over: the sweeper sends the row again when it is due.
    effect.dispatched_at = None
    effect.claimed_at = None
    if effect.attempts >= settings.TAKEDOWN_EFFECT_MAX_ATTEMPTS:
        effect.status = EffectStatus.FAILED
        effect.failed_at = now
        effect.next_attempt_at = None
        audit_log_record(
            action="takedowns.effect.failed",
            obj=effect,
            organisation_id=_organisation_id(effect),
            data={"item": effect.item_id, "kind": effect.kind, "attempts": effect.attempts, "error": error[:300]},
        )
        log.error(
            "Effect %s (%s of item %s) gave up after %s attempts: %s",
            effect.pk,
            effect.kind,
            effect.item_id,
            effect.attempts,
            error,
        )
    else:
        effect.next_attempt_at = now + effect_retry_delay(effect.attempts)
    effect.save(
        update_fields=[
            "attempts",
            "last_error",
            "dispatched_at",
            "claimed_at",
            "status",
            "failed_at",
            "next_attempt_at",
        ]
    )


def _organisation_id(effect):
    # The item's rights holder, as for the moves that wrote the effect.
    return Effect.objects.filter(pk=effect.pk).values_list("item__notice__rights_holder__organisation_id", flat=True)[0]


def item_effects_run(item_id):
    """Run an item's due effects in the order they were written. Returns how many ran.

    A failing effect does not stop the others: it is recorded and waits out its back-off.
    """
    ids = list(Effect.objects.filter(_due(timezone.now()), item_id=item_id).order_by("id").values_list("pk", flat=True))
    done = 0
    for effect_id in ids:
        try:
            done += effect_run(effect_id)
        except Exception:  # noqa: S112 -- logged and recorded on the row by effect_run; the others still run
            continue
    return done


def effects_resend_stale(*, now=None, limit=5000):
    """Re-send due effects whose message was lost or whose back-off has passed. Returns how many items."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS)
    lost = Q(dispatched_at__isnull=True, created_at__lt=cutoff) | Q(dispatched_at__lt=cutoff)
    # A failed attempt clears dispatched_at: once its time has come it is sent at once.
    retry_due = Q(next_attempt_at__isnull=False, dispatched_at__isnull=True)
    stale = Effect.objects.filter(_due(now)).filter(lost | retry_due).values_list("item_id", flat=True).distinct()
    item_ids = list(stale[:limit])
    effects_dispatch(item_ids)
    return len(item_ids)


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
        raise PermissionDenied("Only platform staff retry failed effects.")
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
            organisation_id=_organisation_id(effect),
            data={"item": effect.item_id, "kind": effect.kind, "attempts": effect.attempts, "error": error[:300]},
        )
        item_id = effect.item_id
        transaction.on_commit(lambda: effects_dispatch([item_id]))
        return True
