"""Filing a notice's items as a set: created, routed and, on the fast track, taken down in a few statements.

``takedowns.notices.notice_submit`` checks every line first. On PostgreSQL it
then hands the checked lines here, and a notice of ten items costs about ten
queries instead of some thirty per item:

1. the items are inserted in one statement, already in the status routing gives
   them (valid ones submitted then routed, invalid ones invalid), sorted by
   listing and asset so that two filings naming the same listings never
   deadlock on the unique index of open items;
2. their events are inserted in one statement: each line's first event
   (``submitted`` or ``invalid``), then each valid item's routing event;
3. the listings of fast-tracked items are taken down by
   ``listing_sync.listings_status_sync``, the function the route verb calls for
   one listing, in a few statements for all of them;
4. quality audits are drawn for the fast-tracked items, in order, by the
   ``quality_audits_select`` policy the route verb calls for one item;
5. the audit entries, statements of reasons and effects are inserted, one
   statement each; after commit the effects go out in one message
   (``sweep.effects_dispatch_in_chunks``) rather than one per item.

The rules stay in one place: each item's first status comes from
``lifecycle.creation_plan`` and its routing move from ``lifecycle.route_plan``,
both shared with the single-item verbs; ``lifecycle.move_in_memory``,
``move_audit_data`` and ``move_effects`` are what ``lifecycle._apply`` writes.
tests/takedowns/test_routing.py checks that both paths write identical rows.

When the insert meets the partial unique index ``notice_item_one_open_per_listing_asset``
(another filing opened the same listing and asset a moment ago), the savepoint
is rolled back and the notice takes the per-item path, which turns the clash
into an invalid item pointing to the other one. A notice that names one listing
and asset twice takes the per-item path too: the second line's reason names the
first line's item id, known only once it is inserted.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from listings.models import Listing
from portal.audit import audit_log_entry
from portal.context import current_origin
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.listing_sync import listings_status_sync
from takedowns.models import Effect, ItemEvent, ItemStatus, NoticeItem, StatementOfReasons
from takedowns.policies import policy
from takedowns.reasons import statement_fields


@dataclass
class FilingLine:
    """A line of a notice that names a known listing and asset, checked: ``problem`` is '' if it can go ahead."""

    number: int
    draft: object  # takedowns.notices.ItemDraft
    listing: Listing
    asset: object  # rights_holders.IPAsset
    fields: dict  # the item's own fields
    authorised_store_flag: bool
    problem: str


@dataclass
class _Routed:
    item: NoticeItem
    before: str
    move: lifecycle.Move
    event: ItemEvent = None


def set_filing_possible(lines):
    """Whether the set path can file these lines: PostgreSQL, and no listing and asset named twice."""
    if connection.vendor != "postgresql":
        return False
    pairs = [(line.listing.pk, line.asset.pk) for line in lines if not line.problem]
    return len(pairs) == len(set(pairs))


def notice_items_file(*, notice, lines, actor, now):
    """Create and route ``lines``' items inside the caller's transaction. Returns (accepted, invalid) items.

    Returns None, having written nothing, when another filing opened one of the
    listings and assets meanwhile: the caller files the notice item by item.
    The caller writes the notice's own audit entry and the evidence.
    """
    from takedowns.notices import track_for

    items, creations, routed = [], [], []
    for line in lines:
        creation = lifecycle.creation_plan(
            notice=notice,
            actor=actor,
            invalid_reason=line.problem,
            authorised_store_flag=line.authorised_store_flag,
            now=now,
        )
        item = NoticeItem(notice=notice, **creation.item_fields, **line.fields)
        items.append(item)
        creations.append(creation)
        if not line.problem:
            track, reason = track_for(notice, item)
            move = lifecycle.route_plan(item, track, reason, now)
            lifecycle.move_check(item, move.action, now=now)
            routed.append(_Routed(item=item, before=item.status, move=move))
    # The routed values go in with the insert: the item is never seen submitted by anyone else.
    for r in routed:
        lifecycle.move_in_memory(r.item, r.move, actor=None, now=now)
    try:
        with transaction.atomic():
            _items_insert_in_stable_order(items)
    except IntegrityError:
        return None  # the savepoint is rolled back; the caller starts afresh from the lines

    first_events = [
        ItemEvent(item=item, **creation.event_fields) for item, creation in zip(items, creations, strict=True)
    ]
    route_events = [
        ItemEvent(
            item=r.item,
            at=now,
            actor=None,
            actor_label=lifecycle.actor_label(None),
            action=r.move.action,
            from_status=r.before,
            to_status=r.move.to,
            reason=r.move.reason,
            data=r.move.data,
        )
        for r in routed
    ]
    ItemEvent.objects.bulk_create(first_events + route_events)
    for r, event in zip(routed, route_events, strict=True):
        r.event = event

    fast = [r.item for r in routed if r.move.to == ItemStatus.AWAITING_COUNTER_NOTICE]
    _listings_take_down(fast)
    # Drawn with the same policy the route verb calls for one item: one draw per item, in order.
    policy("quality_audits_select")(fast, now=now)

    origin = current_origin()
    organisation_id = notice.rights_holder.organisation_id
    entries = [
        audit_log_entry(
            action=creation.audit_action,
            actor=actor,
            actor_label=creation.audit_label,
            obj=item,
            organisation_id=organisation_id,
            data=creation.audit_data(event.pk),
            origin=origin,
            object_repr=_str_in_status(item, creation.item_fields["status"]),
        )
        for item, creation, event in zip(items, creations, first_events, strict=True)
    ]
    accepted = [r.item for r in routed]
    invalid = [item for item in items if item.status == ItemStatus.INVALID]
    for r in routed:
        entries.append(
            audit_log_entry(
                action=f"takedowns.item.{r.move.action}",
                actor=None,
                actor_label=r.event.actor_label,
                obj=r.item,
                organisation_id=organisation_id,
                data=lifecycle.move_audit_data(r.before, r.move, r.event.pk),
                origin=origin,
            )
        )
    AuditLogEntry.objects.bulk_create(entries)

    StatementOfReasons.objects.bulk_create(
        [
            StatementOfReasons(
                item=r.item,
                decision_generation=r.item.decision_generation,
                restriction=spec["restriction"],
                store_id=r.item.listing.store_id,
                content_created_at=r.item.listing.created_at,
                **statement_fields(r.item, spec, now=now),
            )
            for r in routed
            for spec in r.move.statements
        ]
    )
    Effect.objects.bulk_create(
        [
            Effect(item=r.item, kind=kind, key=key, payload=payload)
            for r in routed
            for kind, key, payload in lifecycle.move_effects(r.move, r.event.pk)
        ]
    )
    if routed:
        from takedowns import sweep

        item_ids = [r.item.pk for r in routed]
        # One message for the notice's items, as the sweep sends its batches: a lost one is re-sent
        # by the sweeper like any effect still pending, and no row is stamped per item.
        transaction.on_commit(lambda: sweep.effects_dispatch_in_chunks(item_ids))
    return accepted, invalid


def _items_insert_in_stable_order(items):
    """Insert ``items`` sorted by listing and asset, their ids still following the notice's lines.

    Each row takes its entry in the unique index of open items as it goes in. Two
    filings naming the same listings in different orders would each hold entries
    the other waits for (a deadlock); in one order, the second simply waits for the
    first and then meets its committed items. The ids are drawn first so the
    items keep the order the filer gave them.
    """
    table = NoticeItem._meta.db_table
    with connection.cursor() as cursor:
        # The table name comes from the model's meta; the count is a parameter.
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",  # noqa: S608
            [len(items)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for item, pk in zip(items, ids, strict=True):
        item.pk = pk
    NoticeItem.objects.bulk_create(sorted(items, key=lambda item: (item.listing_id, item.ip_asset_id)))


def _listings_take_down(fast):
    """Take the fast-tracked items' listings down now, as the route verb does for one (``listing_sync``)."""
    causes = {}
    for item in fast:
        causes.setdefault(item.listing_id, f"fast track of item {item.pk}")
    changed = listings_status_sync(causes)
    for item in fast:
        if item.listing_id in changed:
            item.listing.status = changed[item.listing_id]


def _str_in_status(item, status):
    """The item as its creation's audit entry names it: in its first status, before routing."""
    routed_status, item.status = item.status, status
    try:
        return str(item)
    finally:
        item.status = routed_status
