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
3. the listings of fast-tracked items are locked and taken down in one statement
   (``listing_sync.listing_status_wanted`` answers ``taken_down`` for a listing
   that a standing fast-track item holds, unless its merchant removed it);
4. quality audits are drawn for the fast-tracked items, in order, with the same
   draws as ``good_faith.audits.quality_audit_maybe_select``;
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

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from listings.models import Listing, ListingStatus, Merchant, Store
from portal.audit import audit_log_entry
from portal.context import current_origin
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.models import Effect, ItemEvent, ItemStatus, NoticeItem, StatementOfReasons
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
    audit_entries: list = field(default_factory=list)  # after the routing entry: listing, quality audit


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

    fast = [r for r in routed if r.move.to == ItemStatus.AWAITING_COUNTER_NOTICE]
    _listings_take_down(fast)
    _quality_audits_draw(fast, notice=notice, now=now)

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
        entries += [audit_log_entry(**kwargs, origin=origin) for kwargs in r.audit_entries]
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
    """Take the fast-tracked items' listings down in one statement, with listing_status_sync's audit entries.

    Every listing is locked, even one already down: a reinstatement recomputing its
    status at this moment (``listing_sync.listing_status_sync``, which locks it too)
    then waits for this filing and sees its items, as it would wait for the per-item path.
    """
    if not fast:
        return
    cause_of = {}
    for r in fast:
        cause_of.setdefault(r.item.listing_id, r)
    t_listing, t_store, t_merchant = Listing._meta.db_table, Store._meta.db_table, Merchant._meta.db_table
    # Table names come from the models' meta; values are parameters.
    sql = f"""
    WITH locked AS (
        SELECT l.id, l.status, m.organisation_id
        FROM {t_listing} l JOIN {t_store} s ON s.id = l.store_id JOIN {t_merchant} m ON m.id = s.merchant_id
        WHERE l.id = ANY(%(ids)s) ORDER BY l.id FOR UPDATE OF l
    ), changed AS (
        UPDATE {t_listing} l SET status = %(down)s, updated_at = %(updated_at)s
        FROM locked WHERE l.id = locked.id AND locked.status NOT IN (%(down)s, %(removed)s)
        RETURNING l.id
    )
    SELECT locked.id, locked.status, locked.organisation_id FROM locked JOIN changed ON changed.id = locked.id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "ids": sorted(cause_of),
                "down": ListingStatus.TAKEN_DOWN,
                "removed": ListingStatus.REMOVED,
                "updated_at": timezone.now(),
            },
        )
        changed = cursor.fetchall()
    for listing_id, before, organisation_id in changed:
        r = cause_of[listing_id]
        listing = r.item.listing
        listing.status = ListingStatus.TAKEN_DOWN
        r.audit_entries.append(
            {
                "action": f"listings.listing.{ListingStatus.TAKEN_DOWN}",
                "actor": None,
                "actor_label": None,
                "obj": listing,
                "organisation_id": organisation_id,
                "data": {
                    "before": before,
                    "after": ListingStatus.TAKEN_DOWN,
                    "cause": f"fast track of item {r.item.pk}",
                },
            }
        )


def _quality_audits_draw(fast, *, notice, now):
    """Draw the fast-tracked items for audit, in order, as quality_audit_maybe_select does one by one."""
    from good_faith.audits import quality_audit_selected_data, quality_audits_draw
    from good_faith.models import QualityAudit

    audits = quality_audits_draw([r.item for r in fast], now=now)
    if not audits:
        return
    QualityAudit.objects.bulk_create(audits)
    by_item = {audit.item_id: audit for audit in audits}
    for r in fast:
        audit = by_item.get(r.item.pk)
        if audit is not None:
            r.audit_entries.append(
                {
                    "action": "good_faith.quality_audit.selected",
                    "actor": None,
                    "actor_label": None,
                    "obj": audit,
                    "organisation_id": notice.rights_holder.organisation_id,
                    "data": quality_audit_selected_data(r.item, audit),
                }
            )


def _str_in_status(item, status):
    """The item as its creation's audit entry names it: in its first status, before routing."""
    routed_status, item.status = item.status, status
    try:
        return str(item)
    finally:
        item.status = routed_status
