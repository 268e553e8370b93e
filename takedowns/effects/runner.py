"""Carrying effects out in batches: claim, run a kind at a time, mark done or count the failure.

See ``takedowns.effects`` for the whole story. One effect is a batch of one
(``effect_run``), through the same code.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.audit import audit_log_record
from portal.i18n import in_records_language
from portal.transactions import durable_atomic
from takedowns.models import Effect, EffectKind, EffectStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phase:
    """Kinds of effect carried out by one handler, which takes a list of locked Effects of those kinds.

    The handler does its work idempotently in the caller's transaction, for one effect or many.
    """

    handler: str
    kinds: tuple


# In this order (see the module's docstring).
PHASES = (
    Phase(
        "takedowns.listing_sync.effects_listing_sync",
        (EffectKind.DELIST, EffectKind.REINSTATE, EffectKind.MARK_UNDER_COMPLAINT),
    ),
    Phase("takedowns.penalties.effects_penalise", (EffectKind.PENALISE,)),
    Phase("takedowns.penalties.effects_reverse_penalty", (EffectKind.REVERSE_PENALTY,)),
    Phase("takedowns.penalties.effects_reimburse", (EffectKind.REIMBURSE,)),
    Phase("takedowns.notifications.effects_notify", (EffectKind.NOTIFY,)),
)

ERROR_TEXT_LIMIT = 2000
# 2 ** 40 x one second is over 30,000 years: any cap a setting can hold is reached long before.
_MAX_DOUBLINGS = 40


def effect_retry_delay(attempts):
    """How long to wait after the ``attempts``-th failed attempt: BASE, 2 x BASE, 4 x BASE ..., at most MAX."""
    base = settings.TAKEDOWN_EFFECT_RETRY_BASE_SECONDS
    seconds = base * 2 ** min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    return timedelta(seconds=min(seconds, settings.TAKEDOWN_EFFECT_RETRY_MAX_SECONDS))


def effects_due(now):
    """Pending effects that may run at ``now``: never failed, or their back-off has passed."""
    return Q(status=EffectStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


# --- Running effects in batches ----------------------------------------------------------


@dataclass
class BatchResult:
    """What one batch did: how many effects it picked up, which it carried out, which failed (id -> exception)."""

    picked: int = 0
    done: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)

    def add(self, other):
        self.picked += other.picked
        self.done += other.done
        self.failed.update(other.failed)


def items_effects_run(item_ids):
    """Run the due effects of these items, a kind at a time, in batches. Returns how many were done.

    A failing effect does not stop the others: it is recorded and waits out its back-off.
    """
    item_ids = list(item_ids)
    limit = settings.TAKEDOWN_EFFECT_BATCH_SIZE
    done = 0
    for phase in PHASES:
        while True:
            result = effects_batch_run(item_ids=item_ids, kinds=phase.kinds, limit=limit)
            done += len(result.done)
            # A short batch: the rest is done, backing off, or claimed by another worker.
            if result.picked < limit:
                break
    return done


def item_effects_run(item_id):
    """Run one item's due effects (``items_effects_run``). Returns how many were done."""
    return items_effects_run([item_id])


def effect_run(effect_id):
    """Carry out one due effect exactly once. Returns True if this call did the work.

    A batch of one (``effects_batch_run``). A failing handler's work is rolled back, the
    failure recorded, and the exception raised again for the caller.
    """
    result = effects_batch_run(effect_ids=[effect_id], limit=1)
    if effect_id in result.failed:
        raise result.failed[effect_id]
    return effect_id in result.done


def effects_batch_run(*, item_ids=None, effect_ids=None, kinds=None, limit):
    """Claim up to ``limit`` due effects (of these items, these ids, these kinds) and carry them out.

    The claim is committed first (``_claim``), so the attempt is on record before any
    handler starts; then each phase's effects run in one transaction (``_phase_run``).
    """
    claim = _claim(item_ids=item_ids, effect_ids=effect_ids, kinds=kinds, limit=limit)
    result = BatchResult(picked=claim.picked)
    for phase in PHASES:
        ids = [pk for pk, kind in claim.effects if kind in phase.kinds]
        if ids:
            result.add(_phase_run(phase, ids, claim=claim.at))
    return result


@dataclass
class _Claimed:
    at: object  # the claim's instant, stamped on every claimed row
    effects: list  # (id, kind), in id order
    picked: int  # rows picked up: claimed, plus lost claims counted as failed attempts


def _claim(*, item_ids, effect_ids, kinds, limit):
    """Claim up to ``limit`` due effects for this worker and commit the claim.

    A claim older than ``TAKEDOWN_EFFECT_CLAIM_SECONDS`` on a row nobody holds is a worker
    that died mid-batch (killed, out of memory, its connection lost): its handler's
    transaction rolled back, but the claim did not. That attempt is counted here like any
    failed one, and the effect waits out its back-off rather than run again at once: an
    effect that kills every worker taking it ends as a dead letter instead of looping.
    A younger claim is a worker about to lock the row (or recording its failure): left to it.
    """
    now = timezone.now()
    rows = effects_claimable(now=now, item_ids=item_ids, effect_ids=effect_ids, kinds=kinds, limit=limit)
    with durable_atomic():
        picked = list(rows)
        fresh = [(pk, kind) for pk, kind, claimed_at in picked if claimed_at is None]
        lost = [pk for pk, _, claimed_at in picked if claimed_at is not None]
        if fresh:
            Effect.objects.filter(pk__in=[pk for pk, _ in fresh]).update(claimed_at=now)
        for effect in Effect.objects.filter(pk__in=lost).order_by("id") if lost else ():
            _attempt_count(effect, WORKER_LOST, now=now)
    return _Claimed(at=now, effects=fresh, picked=len(picked))


def effects_claimable(*, now, item_ids=None, effect_ids=None, kinds=None, limit):
    """The claim's query: up to ``limit`` due effects nobody holds or holds no longer, locked, in id order.

    (id, kind, claimed_at) rows. It goes by item (or by id): no index of all pending rows
    serves it (``Effect.Meta.indexes``).
    """
    lost_before = now - timedelta(seconds=settings.TAKEDOWN_EFFECT_CLAIM_SECONDS)
    # SKIP LOCKED: a worker running an effect holds its row until it is done; it is left to it.
    rows = Effect.objects.select_for_update(skip_locked=True).filter(
        effects_due(now), Q(claimed_at__isnull=True) | Q(claimed_at__lte=lost_before)
    )
    if item_ids is not None:
        rows = rows.filter(item_id__in=item_ids)
    if effect_ids is not None:
        rows = rows.filter(pk__in=effect_ids)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.order_by("id").values_list("pk", "kind", "claimed_at")[:limit]


WORKER_LOST = (
    "WorkerLost: the worker carrying out this effect stopped before it finished (killed, out of memory, "
    "or its database connection was lost); counted as a failed attempt"
)


def _phase_run(phase, ids, *, claim):
    """Run the claimed effects ``ids`` of ``phase`` in one transaction; mark them done or count their failure."""
    try:
        with durable_atomic():
            # The claim in the filter: a claim taken for lost meanwhile (a stall longer than the claim) is not ours.
            effects = list(
                Effect.objects.select_for_update()
                .filter(pk__in=ids, status=EffectStatus.PENDING, claimed_at=claim)
                .order_by("id")
            )
            if not effects:
                return BatchResult()
            done, failed = _handler_run(import_string(phase.handler), effects)
            now = timezone.now()
            if done:
                Effect.objects.filter(pk__in=[effect.pk for effect in done]).update(
                    status=EffectStatus.DONE,
                    done_at=now,
                    attempts=F("attempts") + 1,
                    last_error="",
                    next_attempt_at=None,
                    claimed_at=None,
                )
            for effect, exc in failed:
                _attempt_count(effect, _error_text(exc), now=now)
        return BatchResult(done=[effect.pk for effect in done], failed={effect.pk: exc for effect, exc in failed})
    except Exception as exc:
        # The transaction itself failed (its commit, the connection, the bookkeeping): every
        # effect of it counts the attempt, in a transaction of its own.
        log.exception("A batch of %s %s effects failed", len(ids), "/".join(phase.kinds))
        _attempts_failed(ids, _error_text(exc), claim=claim)
        return BatchResult(failed=dict.fromkeys(ids, exc))


def _handler_run(handler, effects):
    """Call ``handler`` on all ``effects`` in a savepoint; if that fails, on each alone. Returns (done, failed).

    Whatever a failed call did is rolled back to its savepoint (its after-commit work too),
    so a failing effect takes nothing of its batch-mates with it.
    """
    try:
        with transaction.atomic():
            handler(effects)
        return effects, []
    except Exception as exc:
        if len(effects) == 1:
            log.exception("Effect %s failed", effects[0].pk)
            return [], [(effects[0], exc)]
        log.warning(
            "A batch of %s %s effects failed (%s); running them one at a time", len(effects), effects[0].kind, exc
        )
    done, failed = [], []
    for effect in effects:
        try:
            with transaction.atomic():
                handler([effect])
            done.append(effect)
        except Exception as exc:
            log.exception("Effect %s failed", effect.pk)
            failed.append((effect, exc))
    return done, failed


def _error_text(exc):
    # A record (the failed effects' page, the dead letter): a refusal's lazy text in English, whoever's language
    # was active when the effect ran.
    return f"{type(exc).__name__}: {in_records_language(exc)}"


def _attempts_failed(effect_ids, error, *, claim):
    """Count a failed attempt of the claim ``claim`` on each of these effects."""
    now = timezone.now()
    with durable_atomic():
        # Not SKIP LOCKED: a worker that picked a row up again meanwhile finishes first, and a
        # row it marked done, or a claim already counted as lost, is left alone.
        for effect in (
            Effect.objects.select_for_update()
            .filter(pk__in=effect_ids, status=EffectStatus.PENDING, claimed_at=claim)
            .order_by("id")
        ):
            _attempt_count(effect, error, now=now)


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
            organisation_id=effect_organisation_id(effect),
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


def effect_organisation_id(effect):
    # The item's rights holder, as for the moves that wrote the effect.
    return Effect.objects.filter(pk=effect.pk).values_list("item__notice__rights_holder__organisation_id", flat=True)[0]
