"""Filing a notice's items as a set: created, routed and, on the fast track, taken down in a few statements.

``takedowns.notices.notice_submit`` checks every line first, then hands the
checked lines here, and a notice of ten items costs about as many queries as a
notice of two:

1. the items are inserted in one statement, already in the status routing gives
   them (valid ones submitted then routed, invalid ones invalid);
2. the rows of each item's creation and routing move, made by
   ``lifecycle.creation_rows`` and ``lifecycle.move_rows`` (what the verbs write
   for one item), are inserted by ``lifecycle.rows_insert``: events, audit
   entries (with the listings' and the notice's own), statements of reasons and
   effects one statement each, and the fast-tracked items' listings taken down
   (``listing_sync.listings_status_sync``);
   after commit the effects go out in one message
   (``sweep.effects_dispatch_in_chunks``) rather than one per item;
3. quality audits are drawn for the fast-tracked items, in order, by the
   ``quality_audits_select`` policy the route verb calls for one item.

So the rules stay in one place: each item's first status comes from
``lifecycle.creation_plan``, its routing move from ``lifecycle.route_plan``,
and what a move writes from ``lifecycle.move_rows``, all shared with the
single-item verbs. tests/takedowns/test_routing.py checks that both paths write
identical rows, on PostgreSQL and on SQLite.

The one difference by database is how the items go in (``_items_insert``): on
PostgreSQL sorted by listing and asset, so two filings naming the same listings
never deadlock on the unique index of open items.

The track of every item comes from one question to the Good Faith programme for
all the infringement types the notice names (``notices.tracks_for``).

When the insert meets the partial unique index ``notice_item_one_open_per_listing_asset``
(another filing opened the same listing and asset a moment ago), the filing
ends with ``OpenItemClash`` and ``notice_submit`` files the notice again from
the start through the per-item path, which turns the clash into an invalid item
pointing to the other one. That rare case costs a second attempt; no filing pays
a savepoint for it. A notice that names one listing
and asset twice takes the per-item path too: the second line's reason names the
first line's item id, known only once it is inserted.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection

from listings.models import Listing
from portal.bulk_insert import bulk_insert, unsaved
from takedowns import lifecycle, sweep
from takedowns.models import ItemStatus, NoticeItem
from takedowns.policies import policy


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
    item: NoticeItem | None = None  # set by notice_items_file: the line's item


def set_filing_possible(lines):
    """Whether the set path can file these lines: no listing and asset named twice."""
    pairs = [(line.listing.pk, line.asset.pk) for line in lines if not line.problem]
    return len(pairs) == len(set(pairs))


class OpenItemClash(Exception):
    """The items' insert met an item another filing opened a moment ago for one of the listings and assets.

    The transaction is aborted (no savepoint is spent on every filing for this rare
    case): the caller files the whole notice again, item by item, and the clash
    becomes an invalid item pointing to the other one.
    """


def notice_items_file(*, notice, lines, actor, now, notice_audit):
    """Create and route ``lines``' items inside the caller's transaction. Returns (accepted, invalid) items.

    Raises ``OpenItemClash`` when another filing opened one of the listings and
    assets meanwhile. ``notice_audit(accepted, invalid)`` gives the notice's own
    audit entry, inserted with the items' entries; the caller stores the evidence.
    """
    from takedowns.notices import tracks_for

    items, created = [], []
    for line in lines:
        creation = lifecycle.creation_plan(
            notice=notice,
            actor=actor,
            invalid_reason=line.problem,
            authorised_store_flag=line.authorised_store_flag,
            now=now,
        )
        item = unsaved(NoticeItem, notice=notice, **creation.item_fields, **line.fields)
        line.item = item
        items.append(item)
        created.append(lifecycle.creation_rows(item, creation, actor=actor))
    valid = [item for item, line in zip(items, lines, strict=True) if not line.problem]
    routed = []
    for item, (track, reason) in zip(valid, tracks_for(notice, valid), strict=True):
        move = lifecycle.route_plan(item, track, reason, now)
        lifecycle.move_check(item, move.action, now=now)
        # The routed values go in with the insert: the item is never seen submitted by anyone else.
        routed.append(lifecycle.move_rows(item, move, actor=None, now=now))
    try:
        _items_insert(items)
    except IntegrityError as exc:
        raise OpenItemClash from exc
    accepted = [rows.item for rows in routed]
    invalid = [item for item in items if item.status == ItemStatus.INVALID]
    # One message for the notice's items, as the sweep sends its batches: a lost one is re-sent
    # by the sweeper like any effect still pending, and no row is stamped per item.
    lifecycle.rows_insert(
        created + routed, dispatch=sweep.effects_dispatch_in_chunks, also_audit=[notice_audit(accepted, invalid)]
    )
    fast = [item for item in accepted if item.status == ItemStatus.AWAITING_COUNTER_NOTICE]
    policy("quality_audits_select")(fast, now=now)
    return accepted, invalid


def _items_insert(items):
    """Insert a notice's items in one statement: the one step of the set filing that differs by database.

    On PostgreSQL each row takes its entry in the unique index of open items as it
    goes in, and two filings naming the same listings in different orders would each
    hold entries the other waits for (a deadlock). Sorted by listing and asset, the
    second simply waits for the first and then meets its committed items; the ids are
    drawn first so the items keep the order the filer gave them. SQLite lets one
    writer in at a time, so the lines go in as they are.
    """
    if connection.vendor != "postgresql":
        NoticeItem.objects.bulk_create(items)
        return
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
    bulk_insert(sorted(items, key=lambda item: (item.listing_id, item.ip_asset_id)))
