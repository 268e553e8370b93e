"""The deadline sweeper (beat, every minute): expired windows are moved in sets.

Counter-notice windows that passed unanswered are upheld; rights-holder reply
windows that passed send the item to a reviewer. On PostgreSQL a batch is three
queries in one transaction, whatever its size, and no item row passes through
Python:

1. the claim locks up to ``TAKEDOWN_SWEEP_BATCH_SIZE`` due items with ``FOR
   UPDATE SKIP LOCKED`` (so several workers share one sweep, and a merchant's
   counter-notice that holds the row lock is skipped, not overwritten), and
   returns each with the values its rows name (listing's store and age, the
   rights holder's organisation, the legal ground's asset and holder); the
   items fall into groups that the rules treat alike (``GROUP_KEY``);
2. the groups' representatives are loaded (the item and its notice);
3. the move is one statement of data-modifying CTEs that updates the items and
   inserts, for each, the rows ``lifecycle.move_rows`` makes for one: its
   ``ItemEvent``, its audit entry, its statements of reasons and its ``Effect``
   rows.

The sweep writes nothing of its own making. Per group it runs the plan the
single-item verb uses (``lifecycle.uphold_by_default_plan``,
``lifecycle.reply_lapse_plan``) and ``lifecycle.move_rows`` on the
representative, whose per-item values (its id, listing, explanation, version,
store, organisation, the legal ground, the new event's id) are markers. What
``move_rows`` returns are template rows; ``_TemplateInsert`` writes them for
every claimed row of the group, any column of any model, putting each row's own
value where a template holds a marker. tests/takedowns/test_sweep.py checks
that both paths write identical rows. Effects are sent after commit, one task
per chunk of items. Elsewhere (SQLite) the verbs are called row by row
(``deadline_batch_sweep``, the one place the sweep differs by database).

A worker that was down catches up on its next run: deadlines are instants in
the database, not ETAs in the broker.
"""

import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from listings.models import Listing
from portal.context import current_origin
from portal.events import events_announce
from portal.models import AuditLogEntry
from portal.transactions import durable_atomic
from rights_holders.models import IPAsset, RightsHolder
from takedowns import lifecycle
from takedowns.announcements import items_upheld_changed, upheld_changed
from takedowns.effects import effects_resend_stale
from takedowns.models import Effect, ItemEvent, ItemStatus, Notice, NoticeItem, StatementOfReasons
from takedowns.penalties import store_restrictions_lift
from takedowns.reasons import ground_text_of

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
    counts["restrictions_lifted"] = store_restrictions_lift(now=now)
    return counts


def deadline_batch_sweep(kind, *, now, batch_size):
    """Move one batch of due items of ``kind`` in one transaction. Returns how many moved.

    The one place the sweep differs by database: PostgreSQL claims with SKIP LOCKED and
    moves the batch in one statement; elsewhere (SQLite) each item goes through its verb.
    """
    if connection.vendor != "postgresql":
        return _batch_row_by_row(kind, now=now, batch_size=batch_size)
    with durable_atomic():
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


# --- Claiming ------------------------------------------------------------------------------

# What a plan and move_rows may read of the representative beyond its per-row values (the
# markers below): the item's infringement type and decision generation, and the channel of its
# notice. Anything else they read must be added here, or become a per-row value: the
# representative loads nothing more, and planning refuses a query, so reading something else
# fails loudly instead of copying one item's value onto its whole group.
GROUP_KEY = ("infringement_type", "decision_generation", "channel")


@dataclass
class ClaimedGroup:
    """Claimed items the rules treat alike: a representative, and each row's own values."""

    representative_id: int
    rows: list = dataclasses.field(default_factory=list)  # ClaimedRow

    @property
    def ids(self):
        return [row.id for row in self.rows]

    @property
    def size(self):
        return len(self.rows)


@dataclass
class ClaimedRow:
    id: int
    ground: int  # index into Claimed.grounds
    organisation_id: int  # the rights holder's organisation
    store_id: int  # the listing's store
    listed_at: datetime  # the listing's creation


@dataclass
class Claimed:
    groups: list
    grounds: list  # the distinct legal grounds of the batch's statements (reasons.ground_text_of)


def _due_items_claim(kind, *, now, limit):
    """Lock up to ``limit`` due items, skipping rows another transaction holds; oldest deadline first.

    SKIP LOCKED is what lets several sweepers share the work, and what makes a
    sweeper step around an item a merchant is filing a counter-notice on at
    this moment: the verb holds the row lock, the sweep leaves the row alone,
    and if the counter-notice fails the next sweep takes the item. The locks
    are held until the batch commits. Each row comes back with its group key
    and the values its rows name, so that a batch of items of 2,000 assets,
    holders and stores is still planned as a few groups.

    The joins sit under the LIMIT, so the planner fetches each row's notice, asset,
    holder and listing by key. Joined to the locked rows afterwards, it built hash
    tables of the whole asset, holder and listing tables for every batch: on the
    benchmark's 100,000 items that was most of the claim's time.
    """
    with connection.cursor() as cursor:
        cursor.execute(due_items_claim_sql(kind), [kind.status, now, limit])
        rows = sorted(cursor.fetchall())
    groups, grounds, ground_no = {}, [], {}
    for item_id, type_, generation, channel, *named, organisation_id, store_id, listed_at in rows:
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
        group.rows.append(ClaimedRow(item_id, number, organisation_id, store_id, listed_at))
    return Claimed(groups=list(groups.values()), grounds=grounds)


def due_items_claim_sql(kind):
    """The claim's statement (parameters: status, now, limit).

    Ordered by the deadline alone, as the index on (status, deadline) is: the index
    hands the rows over in that order and the LIMIT stops the scan after a batch.
    Ordered by the deadline and the id as well, PostgreSQL sorted the due rows on
    each batch (an incremental sort with one group per deadline, so all of them when
    many items share one): on 100,000 due items of one deadline a sort on disk and
    472 ms a batch, against 22 ms (load average 6 on 2 cores). The batch's rows are
    sorted by id afterwards, in Python.
    """
    item, notice, listing = NoticeItem._meta, Notice._meta, Listing._meta.db_table
    asset, holder = IPAsset._meta.db_table, RightsHolder._meta.db_table
    deadline = _column(NoticeItem, kind.deadline)
    # Table and column names come from the models' meta; values are parameters.
    return (
        "SELECT i.id, i.infringement_type, i.decision_generation, n.channel, "  # noqa: S608
        "a.kind, a.name, a.registration_number, a.office, h.legal_name, h.organisation_id, l.store_id, l.created_at "
        f"FROM {item.db_table} i JOIN {notice.db_table} n ON n.id = i.notice_id "
        f"JOIN {asset} a ON a.id = i.ip_asset_id JOIN {holder} h ON h.id = n.rights_holder_id "
        f"JOIN {listing} l ON l.id = i.listing_id "
        f"WHERE i.status = %s AND i.{deadline} <= %s "
        f"ORDER BY i.{deadline} LIMIT %s FOR UPDATE OF i SKIP LOCKED"
    )


# --- The move, as lifecycle.move_rows writes it, for every claimed row ----------------------

# Stand-ins for the values that differ from item to item, put into a representative before
# move_rows runs and replaced by each row's own value in SQL. Numbers no id can be; texts of
# letters and digits, which read the same in text and in JSON; an instant no listing has.
MARK_ID = -9182736401
MARK_LISTING = -9182736402
MARK_EVENT = -9182736403
MARK_EXPLANATION = "SweepMarkExplanation9182736404"
MARK_GROUND = "SweepMarkGround9182736405"
MARK_STORE = -9182736406
MARK_ORGANISATION = -9182736407
MARK_VERSION = -9182736408
MARK_LISTED_AT = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)

# Each marker's per-row value in the move statement (``u``: the updated item and its claimed
# values; ``ev``: its new event). Numbers stand alone in a column or inside a text or JSON.
_ROW_NUMBERS = {
    MARK_ID: "u.id",
    MARK_LISTING: "u.listing_id",
    MARK_EVENT: "ev.id",
    MARK_STORE: "u.store_id",
    MARK_ORGANISATION: "u.organisation_id",
}
_ROW_TEXTS = {MARK_EXPLANATION: "u.explanation", MARK_GROUND: "(%(grounds)s::text[])[u.ground]"}
_ROW_INSTANTS = {MARK_LISTED_AT: "u.listed_at"}
# A column holding only a marker; markers inside a text or JSON (numbers first, texts last).
_ROW_ALONE = {("number", k): v for k, v in _ROW_NUMBERS.items()} | {("instant", k): v for k, v in _ROW_INSTANTS.items()}
_ROW_IN_TEXT = [(str(k), f"{v}::text") for k, v in _ROW_NUMBERS.items()] + list(_ROW_TEXTS.items())


def _marker_key(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return ("number", value)
    if isinstance(value, datetime):
        return ("instant", value)
    return None


# The item's own counters: the move adds to them (``version``: one per move).
_ROW_COUNTERS = {"version": MARK_VERSION}


def groups_move_in_set(kind, claimed, *, now):
    """Write ``kind``'s move on the ``claimed`` items (locked by the current transaction). Returns the item ids."""
    groups = claimed.groups
    # The item and its notice (the channel), nothing more: see GROUP_KEY.
    representatives = NoticeItem.objects.select_related("notice").in_bulk([g.representative_id for g in groups])
    origin = current_origin()
    with connection.execute_wrapper(_refuse_query):
        templates = [_group_rows(kind, representatives[group.representative_id], now, origin) for group in groups]
    return _rows_apply(kind, groups, templates, claimed.grounds)


def _refuse_query(execute, sql, params, many, context):
    raise RuntimeError(
        "A plan read the database while the sweep planned a group of items: it depends on more than "
        f"sweep.GROUP_KEY and the per-row values, and the batch would copy one item's value to the others ({sql})"
    )


def _group_rows(kind, item, now, origin):
    """The rows ``move_rows`` makes for the group's representative, with markers for what differs per row."""
    item.id = MARK_ID
    item.explanation = MARK_EXPLANATION
    item.version = MARK_VERSION
    item.listing = Listing(id=MARK_LISTING, store_id=MARK_STORE, created_at=MARK_LISTED_AT)
    item.notice.rights_holder = RightsHolder(organisation_id=MARK_ORGANISATION)
    move = kind.plan(item)
    lifecycle.move_check(item, move.action, now=now)
    rows = lifecycle.move_rows(item, move, actor=None, now=now, ground=MARK_GROUND)
    if rows.listing_follows:
        raise ValueError(f"the sweep does not bring listings in line in its statement ({move.action})")
    rows.event.pk = MARK_EVENT
    return rows.after_event(origin=origin)


def _rows_apply(kind, groups, templates, grounds):
    """One statement: update the items, insert their events, audit entries, statements and effects."""
    params = {"before": kind.status, "grounds": grounds}
    claimed = [(n, row) for n, group in enumerate(groups) for row in group.rows]
    for name, values in {
        "no": [n for n, _ in claimed],
        "id": [row.id for _, row in claimed],
        "ground": [row.ground + 1 for _, row in claimed],  # 1-based in SQL
        "organisation_id": [row.organisation_id for _, row in claimed],
        "store_id": [row.store_id for _, row in claimed],
        "listed_at": [row.listed_at for _, row in claimed],
    }.items():
        params[f"c_{name}"] = values

    # The item's new values: per group (the templates' items), counters added to each row's own.
    names = list(dict.fromkeys(name for rows in templates for name in rows.fields))
    sets, group_columns = [], []
    for name in names:
        model_field = NoticeItem._meta.get_field(name)
        values = [getattr(rows.item, model_field.attname) for rows in templates]
        if name in _ROW_COUNTERS:
            steps = {value - _ROW_COUNTERS[name] for value in values}
            if len(steps) != 1:
                raise ValueError(f"the move changes {name} by different steps")
            sets.append(f"{model_field.column} = i.{model_field.column} + {int(steps.pop())}")
            continue
        if any(name not in rows.fields for rows in templates):
            raise ValueError(f"groups of one batch set different fields ({name})")
        params[f"g_{name}"] = [model_field.get_db_prep_save(value, connection) for value in values]
        group_columns.append(f"%(g_{name})s::{model_field.db_type(connection)}[]")
        sets.append(f"{model_field.column} = g.f{len(group_columns)}")
    params["g_no"] = list(range(len(groups)))
    group_aliases = ", ".join(["no", *(f"f{n}" for n in range(1, len(group_columns) + 1))])

    inserts = [
        _TemplateInsert(ItemEvent, "ev", [(n, 0, rows.event) for n, rows in enumerate(templates)], params),
        _TemplateInsert(AuditLogEntry, "au", [(n, 0, rows.audit) for n, rows in enumerate(templates)], params),
        _TemplateInsert(
            StatementOfReasons,
            "st",
            [(n, k, row) for n, rows in enumerate(templates) for k, row in enumerate(rows.statements)],
            params,
        ),
        _TemplateInsert(
            Effect,
            "ef",
            [(n, k, row) for n, rows in enumerate(templates) for k, row in enumerate(rows.effects)],
            params,
        ),
    ]
    t_item = NoticeItem._meta.db_table
    # Table and column names come from the models' meta; values are parameters. The planner
    # cannot know how many rows the arrays hold: with JIT on, its estimates for a batch of many
    # groups passed the JIT thresholds and compiling took longer than running (5 of 6 seconds).
    sql = f"""
    SET LOCAL jit = off;
    WITH c AS (
        SELECT * FROM unnest(%(c_no)s::int[], %(c_id)s::bigint[], %(c_ground)s::int[],
                             %(c_organisation_id)s::bigint[], %(c_store_id)s::bigint[], %(c_listed_at)s::timestamptz[])
            AS c(no, id, ground, organisation_id, store_id, listed_at)
    ), g AS (
        SELECT * FROM unnest(%(g_no)s::int[]{"".join(f", {column}" for column in group_columns)}) AS g({group_aliases})
    ), u AS (
        UPDATE {t_item} i SET {", ".join(sets)}
        FROM c JOIN g ON g.no = c.no WHERE i.id = c.id AND i.status = %(before)s
        RETURNING i.id, i.listing_id, i.explanation, c.no, c.ground, c.organisation_id, c.store_id, c.listed_at
    ), {", ".join(insert.sql(first=(insert is inserts[0])) for insert in inserts if insert.templates)}
    SELECT array_agg(u.id), (SELECT array_agg(ev.id) FROM ev) FROM u
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {name: _array_text(value) if isinstance(value, list) else value for name, value in params.items()}
        )
        item_ids, event_ids = cursor.fetchone()
    item_ids = item_ids or []
    if len(item_ids) != len(claimed):
        # The rows were locked by the claim in this transaction; nothing else can have moved them.
        raise RuntimeError(f"sweep moved {len(item_ids)} of {len(claimed)} claimed items; the batch is rolled back")
    # Webhooks: the batch's events announced as lifecycle.rows_insert announces a verb's (portal.events).
    events_announce("item_event", event_ids or [])
    # Screening (takedowns.announcements): items upheld by default change the known counterfeits.
    if any(upheld_changed(kind.status, rows.event.to_status) for rows in templates):
        items_upheld_changed(item_ids)
    return item_ids


class _TemplateInsert:
    """Insert a model's template rows (one or more per group) once for every claimed row of their group.

    Every concrete column of the model is written from the templates: a column
    whose templates hold a marker gets each row's own value (a number or instant
    alone, or replaced inside a text or JSON); a UUID with a generated default
    gets a fresh one per row; any other column the template's value. The first
    insert is the event (``ev``), which the others may name by id.
    """

    def __init__(self, model, alias, templates, params):
        self.model, self.alias, self.templates, self.params = model, alias, templates, params
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]

    def sql(self, *, first):
        t, params = f"{self.alias}_t", self.params
        params[f"{t}_no"] = [n for n, _, _ in self.templates]
        params[f"{t}_ord"] = [k for _, k, _ in self.templates]
        arrays, selects = [f"%({t}_no)s::int[]", f"%({t}_ord)s::int[]"], []
        for model_field in self.fields:
            values = [getattr(row, model_field.attname) for _, _, row in self.templates]
            select = self._per_row(model_field, values, first=first)
            if select is None:
                column = f"c{len(arrays) - 1}"
                values = self._db_values(model_field, values)
                params[f"{t}_{column}"] = values
                db_type = "text" if self._is_json(model_field) else model_field.db_type(connection)
                arrays.append(f"%({t}_{column})s::{db_type}[]")
                select = f"{t}.{column}"
                if self._is_text(model_field):
                    select = self._texts(select, values, first=first, json=False)
                elif self._is_json(model_field):
                    select = f"({self._texts(select, values, first=first, json=True)})::jsonb"
            selects.append(select)
        aliases = ", ".join(["no", "ord", *(f"c{n}" for n in range(1, len(arrays) - 1))])
        columns = ", ".join(model_field.column for model_field in self.fields)
        source = f"u JOIN {t} ON {t}.no = u.no"
        if not first:
            source = f"ev JOIN u ON u.id = ev.item_id JOIN {t} ON {t}.no = u.no"
        returning = " RETURNING id, item_id" if first else ""
        # Table and column names come from the model's meta; values are parameters.
        return (
            f"{t} AS (SELECT * FROM unnest({', '.join(arrays)}) AS {t}({aliases})), "  # noqa: S608
            f"{self.alias} AS (INSERT INTO {self.model._meta.db_table} ({columns}) "
            f"SELECT {', '.join(selects)} FROM {source} ORDER BY u.id, {t}.ord{returning})"
        )

    def _per_row(self, model_field, values, *, first):
        """The column's per-row SQL when its templates hold a marker or it is generated per row; else None."""
        if isinstance(model_field, models.UUIDField) and callable(model_field.default):
            return "gen_random_uuid()"
        marked = [_ROW_ALONE.get(_marker_key(value)) for value in values]
        if not any(marked):
            return None
        if len(set(marked)) != 1:
            raise ValueError(f"{self.model.__name__}.{model_field.name}: a marker in some templates only")
        if first and values[0] == MARK_EVENT:
            raise ValueError("an event cannot name its own id")
        return marked[0]

    def _texts(self, select, values, *, first, json):
        """``select`` with every marker its templates hold replaced by the row's own value.

        Numbers first, the texts (explanation, legal ground) last: what a text brings in is
        never scanned for another marker, and a column may name one text at most.
        """
        values = [value for value in values if value]
        named = [marker for marker, _ in _ROW_IN_TEXT if any(marker in value for value in values)]
        if len([marker for marker in named if marker in _ROW_TEXTS]) > 1:
            raise ValueError(f"{self.model.__name__}: a column names two texts ({named})")
        for number, (marker, expr) in enumerate(_ROW_IN_TEXT):
            if marker not in named:
                continue
            if first and marker == str(MARK_EVENT):
                raise ValueError("an event cannot name its own id")
            if json and marker in _ROW_TEXTS:
                # Inside JSON a text is JSON-escaped: to_json() without its quotes.
                quoted = f"to_json({expr})::text"
                expr = f"substr({quoted}, 2, length({quoted}) - 2)"
            self.params[f"marker{number}"] = marker
            select = f"replace({select}, %(marker{number})s, {expr})"
        return select

    def _db_values(self, model_field, values):
        if self._is_json(model_field):
            return [None if value is None else _json(value) for value in values]
        return [model_field.get_db_prep_save(value, connection) for value in values]

    @staticmethod
    def _is_text(model_field):
        return model_field.get_internal_type() in {"CharField", "TextField"}

    @staticmethod
    def _is_json(model_field):
        return isinstance(model_field, models.JSONField)


def _array_text(values):
    """A list as one PostgreSQL array literal (``'{1,2}'``), cast by the statement (``::int[]``).

    psycopg2 sends a list as ``ARRAY[1, 2, ...]``: one expression per element, which the
    server parses and plans one by one; for a batch's dozens of arrays of 2,000 values that
    was a tenth of the statement's time. One literal is read by the array's input function.
    Texts are quoted; numbers, booleans and instants need no quotes.
    """
    return "{" + ",".join(map(_array_element, values)) + "}"


def _array_element(value):
    kind = type(value)
    if kind is int:
        return str(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, (str, int, float, Decimal, UUID, date)):
        raise TypeError(f"the sweep cannot write {type(value).__name__} values in an array ({value!r})")
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _column(model, name):
    return model._meta.get_field(name).column


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
            # A short description, not celery's repr of 200 ids: cheaper, and as telling in a log.
            run_items_effects.apply_async((chunk,), argsrepr=f"([{len(chunk)} items: {chunk[0]}..{chunk[-1]}],)")
        except Exception:  # the rows stay pending; effects_resend_stale re-sends them
            log.exception("Could not send the effects of %s items; the sweeper will re-send them", len(chunk))
