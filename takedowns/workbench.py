"""The reviewer workbench's queue: every kind of work in one list, by due time, filtered and counted.

Reviews and adjudications (items), quality audits (added by good_faith through the
``review_queue_parts`` policy), appeals (senior reviewers only) and IP asset verifications
(rights_holders) are each a part: a queryset annotated with the same columns (``COLUMNS``). The
list is their UNION, so ``portal.lists.list_page`` sorts, counts and pages it in the database:
the page's rows and one count, however long the queue. ``queue_decorate`` then reads what the
page shows of its rows (the items, the assets, the running claims) in one query each, and
``queue_facets`` counts each filter's values in one GROUP BY each (a value's count is with the
other filters applied, so it says how many rows choosing it would show).

Order: due time; at equal due times trusted filers' work first (fast track, partner-vetted,
Good Faith members: ``selectors._ahead_at_equal_due_time``), then adjudications, reviews,
appeals, audits, verifications; the primary key last.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from portal.claims import work_claims_running_together
from rights_holders.models import IPAsset, VerificationStatus
from rights_holders.verification import VERIFICATION_CLAIMS
from takedowns.claims import ITEM_CLAIMS
from takedowns.models import (
    QUEUE_STATUSES,
    Appeal,
    AppealStatus,
    ItemStatus,
    NoticeItem,
    ReviewClaim,
)
from takedowns.policies import policy
from takedowns.selectors import _ahead_at_equal_due_time

# The kinds of work, in their order at equal due times and trust.
KINDS = {
    "adjudication": _("Adjudication"),
    "review": _("Review"),
    "appeal": _("Appeal"),
    "audit": _("Quality audit"),
    "verification": _("Asset verification"),
}
KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

# The columns every part has besides its own primary key ("id", first: a UNION matches columns by position,
# and ``list_page`` ends every order on "pk").
COLUMNS = (
    "q_kind",
    "q_rank",
    "q_due",
    "q_ahead",
    "q_item",
    "q_track",
    "q_type",
    "q_brand",
    "q_category",
    "q_store",
)
# The filters, each a column.
FACETS = {
    "kind": "q_kind",
    "track": "q_track",
    "type": "q_type",
    "brand": "q_brand",
    "category": "q_category",
    "store": "q_store",
}
FACET_LIMIT = 30  # the most frequent values a filter offers (brands, stores, categories); the chosen one too


@dataclass(frozen=True)
class QueuePart:
    """One kind of work as queue rows: ``queryset`` of the open work, ``item_path`` to its NoticeItem
    ("" for an item, "item__" for an appeal or audit; None when it has no item), ``due`` an expression
    of its due time, ``ahead`` of its place at equal due times (None: the item's trusted-filer rule).
    ``claims``: the ``portal.claims.ClaimKind`` a reviewer claims a row under, by the row's ``claimed``
    column ("id": the row's own work; "q_item": its item's, as an appeal is decided under its item's claim)."""

    kind: str
    queryset: object
    item_path: str | None
    due: object
    ahead: object = None
    claims: object = None
    claimed: str = "id"


def _sla():
    return timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)


def _plus_sla(expression):
    return ExpressionWrapper(expression + Value(_sla()), output_field=DateTimeField())


def _rows(part):
    """The part's queryset as the queue's columns, in ``COLUMNS`` order."""
    p = part.item_path
    text, number = CharField(), IntegerField()
    if part.kind == "review":  # an item: a review or an adjudication by its status
        is_review = Q(status=ItemStatus.PENDING_REVIEW)
        kind = Case(When(is_review, then=Value("review")), default=Value("adjudication"), output_field=text)
        rank = Case(
            When(is_review, then=Value(KIND_RANK["review"])),
            default=Value(KIND_RANK["adjudication"]),
            output_field=number,
        )
    else:
        kind, rank = Value(part.kind, output_field=text), Value(KIND_RANK[part.kind], output_field=number)
    columns = {
        "q_kind": kind,
        "q_rank": rank,
        "q_due": part.due,
        "q_ahead": part.ahead if part.ahead is not None else _ahead_at_equal_due_time(p or ""),
    }
    if p is None:  # no item: an asset to verify
        columns.update(
            q_item=Value(None, output_field=number),
            q_track=Value("", output_field=text),
            q_type=Value("", output_field=text),
            q_brand=F("rights_holder_id"),
            q_category=Value("", output_field=text),
            q_store=Value(None, output_field=number),
        )
    else:
        columns.update(
            q_item=F(f"{p}id"),
            q_track=F(f"{p}track"),
            q_type=F(f"{p}infringement_type"),
            q_brand=F(f"{p}notice__rights_holder_id"),
            q_category=F(f"{p}listing__category"),
            q_store=F(f"{p}listing__store_id"),
        )
    return part.queryset.order_by().annotate(**columns).values("id", *COLUMNS)


def queue_parts(*, include_appeals):
    """The parts of the queue a reviewer sees (appeals for senior reviewers only)."""
    parts = [
        QueuePart(
            kind="review",  # and adjudications: the item's status says which
            queryset=NoticeItem.objects.filter(status__in=QUEUE_STATUSES),
            item_path="",
            due=F("review_due_at"),
            claims=ITEM_CLAIMS,
        )
    ]
    parts += policy("review_queue_parts")()
    if include_appeals:
        parts.append(
            QueuePart(
                kind="appeal",
                queryset=Appeal.objects.filter(status=AppealStatus.OPEN),
                item_path="item__",
                due=Coalesce("due_at", _plus_sla(F("filed_at"))),
                claims=ITEM_CLAIMS,
                claimed="q_item",
            )
        )
    parts.append(
        QueuePart(
            kind="verification",
            queryset=IPAsset.objects.filter(verification_status=VerificationStatus.PENDING),
            item_path=None,
            # Due a day after it last became pending (a resubmission sets verified_at) or was registered.
            due=_plus_sla(Coalesce("verified_at", "created_at")),
            ahead=Value(False),
            claims=VERIFICATION_CLAIMS,
        )
    )
    return parts


def _filtered(rows, filters, skip=None):
    for name, value in filters.items():
        if name != skip and value not in (None, ""):
            rows = rows.filter(**{FACETS[name]: value})
    return rows


def queue_part_rows(*, include_appeals, filters, skip=None):
    """Each part's rows under ``filters`` ({facet: value}; ``skip`` one facet): querysets to unite
    (``queue_union``), built once a request and read twice (the counts, the page)."""
    return [_filtered(_rows(part), filters, skip) for part in queue_parts(include_appeals=include_appeals)]


def queue_union(parts):
    first, *rest = parts
    return first.union(*rest, all=True) if rest else first


def queue_rows(*, include_appeals, filters, skip=None, due_before=None):
    """The UNION of every part's rows under ``filters`` ({facet: value}; ``skip`` one facet), those due
    before ``due_before`` if given; a queryset that ``list_page`` orders, counts and slices."""
    parts = queue_part_rows(include_appeals=include_appeals, filters=filters, skip=skip)
    if due_before is not None:
        parts = [rows.filter(q_due__lt=due_before) for rows in parts]
    return queue_union(parts)


# The SQL of the queue's unions by what shapes it (appeals or not, the filters, the order, the page): building
# the parts' querysets and compiling them (an item's place at equal due times alone is six subqueries) cost the
# queue page more CPU than its database time. The text depends on nothing else: no value is read from the
# database to build it, and the settings it embeds (the review target) are forgotten with it when a test
# changes them (``_sql_forget``). Bounded: emptied when full.
_SQL_MEMO = {}
_SQL_MEMO_SIZE = 512


def _sql_memo(key, build):
    key = (connection.alias, connection.vendor, *key)
    sql = _SQL_MEMO.get(key)
    if sql is None:
        rows = build()
        sql = rows.query.get_compiler(using=rows.db).as_sql()
        if len(_SQL_MEMO) >= _SQL_MEMO_SIZE:
            _SQL_MEMO.clear()
        _SQL_MEMO[key] = sql
    return sql


@receiver(setting_changed)
def _sql_forget(**kwargs):
    _SQL_MEMO.clear()


def _filters_key(filters):
    return tuple(sorted((name, value) for name, value in filters.items() if value not in (None, "")))


def queue_union_sql(*, include_appeals, filters):
    """(sql, params) of ``queue_rows(include_appeals=..., filters=...)``, built once a process for each."""
    return _sql_memo(
        ("union", include_appeals, _filters_key(filters)),
        lambda: queue_rows(include_appeals=include_appeals, filters=filters),
    )


PAGE_COLUMNS = ("id", *COLUMNS)


def queue_page_rows(*, include_appeals, filters, order, start, stop):
    """Rows ``start`` to ``stop`` of ``queue_rows`` under ``filters`` ordered by ``order`` (``list_page``'s
    fields), as {column: value}.

    The same rows as slicing the ordered ``queue_rows``, read more cheaply where the database allows it: each
    part ordered and cut at ``stop`` on its own, then the union of those ordered and sliced. The items' part,
    by far the largest, then walks ``item_queue_due_idx`` in due order and works out its place at equal due
    times (a handful of subqueries a row) for the first ``stop`` rows only, not for every item waiting (on
    10,000 items: 0.6 ms instead of 43). Its SQL is built once a process (``_sql_memo``); PostgreSQL's
    driver gives each column its Python type itself. SQLite cannot order a part of a UNION: it orders the
    whole, through the ORM (which converts its text dates).
    """
    if not connection.features.supports_slicing_ordering_in_compound:
        rows = queue_rows(include_appeals=include_appeals, filters=filters)
        return list(rows.order_by(*order)[start:stop])

    def build():
        parts = queue_part_rows(include_appeals=include_appeals, filters=filters)
        return queue_union([rows.order_by(*order)[:stop] for rows in parts]).order_by(*order)[start:stop]

    sql, params = _sql_memo(("page", include_appeals, _filters_key(filters), tuple(order), start, stop), build)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(PAGE_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def queue_facets(*, include_appeals, filters, overdue=None):
    """{facet: (total, [(value, count), ...])}: the rows under the other filters, and their values by count,
    the most frequent ``FACET_LIMIT`` (and the chosen value).

    Every facet with no value chosen counts the same rows (those under all the filters): on PostgreSQL they
    are counted together, in one GROUP BY GROUPING SETS over the union, built once; each facet with a value
    chosen counts its own rows (the other filters only), one GROUP BY each. On the default page (nothing
    chosen) that is one query instead of one per facet, and one union built instead of six.

    ``overdue`` ({"before": an instant}) is given ``"count"``: the rows due before it under all the filters,
    counted in the same query when it is the grouping sets' (else one more count).
    """
    chosen = [name for name in FACETS if filters.get(name) not in (None, "")]
    shared = [name for name in FACETS if name not in chosen]
    grouped = {}
    if shared:
        sql, params = queue_union_sql(include_appeals=include_appeals, filters=filters)
        if connection.vendor == "postgresql" and len(shared) > 1:
            counted, due = _facets_grouping_sets(shared, sql, params, overdue_before=overdue and overdue["before"])
            grouped.update(counted)
            if overdue is not None:
                overdue["count"] = due
        else:
            grouped.update((name, _facet_group_by(FACETS[name], sql, params)) for name in shared)
    if overdue is not None and "count" not in overdue:
        overdue["count"] = queue_rows(
            include_appeals=include_appeals, filters=filters, due_before=overdue["before"]
        ).count()
    for name in chosen:
        others = {other: value for other, value in filters.items() if other != name}
        sql, params = queue_union_sql(include_appeals=include_appeals, filters=others)
        grouped[name] = _facet_group_by(FACETS[name], sql, params)
    facets = {}
    for name in FACETS:
        counts = grouped[name]
        total = sum(n for _value, n in counts)
        counted = [(value, n) for value, n in counts if value not in (None, "")]
        kept = counted[:FACET_LIMIT]
        kept += [(v, n) for v, n in counted[FACET_LIMIT:] if str(v) == str(filters.get(name))]
        facets[name] = (total, kept)
    return facets


def queue_count(facets, *, include_appeals, filters):
    """How many rows are under all of ``filters``, read from ``queue_facets``' answer: a facet with no value
    chosen counts exactly those rows ("All (n)"); counted when every facet has a value chosen."""
    for name in FACETS:
        if filters.get(name) in (None, ""):
            return facets[name][0]
    sql, params = queue_union_sql(include_appeals=include_appeals, filters=filters)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) u", params)  # noqa: S608 (Django's own SQL)
        return cursor.fetchone()[0]


def _facet_group_by(column, sql, params):
    """[(value, count), ...] of ``column`` over the rows of ``sql``, most frequent first."""
    # The column is one of FACETS' (a whitelist); the subquery is Django's own, with its parameters.
    col = f"u.{connection.ops.quote_name(column)}"
    query = f"SELECT {col}, COUNT(*) FROM ({sql}) u GROUP BY {col} ORDER BY COUNT(*) DESC, {col}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _facets_grouping_sets(names, sql, params, *, overdue_before=None):
    """``_facet_group_by`` of each of ``names`` over the same rows, in one query (PostgreSQL's GROUPING SETS).

    A row of the answer is one facet's value: GROUPING(column) is 0 for the facet it belongs to (a value
    may itself be NULL, so the NULLs of the other columns cannot say it). Ordered as each facet's own
    query orders it: by count, then by the value.
    """
    cols = [f"u.{connection.ops.quote_name(FACETS[name])}" for name in names]
    flags = ", ".join(f"GROUPING({col})" for col in cols)
    sets = ", ".join(f"({col})" for col in cols)
    due = f"u.{connection.ops.quote_name('q_due')}"
    query = (
        f"SELECT {', '.join(cols)}, COUNT(*), COUNT(*) FILTER (WHERE {due} < %s), {flags} "  # noqa: S608
        f"FROM ({sql}) u GROUP BY GROUPING SETS ({sets}) ORDER BY COUNT(*) DESC, {', '.join(cols)}"
    )
    out = {name: [] for name in names}
    overdue = 0
    with connection.cursor() as cursor:
        cursor.execute(query, (overdue_before, *params))
        for row in cursor.fetchall():
            values, count, late, grouping = (
                row[: len(names)],
                row[len(names)],
                row[len(names) + 1],
                row[len(names) + 2 :],
            )
            position = grouping.index(0)
            out[names[position]].append((values[position], count))
            if position == 0:  # every row is in one group of each facet: the first facet's groups count them once
                overdue += late
    return out, overdue


@dataclass
class QueueRow:
    """One row of a queue page, with what it shows: its item (or asset), its claim."""

    kind: str
    due_at: object
    ahead: bool
    obj_id: int
    item: object = None
    asset: object = None
    claim: object = None

    @property
    def kind_label(self):
        return KINDS[self.kind]

    @property
    def bulk_decidable(self):
        return self.kind in ("review", "adjudication")


def queue_decorate(rows, *, now):
    """QueueRow for each of a page's rows, with its item (listing, store, asset, holder), its asset and
    its running claim (an item's, an audit's, an asset's): one query each, whatever the page's length."""
    item_ids = {r["q_item"] for r in rows if r["q_item"] is not None}
    asset_ids = {r["id"] for r in rows if r["q_kind"] == "verification"}
    items = NoticeItem.objects.select_related("listing__store", "ip_asset", "notice__rights_holder").in_bulk(item_ids)
    assets = IPAsset.objects.select_related("rights_holder").in_bulk(asset_ids) if asset_ids else {}
    parts = {part.kind: part for part in queue_parts(include_appeals=True)}
    parts["adjudication"] = parts["review"]
    claimed = {}  # what each row is claimed under: (ClaimKind, work id)
    for r in rows:
        part = parts.get(r["q_kind"])
        if part is not None and part.claims is not None and r[part.claimed] is not None:
            claimed[r["q_kind"], r["id"]] = (part.claims, r[part.claimed])
    wanted = {}
    for claim_kind, work_id in claimed.values():
        wanted.setdefault(claim_kind.name, (claim_kind, set()))[1].add(work_id)
    claims = work_claims_running_together(list(wanted.values()), now)
    out = []
    for r in rows:
        item = items.get(r["q_item"])
        claim_kind, work_id = claimed.get((r["q_kind"], r["id"]), (None, None))
        out.append(
            QueueRow(
                kind=r["q_kind"],
                due_at=r["q_due"],
                ahead=bool(r["q_ahead"]),
                obj_id=r["id"],
                item=item,
                asset=assets.get(r["id"]) if r["q_kind"] == "verification" else None,
                claim=claims.get((claim_kind.name, work_id)) if claim_kind is not None else None,
            )
        )
    return out


def next_unclaimed_item(*, actor, after_item_id=None, now):
    """The most urgent item waiting for a review or an adjudication that nobody (else) holds a running
    claim on; None when there is none. For "decide and next"."""
    others = ReviewClaim.objects.running(now).filter(item_id=OuterRef("pk")).exclude(reviewer_id=actor.pk)
    items = (
        NoticeItem.objects.filter(status__in=QUEUE_STATUSES)
        .exclude(Exists(others))
        .annotate(ahead=_ahead_at_equal_due_time())
        .order_by("review_due_at", "-ahead", "id")
    )
    if after_item_id is not None:
        items = items.exclude(pk=after_item_id)
    return items.values_list("pk", flat=True).first()
