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

import io
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from listings.models import Listing
from portal.context import current_origin
from portal.models import AuditLogEntry
from rights_holders.models import RightsHolder
from takedowns import lifecycle
from takedowns.effects import effects_resend_stale
from takedowns.models import (
    Channel,
    Effect,
    EffectKind,
    EffectStatus,
    ItemEvent,
    ItemStatus,
    Notice,
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
        items, context = _due_items_claim(kind, now=now, limit=batch_size)
        if not items:
            return 0
        moves_apply_in_set(items, [kind.plan(item) for item in items], now=now, context=context)
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


@dataclass(frozen=True)
class ItemContext:
    """What a move reads beyond the item's own row (its notice, rights holder, listing)."""

    organisation_id: int
    channel: str
    store_id: int
    listing_created_at: object
    ground: str


def _due_items_claim(kind, *, now, limit):
    """Lock up to ``limit`` due items, skipping rows another transaction holds; oldest deadline first.

    Returns the items (full rows, as the verbs see them) and an ItemContext per item id.
    SKIP LOCKED is what lets several sweepers share the work, and what makes a
    sweeper step around an item a merchant is filing a counter-notice on at
    this moment: the verb holds the row lock, the sweep leaves the row alone,
    and if the counter-notice fails the next sweep takes the item.
    """
    fields = NoticeItem._meta.concrete_fields
    deadline = _column(NoticeItem, kind.deadline)
    # Table and column names come from the model's meta; values are parameters.
    sql = (
        f"SELECT {', '.join(f'i.{f.column}' for f in fields)}, n.channel, n.rights_holder_id, rh.organisation_id, "  # noqa: S608
        "l.store_id, l.created_at "
        f"FROM {NoticeItem._meta.db_table} i "
        f"JOIN {Notice._meta.db_table} n ON n.id = i.notice_id "
        f"JOIN {RightsHolder._meta.db_table} rh ON rh.id = n.rights_holder_id "
        f"JOIN {Listing._meta.db_table} l ON l.id = i.listing_id "
        f"WHERE i.status = %s AND i.{deadline} <= %s "
        f"ORDER BY i.{deadline}, i.id LIMIT %s FOR UPDATE OF i SKIP LOCKED"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind.status, now, limit])
        rows = cursor.fetchall()
    names = [f.attname for f in fields]
    converters = [(n, f) for n, f in enumerate(fields) if f.get_db_converters(connection)]
    items, context, grounds = [], {}, {}
    width = len(fields)
    for row in rows:
        values = list(row[:width])
        for n, f in converters:
            for converter in f.get_db_converters(connection):
                values[n] = converter(values[n], f, connection)
        item = NoticeItem.from_db(connection.alias, names, values)
        channel, rights_holder_id, organisation_id, store_id, listing_created_at = row[width:]
        key = (item.ip_asset_id, item.infringement_type, rights_holder_id)
        if key not in grounds:
            # One real load per distinct right and infringement, not per item.
            grounds[key] = ground_text(
                NoticeItem.objects.select_related("ip_asset", "notice__rights_holder").get(pk=item.pk)
            )
        context[item.pk] = ItemContext(organisation_id, channel, store_id, listing_created_at, grounds[key])
        items.append(item)
    return items, context


# --- The set-based twin of lifecycle._apply ------------------------------------


def moves_apply_in_set(items, moves, *, now, context):
    """Write ``moves`` (system moves, no actor) on ``items`` locked by the current transaction.

    Writes exactly what ``lifecycle._apply`` writes for each pair, a statement per kind of row.
    Rows go in with COPY: the events with ids drawn from their sequence first, because the
    audit entries and notify effects name them. COPY cannot skip conflicts, and needs not:
    every effect and statement written here is keyed by the move's new event or new
    decision generation, which no row can have yet (the verbs use ignore_conflicts only
    as a guard).
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
    _audit_insert(items, moves, befores, event_ids, actor_label, context)
    _statements_insert(items, moves, now, context)
    _effects_insert(items, moves, event_ids)


def _move_in_memory(item, move, now):
    item.status = move.to
    item.status_changed_at = now
    item.version += 1
    for name, value in move.fields.items():
        setattr(item, name, value)
    if move.final:
        item.decided_at = now
        item.decided_by_id = None
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
        # version and decision_generation were read under the lock, so +1 in SQL equals +1 in memory.
        groups.setdefault((tuple((name, getattr(item, name)) for name in names), move.final), []).append(item.pk)
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
                [*(_db_value(NoticeItem, name, value) for name, value in values), ids],
            )


def _events_insert(items, moves, befores, now, actor_label):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [ItemEvent._meta.db_table, len(items)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows = [
        (event_id, item.pk, now, None, actor_label, move.action, before, move.to, move.reason, _json(move.data))
        for event_id, item, move, before in zip(ids, items, moves, befores, strict=True)
    ]
    columns = ["id", "item", "at", "actor", "actor_label", "action", "from_status", "to_status", "reason", "data"]
    _copy(ItemEvent, columns, rows)
    return {item.pk: event_id for item, event_id in zip(items, ids, strict=True)}


def _audit_insert(items, moves, befores, event_ids, actor_label, context):
    """Mirrors portal.audit.audit_log_record as _apply calls it."""
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
                context[item.pk].organisation_id,
                origin.ip_address,
                origin.user_agent,
                _json(data),
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
    _copy(AuditLogEntry, columns, rows)


def _statements_insert(items, moves, now, context):
    """Mirrors reasons.statements_write."""
    redress = redress_text()
    created_at = timezone.now()
    rows = []
    for item, move in zip(items, moves, strict=True):
        ctx = context[item.pk]
        proactive = ctx.channel == Channel.PROACTIVE
        for spec in move.statements:
            rows.append(
                (
                    uuid.uuid4(),
                    item.pk,
                    item.decision_generation,
                    ctx.store_id,
                    spec["restriction"],
                    spec.get("ends_at"),
                    item.infringement_type,
                    spec.get("ground") or ctx.ground,
                    spec.get("facts") or item.explanation,
                    proactive,
                    spec.get("automated_decision", False),
                    redress,
                    "SOURCE_VOLUNTARY" if proactive else "SOURCE_ARTICLE_16",
                    ctx.listing_created_at,
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
    _copy(StatementOfReasons, columns, rows)


def _effects_insert(items, moves, event_ids):
    """Mirrors effects.effects_write, with the notify effect _apply adds to every move."""
    created_at = timezone.now()
    rows = []
    for item, move in zip(items, moves, strict=True):
        event_id = event_ids[item.pk]
        effects = [*move.effects, (EffectKind.NOTIFY, f"event-{event_id}", {"event": event_id})]
        for kind, key, payload in effects:
            rows.append((item.pk, kind, key, _json(payload), EffectStatus.PENDING, 0, "", created_at))
    columns = ["item", "kind", "key", "payload", "status", "attempts", "last_error", "created_at"]
    _copy(Effect, columns, rows)


def _column(model, name):
    return model._meta.get_field(name).column


def _db_value(model, name, value):
    return model._meta.get_field(name).get_db_prep_save(value, connection)


_json = json.JSONEncoder(ensure_ascii=False).encode


def _copy_text(value):
    """One value in COPY's text format: NULL as \\N, backslash and control characters escaped."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError(f"naive datetime {value!r} in a sweep row; times are aware UTC instants")
        return value.isoformat()
    text = str(value)
    # `in` scans are cheap; most values need no escaping at all.
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def _copy(model, names, rows):
    """COPY plain tuples into ``model``'s table (text format): no model instance, no SQL per row."""
    if not rows:
        return
    # Most values repeat across a batch (texts, instants); each is formatted once.
    formatted = {}

    def field(value):
        cls = value.__class__
        if cls is int:
            return str(value)
        if value is None:
            return "\\N"
        if cls is bool:
            return "t" if value else "f"
        text = formatted.get(value)
        if text is None:
            text = formatted[value] = _copy_text(value)
        return text

    columns = ", ".join(model._meta.get_field(name).column for name in names)
    data = io.StringIO("".join("\t".join(map(field, row)) + "\n" for row in rows))
    with connection.cursor() as cursor:
        # The Django wrapper's cursor is psycopg2's, which streams COPY FROM STDIN.
        cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", data)


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
