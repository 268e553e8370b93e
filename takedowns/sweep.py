"""The deadline sweeper (beat, every minute): expired windows are moved in sets.

Counter-notice windows that passed unanswered are upheld; rights-holder reply
windows that passed send the item to a reviewer. On PostgreSQL each batch
claims up to ``TAKEDOWN_SWEEP_BATCH_SIZE`` due items with ``FOR UPDATE SKIP
LOCKED`` (so several workers share one sweep, and a merchant's counter-notice
that holds the row lock is skipped, not overwritten) and, in the same
transaction, writes for all of them what ``lifecycle._apply`` writes for one:
the item fields, one ``ItemEvent``, one audit entry, the statements of reasons
and the ``Effect`` rows, each kind of row in one statement. The move itself
(status, fields, effects, statement) comes from the same plan function the
single-item verb uses (``lifecycle.uphold_by_default_plan``,
``lifecycle.reply_lapse_plan``); tests/takedowns/test_sweep.py checks that both
paths write identical rows. Effects are sent after commit, one task per chunk
of items. Elsewhere (SQLite) the verbs are called row by row.

A worker that was down catches up on its next run: deadlines are instants in
the database, not ETAs in the broker.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from portal.context import current_origin
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.effects import effects_resend_stale
from takedowns.models import (
    Channel,
    Effect,
    EffectKind,
    EffectStatus,
    ItemEvent,
    ItemStatus,
    NoticeItem,
    StatementOfReasons,
)
from takedowns.reasons import ground_text, redress_text

log = logging.getLogger(__name__)

# Items per effects task: small enough that several workers share a batch's effects.
EFFECTS_TASK_CHUNK = 200


@dataclass(frozen=True)
class DeadlineKind:
    name: str
    status: str
    deadline: str  # NoticeItem field holding the instant
    plan: object  # item -> lifecycle.Move (shared with the single-item verb)
    verb: object  # the single-item verb, for row-by-row databases


DEADLINES = (
    DeadlineKind(
        name="upheld",
        status=ItemStatus.AWAITING_COUNTER_NOTICE,
        deadline="counter_notice_deadline",
        plan=lifecycle.uphold_by_default_plan,
        verb=lifecycle.notice_item_uphold_by_default,
    ),
    DeadlineKind(
        name="reply_lapsed",
        status=ItemStatus.COUNTER_NOTICED,
        deadline="reply_deadline",
        plan=lifecycle.reply_lapse_plan,
        verb=lifecycle.notice_item_reply_lapse,
    ),
)


def deadlines_sweep(*, now=None, batch_size=None):
    """Move every item whose window closed by ``now``; re-send lost effects; lift ended restrictions.

    Returns counts: ``{"upheld": n, "reply_lapsed": n, "effects_resent": n, "restrictions_lifted": n}``.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.TAKEDOWN_SWEEP_BATCH_SIZE
    counts = {}
    for kind in DEADLINES:
        total = 0
        while True:
            moved = deadline_batch_sweep(kind, now=now, batch_size=batch_size)
            total += moved
            # A short batch means the rest is done or held by another sweeper (SKIP LOCKED).
            if moved < batch_size:
                break
        counts[kind.name] = total
    counts["effects_resent"] = effects_resend_stale(now=now)
    counts["restrictions_lifted"] = _store_restrictions_lift(now)
    return counts


def _store_restrictions_lift(now):
    from takedowns import penalties

    lift = getattr(penalties, "store_restrictions_lift", None)
    if lift is None:
        return 0
    return lift(now=now) or 0


def deadline_batch_sweep(kind, *, now, batch_size):
    """Move one batch of due items of ``kind`` in one transaction. Returns how many moved."""
    if connection.vendor != "postgresql":
        return _batch_row_by_row(kind, now=now, batch_size=batch_size)
    with transaction.atomic():
        items = list(
            NoticeItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notice__rights_holder", "listing", "ip_asset")
            .filter(status=kind.status, **{f"{kind.deadline}__lte": now})
            .order_by(kind.deadline, "id")[:batch_size]
        )
        if not items:
            return 0
        moves_apply_in_set(items, [kind.plan(item) for item in items], now=now)
        item_ids = [item.pk for item in items]
        transaction.on_commit(lambda: effects_dispatch_in_chunks(item_ids))
        return len(items)


def _batch_row_by_row(kind, *, now, batch_size):
    ids = list(
        NoticeItem.objects.filter(status=kind.status, **{f"{kind.deadline}__lte": now})
        .order_by(kind.deadline, "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    return sum(1 for item_id in ids if kind.verb(item_id=item_id, now=now))


# --- The set-based twin of lifecycle._apply ------------------------------------


def moves_apply_in_set(items, moves, *, now):
    """Write ``moves`` (system moves, no actor) on ``items`` locked by the current transaction.

    Writes exactly what ``lifecycle._apply`` writes for each pair, a statement per kind of row.
    """
    if not items:
        return
    actor_label = lifecycle.actor_label(None, "system")
    befores = []
    for item, move in zip(items, moves, strict=True):
        befores.append(item.status)
        lifecycle._check_move(item, move.to)
        _move_in_memory(item, move, now)
    _items_update(items, moves, now)
    event_ids = _events_insert(items, moves, befores, now, actor_label)
    _audit_insert(items, moves, befores, event_ids, actor_label)
    _statements_insert(items, moves, now)
    _effects_insert(items, moves, event_ids)


def _move_in_memory(item, move, now):
    item.status = move.to
    item.status_changed_at = now
    item.version += 1
    for name, value in move.fields.items():
        setattr(item, name, value)
    if move.final:
        item.decided_at = now
        item.decided_by = None
        item.decision_generation += 1
    if move.to in {ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION}:
        item.queued_at = now
        item.review_due_at = now + timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)


def _items_update(items, moves, now):
    """One UPDATE per group of items that take the same values (usually one group per batch)."""
    groups = {}
    for item, move in zip(items, moves, strict=True):
        names = ["status", "status_changed_at", *move.fields]
        if move.final:
            names += ["decided_at", "decided_by_id"]
        if move.to in {ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION}:
            names += ["queued_at", "review_due_at"]
        values = tuple((name, _db_value(NoticeItem, name, getattr(item, name))) for name in names)
        # version and decision_generation were read under the lock, so +1 in SQL equals +1 in memory.
        groups.setdefault((values, move.final), []).append(item.pk)
    table = NoticeItem._meta.db_table
    with connection.cursor() as cursor:
        for (values, final), ids in groups.items():
            sets = [f"{_column(NoticeItem, name)} = %s" for name, _ in values]
            sets.append("version = version + 1")
            if final:
                sets.append("decision_generation = decision_generation + 1")
            cursor.execute(
                # Table and column names come from the model's meta, values are parameters.
                f"UPDATE {table} SET {', '.join(sets)} WHERE id = ANY(%s)",  # noqa: S608
                [*(value for _, value in values), ids],
            )


def _events_insert(items, moves, befores, now, actor_label):
    rows = [
        (item.pk, now, None, actor_label, move.action, before, move.to, move.reason, json.dumps(move.data))
        for item, move, before in zip(items, moves, befores, strict=True)
    ]
    columns = ["item", "at", "actor", "actor_label", "action", "from_status", "to_status", "reason", "data"]
    returned = _insert(ItemEvent, columns, rows, returning="id, item_id")
    return {item_id: event_id for event_id, item_id in returned}


def _audit_insert(items, moves, befores, event_ids, actor_label):
    origin = current_origin()
    created_at = timezone.now()
    object_type = NoticeItem._meta.label_lower
    rows = []
    for item, move, before in zip(items, moves, befores, strict=True):
        data = {"before": before, "after": move.to, "reason": move.reason, "event": event_ids[item.pk], **move.data}
        rows.append(
            (
                created_at,
                None,
                actor_label[:200],
                f"takedowns.item.{move.action}",
                object_type,
                str(item.pk),
                str(item)[:300],
                item.notice.rights_holder.organisation_id,
                origin.ip_address,
                origin.user_agent,
                json.dumps(data),
            )
        )
    columns = [
        "created_at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "organisation",
        "ip_address",
        "user_agent",
        "data",
    ]
    _insert(AuditLogEntry, columns, rows)


def _statements_insert(items, moves, now):
    """Mirrors reasons.statements_write (get_or_create: a statement already written stays)."""
    redress = redress_text()
    created_at = timezone.now()
    rows = []
    for item, move in zip(items, moves, strict=True):
        proactive = item.notice.channel == Channel.PROACTIVE
        for spec in move.statements:
            rows.append(
                (
                    str(uuid.uuid4()),
                    item.pk,
                    item.decision_generation,
                    item.listing.store_id,
                    spec["restriction"],
                    spec.get("ends_at"),
                    item.infringement_type,
                    spec.get("ground") or ground_text(item),
                    spec.get("facts") or item.explanation,
                    proactive,
                    spec.get("automated_decision", False),
                    redress,
                    "SOURCE_VOLUNTARY" if proactive else "SOURCE_ARTICLE_16",
                    item.listing.created_at,
                    now,
                    created_at,
                )
            )
    columns = [
        "puid",
        "item",
        "decision_generation",
        "store",
        "restriction",
        "restriction_ends_at",
        "infringement_type",
        "ground",
        "facts",
        "automated_detection",
        "automated_decision",
        "redress",
        "source_type",
        "content_created_at",
        "decided_at",
        "created_at",
    ]
    _insert(StatementOfReasons, columns, rows, on_conflict_nothing=True)


def _effects_insert(items, moves, event_ids):
    """Mirrors effects.effects_write, with the notify effect _apply adds to every move."""
    created_at = timezone.now()
    rows = []
    for item, move in zip(items, moves, strict=True):
        event_id = event_ids[item.pk]
        effects = [*move.effects, (EffectKind.NOTIFY, f"event-{event_id}", {"event": event_id})]
        for kind, key, payload in effects:
            rows.append((item.pk, kind, key, json.dumps(payload), EffectStatus.PENDING, 0, "", created_at))
    columns = ["item", "kind", "key", "payload", "status", "attempts", "last_error", "created_at"]
    _insert(Effect, columns, rows, on_conflict_nothing=True)


def _column(model, name):
    return model._meta.get_field(name).column


def _db_value(model, name, value):
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _insert(model, names, rows, *, returning=None, on_conflict_nothing=False):
    """A multi-row INSERT of plain tuples (psycopg2 execute_values): no model instance per row."""
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in names]
    placeholders = ", ".join("%s::jsonb" if f.get_internal_type() == "JSONField" else "%s" for f in fields)
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(f.column for f in fields)}) VALUES %s"  # noqa: S608
    if on_conflict_nothing:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {returning}"
    with connection.cursor() as cursor:
        # The Django wrapper's cursor is psycopg2's; execute_values builds one VALUES list per page.
        return execute_values(
            cursor.cursor, sql, rows, template=f"({placeholders})", page_size=len(rows), fetch=bool(returning)
        )


# --- Sending effects -----------------------------------------------------------


def effects_dispatch_in_chunks(item_ids):
    """Send the effects of many items, one task per chunk. A broker failure is logged: the sweep re-sends.

    The rows are not stamped ``dispatched_at``: fresh effects count as stale from
    ``created_at``, so a chunk whose message is lost is re-sent as soon as a
    stamped one would be.
    """
    from takedowns.tasks import run_items_effects

    for start in range(0, len(item_ids), EFFECTS_TASK_CHUNK):
        chunk = list(item_ids[start : start + EFFECTS_TASK_CHUNK])
        try:
            run_items_effects.delay(chunk)
        except Exception:  # the rows stay pending; effects_resend_stale re-sends them
            log.exception("Could not send the effects of %s items; the sweeper will re-send them", len(chunk))
