"""The deadline sweeper (beat, every minute): expired windows are moved in sets.

Counter-notice windows that passed unanswered are upheld; rights-holder reply
windows that passed send the item to a reviewer. On PostgreSQL a batch is three
queries in one transaction, whatever its size, and no item row passes through
Python:

1. the claim locks up to ``TAKEDOWN_SWEEP_BATCH_SIZE`` due items with ``FOR
   UPDATE SKIP LOCKED`` (so several workers share one sweep, and a merchant's
   counter-notice that holds the row lock is skipped, not overwritten) and
   answers one row per group of items that the rules treat alike (same right,
   infringement type, rights holder, channel and decision generation): a
   representative item and the group's ids;
2. the representatives are loaded as the verb loads an item;
3. the move is one statement of data-modifying CTEs that updates the items and
   inserts, for each, what ``lifecycle._apply`` writes for one: its
   ``ItemEvent``, its audit entry, its statements of reasons and its ``Effect``
   rows (the notify effect keyed by the new event's id).

The rules stay in Python, in one place: per group, the plan function the
single-item verb uses (``lifecycle.uphold_by_default_plan``,
``lifecycle.reply_lapse_plan``) and ``reasons.statement_fields`` run on the
group's representative, loaded like the verb loads it, with the few values
that differ from item to item (id, listing id, explanation, the new event's
id) replaced by markers. What they return are templates; the statement puts
each row's own values in place of the markers. tests/takedowns/test_sweep.py
checks that both paths write identical rows. Effects are sent after commit,
one task per chunk of items. Elsewhere (SQLite) the verbs are called row by
row.

A worker that was down catches up on its next run: deadlines are instants in
the database, not ETAs in the broker.
"""

import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from listings.models import Listing
from portal.context import current_origin
from portal.models import AuditLogEntry
from rights_holders.models import IPAsset, RightsHolder
from takedowns import lifecycle
from takedowns.effects import effects_resend_stale
from takedowns.models import (
    Effect,
    EffectKind,
    EffectStatus,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    StatementOfReasons,
)
from takedowns.reasons import ground_text_of, statement_fields

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
        claimed = _due_items_claim(kind, now=now, limit=batch_size)
        if not claimed.groups:
            return 0
        item_ids = groups_move_in_set(kind, claimed, now=now)
        transaction.on_commit(lambda: effects_dispatch_in_chunks(item_ids))
        return len(item_ids)


def _batch_row_by_row(kind, *, now, batch_size):
    ids = list(
        NoticeItem.objects.filter(status=kind.status, **{f"{kind.deadline}__lte": now})
        .order_by(kind.deadline, "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    return sum(1 for item_id in ids if kind.verb(item_id=item_id, now=now))


@dataclass
class ClaimedGroup:
    """Claimed items the rules treat alike (same group key): one representative and every row of the group."""

    representative_id: int
    ids: list = dataclasses.field(default_factory=list)
    grounds: list = dataclasses.field(default_factory=list)  # per row: its index in Claimed.grounds
    organisations: list = dataclasses.field(default_factory=list)  # per row: its rights holder's organisation

    @property
    def size(self):
        return len(self.ids)


@dataclass
class Claimed:
    groups: list
    grounds: list  # the distinct legal grounds of the batch's statements (reasons.ground_text_of)


# What a plan may read beyond the per-row values the move statement puts in place of the markers:
# the item's infringement type and decision generation, and the channel of its notice. A plan or a
# statement that reads anything else of the item must add it here (the representative loads
# nothing more, and ``_group_plan`` refuses a query), or the batch would copy one item's value onto
# the others.
GROUP_KEY = ("infringement_type", "decision_generation", "channel")


def _due_items_claim(kind, *, now, limit):
    """Lock up to ``limit`` due items, skipping rows another transaction holds; oldest deadline first.

    SKIP LOCKED is what lets several sweepers share the work, and what makes a
    sweeper step around an item a merchant is filing a counter-notice on at
    this moment: the verb holds the row lock, the sweep leaves the row alone,
    and if the counter-notice fails the next sweep takes the item. The locks
    are held until the batch commits. Each row comes back with its group key
    and what its statement's legal ground names (asset and rights holder), so
    that a batch of items of 2,000 assets and holders still plans a few groups.
    """
    item, notice = NoticeItem._meta, Notice._meta
    asset, holder = IPAsset._meta.db_table, RightsHolder._meta.db_table
    deadline = _column(NoticeItem, kind.deadline)
    # Table and column names come from the models' meta; values are parameters.
    sql = (
        "WITH c AS ("  # noqa: S608
        "SELECT i.id, i.infringement_type, i.decision_generation, n.channel, i.ip_asset_id, n.rights_holder_id "
        f"FROM {item.db_table} i JOIN {notice.db_table} n ON n.id = i.notice_id "
        f"WHERE i.status = %s AND i.{deadline} <= %s "
        f"ORDER BY i.{deadline}, i.id LIMIT %s FOR UPDATE OF i SKIP LOCKED) "
        "SELECT c.id, c.infringement_type, c.decision_generation, c.channel, "
        "a.kind, a.name, a.registration_number, a.office, h.legal_name, h.organisation_id "
        f"FROM c JOIN {asset} a ON a.id = c.ip_asset_id JOIN {holder} h ON h.id = c.rights_holder_id ORDER BY c.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [kind.status, now, limit])
        rows = cursor.fetchall()
    groups, grounds, ground_no = {}, [], {}
    for item_id, type_, generation, channel, *named, organisation_id in rows:
        group = groups.get((type_, generation, channel))
        if group is None:
            group = groups[type_, generation, channel] = ClaimedGroup(representative_id=item_id)
        ground_key = (type_, *named)
        number = ground_no.get(ground_key)
        if number is None:
            asset_kind, asset_name, registration_number, office, holder_name = named
            number = ground_no[ground_key] = len(grounds)
            grounds.append(
                ground_text_of(
                    infringement_type=type_,
                    asset_kind=asset_kind,
                    asset_name=asset_name,
                    registration_number=registration_number,
                    office=office,
                    holder_name=holder_name,
                )
            )
        group.ids.append(item_id)
        group.grounds.append(number)
        group.organisations.append(organisation_id)
    return Claimed(groups=list(groups.values()), grounds=grounds)


# --- The set-based twin of lifecycle._apply ------------------------------------

# Stand-ins for the values that differ from item to item, put into a representative item before
# the plan runs and replaced by each row's own values in SQL. Digits and letters only, so they read
# the same in text and in JSON; the numbers are ids no row can have.
MARK_ID = -9182736401
MARK_LISTING = -9182736402
MARK_EVENT = -9182736403
MARK_EXPLANATION = "SweepMarkExplanation9182736404"
MARK_GROUND = "SweepMarkGround9182736405"


@dataclass
class _GroupPlan:
    group: ClaimedGroup
    move: object
    constants: tuple  # what must agree across the groups of one statement
    object_repr: str
    audit_data: str
    statements: list  # statement field dicts
    effects: list  # (kind, key, payload JSON)


def groups_move_in_set(kind, claimed, *, now):
    """Write ``kind``'s move on the ``claimed`` items (locked by the current transaction). Returns the item ids."""
    groups = claimed.groups
    # The item and its notice (the channel), nothing more: see GROUP_KEY.
    representatives = NoticeItem.objects.select_related("notice").in_bulk([g.representative_id for g in groups])
    with connection.execute_wrapper(_refuse_query):
        plans = [_group_plan(kind, group, representatives[group.representative_id], now) for group in groups]
    if len({plan.constants for plan in plans}) > 1:
        # The statement sets the same status and fields on every row. A plan that varies them
        # between groups is moved group by group; the rows are already locked by this transaction.
        return [item_id for plan in plans for item_id in _plans_apply([plan], claimed.grounds, now=now)]
    return _plans_apply(plans, claimed.grounds, now=now)


def _refuse_query(execute, sql, params, many, context):
    raise RuntimeError(
        "A plan read the database while the sweep planned a group of items: it depends on more than "
        f"sweep.GROUP_KEY and the per-row values, and the batch would copy one item's value to the others ({sql})"
    )


def _group_plan(kind, group, representative, now):
    # A plan must be a function of the item's fields and related rows loaded here, as the verbs'
    # plans are: it runs once for the whole group, on the representative with markers in place.
    item = representative
    before = item.status
    item.id = MARK_ID
    item.listing_id = MARK_LISTING
    item.explanation = MARK_EXPLANATION
    move = kind.plan(item)
    lifecycle.move_check(item, move.action, now=now)
    _move_in_memory(item, move, now)
    statements = []
    for spec in move.statements:
        fields = statement_fields(item, spec, now=now, ground=MARK_GROUND)
        # The per-row values come from SQL; a template naming them would be silently wrong.
        if {"store_id", "content_created_at"} & set(fields):
            raise ValueError("statement_fields must leave the listing's store and creation time to the caller")
        statements.append({"restriction": spec["restriction"], **fields})
    effects = list(move.effects)
    # What _apply adds to every move: the parties are told; the notify handler decides who hears what.
    effects.append((EffectKind.NOTIFY, f"event-{MARK_EVENT}", {"event": MARK_EVENT}))
    # The audit entry _apply writes through portal.audit.audit_log_record.
    audit_data = {"before": before, "after": move.to, "reason": move.reason, "event": MARK_EVENT, **move.data}
    item_values = tuple((name, getattr(item, name)) for name in _item_update_names(move))
    return _GroupPlan(
        group=group,
        move=move,
        constants=(before, move.to, move.action, move.reason, _json(move.data), move.final, item_values),
        object_repr=str(item)[:300],
        audit_data=_json(audit_data),
        statements=statements,
        effects=[(kind_, key, _json(payload)) for kind_, key, payload in effects],
    )


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


def _item_update_names(move):
    names = ["status", "status_changed_at", *move.fields]
    if move.final:
        names += ["decided_at", "decided_by_id"]
    if move.to in {ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION}:
        names += ["queued_at", "review_due_at"]
    return names


def _plans_apply(plans, grounds, *, now):
    """One statement: update the items, insert their events, audit entries, statements and effects."""
    first = plans[0]
    before, to, action, reason, event_data, final, item_values = first.constants
    origin = current_origin()
    created_at = timezone.now()
    params = {
        "now": now,
        "created_at": created_at,
        "before": before,
        "to": to,
        "action": action,
        "reason": reason,
        "event_data": event_data,
        "actor_label": lifecycle.actor_label(None, "system"),
        "audit_action": f"takedowns.item.{action}",
        "object_type": NoticeItem._meta.label_lower,
        "ip_address": origin.ip_address,
        "user_agent": origin.user_agent,
        "pending": EffectStatus.PENDING,
        "m_id": str(MARK_ID),
        "m_listing": str(MARK_LISTING),
        "m_event": str(MARK_EVENT),
        "m_explanation": MARK_EXPLANATION,
        "m_ground": MARK_GROUND,
        "grounds": grounds,
        # One row per group: its number and the texts its plan gave.
        "g_no": list(range(len(plans))),
        "g_repr": [plan.object_repr for plan in plans],
        "g_audit": [plan.audit_data for plan in plans],
        # One row per item: its group, its id, its legal ground (1-based into grounds), its organisation.
        "c_no": [n for n, plan in enumerate(plans) for _ in plan.group.ids],
        "c_id": [item_id for plan in plans for item_id in plan.group.ids],
        "c_ground": [number + 1 for plan in plans for number in plan.group.grounds],
        "c_organisation": [org for plan in plans for org in plan.group.organisations],
    }

    # Item fields: the same values on every row (checked by the caller); counters move in SQL
    # because the rows were read under the lock, so +1 there equals +1 in the verb.
    sets = [f"{_column(NoticeItem, name)} = %(f_{name})s" for name, _ in item_values]
    params.update({f"f_{name}": _db_value(NoticeItem, name, value) for name, value in item_values})
    sets.append("version = i.version + 1")
    if final:
        sets.append("decision_generation = i.decision_generation + 1")

    # Statements: one row per (group, spec); columns named by what reasons.statement_fields returns.
    statement_names = list(first.statements[0]) if any(plan.statements for plan in plans) else []
    statement_rows = [(n, spec) for n, plan in enumerate(plans) for spec in plan.statements]
    params["s_no"] = [n for n, _ in statement_rows]
    params["s_ord"] = list(range(len(statement_rows)))
    statement_columns = []
    for name in statement_names:
        model_field = StatementOfReasons._meta.get_field(name)
        values = [_db_value(StatementOfReasons, name, spec[name]) for _, spec in statement_rows]
        params[f"s_{name}"] = values
        statement_columns.append((model_field, values))

    effect_rows = [(n, order, effect) for n, plan in enumerate(plans) for order, effect in enumerate(plan.effects)]
    params["e_no"] = [n for n, _, _ in effect_rows]
    params["e_ord"] = [order for _, order, _ in effect_rows]
    params["e_kind"] = [effect[0] for _, _, effect in effect_rows]
    params["e_key"] = [effect[1] for _, _, effect in effect_rows]
    params["e_payload"] = [effect[2] for _, _, effect in effect_rows]

    t_item, t_event, t_audit = NoticeItem._meta.db_table, ItemEvent._meta.db_table, AuditLogEntry._meta.db_table
    t_statement, t_effect, t_listing = (
        StatementOfReasons._meta.db_table,
        Effect._meta.db_table,
        Listing._meta.db_table,
    )
    subst = _Substitution(params)
    statement_selects = [
        subst.text(f"s.{field.column}", values) if _is_text(field) else f"s.{field.column}"
        for field, values in statement_columns
    ]
    statement_unnest = ", ".join(
        [
            "%(s_no)s::int[]",
            "%(s_ord)s::int[]",
            *(f"%(s_{field.name})s::{field.db_type(connection)}[]" for field, _ in statement_columns),
        ]
    )
    statement_aliases = ", ".join(["no", "ord", *(field.column for field, _ in statement_columns)])
    # Table and column names come from the models' meta; values are parameters. The planner
    # cannot know how many rows the arrays hold: with JIT on, its estimates for a batch of many
    # groups passed the JIT thresholds and compiling took longer than running (5 of 6 seconds).
    sql = f"""
    SET LOCAL jit = off;
    WITH g AS (
        SELECT * FROM unnest(%(g_no)s::int[], %(g_repr)s::text[], %(g_audit)s::text[]) AS g(no, repr, audit)
    ), c AS (
        SELECT * FROM unnest(%(c_no)s::int[], %(c_id)s::bigint[], %(c_ground)s::int[], %(c_organisation)s::bigint[])
            AS c(no, id, ground, organisation_id)
    ), u AS (
        UPDATE {t_item} i SET {", ".join(sets)}
        FROM c WHERE i.id = c.id AND i.status = %(before)s
        RETURNING i.id, c.no, c.ground, c.organisation_id, i.listing_id, i.explanation, i.decision_generation
    ), ev AS (
        INSERT INTO {t_event} (item_id, at, actor_id, actor_label, action, from_status, to_status, reason, data)
        SELECT u.id, %(now)s, NULL, %(actor_label)s, %(action)s, %(before)s, %(to)s,
               {subst.text("%(reason)s", [reason], event=False)},
               ({subst.json("%(event_data)s", [event_data], event=False)})::jsonb
        FROM u ORDER BY u.id
        RETURNING id, item_id
    ), audit AS (
        INSERT INTO {t_audit} (created_at, actor_id, actor_label, action, object_type, object_id, object_repr,
                               organisation_id, ip_address, user_agent, data)
        SELECT %(created_at)s, NULL, left(%(actor_label)s, 200), %(audit_action)s, %(object_type)s, u.id::text,
               left({subst.text("g.repr", params["g_repr"])}, 300), u.organisation_id,
               %(ip_address)s, %(user_agent)s, ({subst.json("g.audit", params["g_audit"])})::jsonb
        FROM ev JOIN u ON u.id = ev.item_id JOIN g ON g.no = u.no ORDER BY u.id
    ), s AS (
        SELECT * FROM unnest({statement_unnest}) AS s({statement_aliases})
    ), st AS (
        INSERT INTO {t_statement} (puid, item_id, decision_generation, store_id, content_created_at, created_at
                                   {"".join(f", {field.column}" for field, _ in statement_columns)})
        SELECT gen_random_uuid(), u.id, u.decision_generation, l.store_id, l.created_at, %(created_at)s
               {"".join(f", {select}" for select in statement_selects)}
        FROM u JOIN s ON s.no = u.no JOIN {t_listing} l ON l.id = u.listing_id ORDER BY u.id, s.ord
    ), e AS (
        SELECT * FROM unnest(%(e_no)s::int[], %(e_ord)s::int[], %(e_kind)s::text[], %(e_key)s::text[],
                             %(e_payload)s::text[]) AS e(no, ord, kind, key, payload)
    ), eff AS (
        INSERT INTO {t_effect} (item_id, kind, key, payload, status, attempts, last_error, created_at)
        SELECT u.id, e.kind, {subst.text("e.key", params["e_key"])},
               ({subst.json("e.payload", params["e_payload"])})::jsonb, %(pending)s, 0, '', %(created_at)s
        FROM ev JOIN u ON u.id = ev.item_id JOIN e ON e.no = u.no ORDER BY u.id, e.ord
    )
    SELECT array_agg(u.id) FROM u
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (item_ids,) = cursor.fetchone()
    item_ids = item_ids or []
    claimed = sum(plan.group.size for plan in plans)
    if len(item_ids) != claimed:
        # The rows were locked by the claim in this transaction; nothing else can have moved them.
        raise RuntimeError(f"sweep moved {len(item_ids)} of {claimed} claimed items; the batch is rolled back")
    return item_ids


class _Substitution:
    """SQL that puts each row's own values where a template holds a marker.

    Only the markers some template holds are replaced, so a column without any
    costs nothing. The texts (the explanation, the legal ground) go last, so what
    they bring is never scanned for the other markers; a column may name one of
    them, not both.
    """

    def __init__(self, params):
        self.params = params

    GROUND = "(%(grounds)s::text[])[u.ground]"

    def text(self, expr, templates, *, event=True):
        return self._wrap(expr, templates, event=event, texts=("u.explanation", self.GROUND))

    def json(self, expr, templates, *, event=True):
        # Inside a JSON string a text is JSON-escaped: to_json() without its quotes.
        def escaped(text):
            quoted = f"to_json({text})::text"
            return f"substr({quoted}, 2, length({quoted}) - 2)"

        return self._wrap(expr, templates, event=event, texts=(escaped("u.explanation"), escaped(self.GROUND)))

    def _wrap(self, expr, templates, *, event, texts):
        templates = [template for template in templates if template]
        explanation, ground = texts
        named = {name for name in ("m_ground", "m_explanation") if any(self.params[name] in t for t in templates)}
        if len(named) > 1:
            raise ValueError("a column's template names both the explanation and the legal ground")
        # The texts go last, so what they bring is never scanned for markers.
        replacements = [
            ("m_id", "u.id::text"),
            ("m_listing", "u.listing_id::text"),
            ("m_event", "ev.id::text"),
            ("m_ground", ground),
            ("m_explanation", explanation),
        ]
        for name, value in replacements:
            if not any(self.params[name] in template for template in templates):
                continue
            if name == "m_event" and not event:
                raise ValueError("an event's own texts cannot name the event's id")
            expr = f"replace({expr}, %({name})s, {value})"
        return expr


def _is_text(field):
    return field.get_internal_type() in {"CharField", "TextField"}


def _column(model, name):
    return model._meta.get_field(name).column


def _db_value(model, name, value):
    return model._meta.get_field(name).get_db_prep_save(value, connection)


_json = json.JSONEncoder(ensure_ascii=False).encode


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
