"""Reads for the takedown pages: each selector owns its query shape (STYLE.md habit 7).

Every selector starts from a ``visible_to(user)`` queryset, so another
organisation's notice or item is simply not there (the page answers 404).
List selectors join or prefetch everything their page shows: a page costs the
same number of queries for one row as for a hundred.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)

from portal.scoping import organisation_ids_of
from rights_holders.models import IPAsset, Partner, RightsHolder
from rights_holders.scoping import rights_holder_ids_visible_to
from takedowns.models import (
    OPEN_STATUSES,
    QUEUE_STATUSES,
    Appeal,
    AppealStatus,
    CannedReason,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    RestrictionKind,
    Sanction,
    SanctionKind,
    StatementOfReasons,
    Track,
)
from takedowns.policies import policy

LIST_LIMIT = 200


def rights_holders_for_filing(user):
    """Holders the user may file for: their own brand, or brands their agent firm holds a valid letter for."""
    return RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(user)).order_by("legal_name")


def ip_assets_for_filing(holders):
    """Assets that can back a notice (verified, not expired) of the given holders."""
    return IPAsset.objects.usable().filter(rights_holder__in=holders).select_related("rights_holder")


def notice_list(user):
    """The notices the user may see (a queryset for ``portal.lists.list_page``: it filters, sorts, pages),
    with the rights holder joined; ``notice_list_decorate`` counts a page's items."""
    return Notice.objects.visible_to(user).select_related("rights_holder", "filer_organisation")


def notice_list_scope(user):
    """Everything of ``user`` that decides what the notice list shows them, and nothing more: two viewers with
    the same scope see the same list (``portal.pagecache`` shares it between them).

    ``Notice.objects.visible_to`` and ``NoticeItem.objects.visible_to`` read whether the user is platform staff,
    the brands they act for (``rights_holder_ids_visible_to``: their brands and their firms' valid letters,
    worked out now) and their organisations (a partner's filings, a merchant's listings); the filters read
    the staff flag and the brands; the merchant's part the organisations. Platform staff see every notice and
    no merchant's part: only whether they may file tells two of them apart. The brand chosen in the top bar's
    switcher narrows nothing here, nor does a member's role.
    """
    holders = rights_holder_ids_visible_to(user)
    if user.is_platform_staff:
        return ("staff", bool(holders))
    return ("member", tuple(sorted(holders)), tuple(sorted(organisation_ids_of(user))))


def notice_export_items(user, notices):
    """The items the user may see of ``notices`` (a filtered ``notice_list``), newest notice first, with
    what the CSV export writes joined (one query a chunk)."""
    return (
        NoticeItem.objects.visible_to(user)
        .filter(notice__in=notices.values("pk"))
        .select_related("notice__rights_holder", "listing__store", "ip_asset")
        .order_by("-notice__submitted_at", "-notice_id", "id")
    )


def notice_list_decorate(notices, user):
    """Give each notice of a page ``status_counts`` [(label, n), ...] and ``item_count``, counted among the
    items the user may see (a merchant sees the items naming its listings, not the rest of a notice filed
    against several stores): one GROUP BY query for the page, not an object per item."""
    notices = list(notices)
    counts = {}
    rows = (
        NoticeItem.objects.visible_to(user)
        .filter(notice_id__in=[notice.pk for notice in notices])
        .order_by()
        .values_list("notice_id", "status")
        .annotate(n=Count("pk"))
    )
    for notice_id, status, n in rows:
        counts.setdefault(notice_id, {})[status] = n
    labels = {status: str(label) for status, label in ItemStatus.choices}  # translated once, not once a row
    for notice in notices:
        mine = counts.get(notice.pk, {})
        notice.status_counts = [(labels[s], mine[s]) for s in ItemStatus.values if mine.get(s)]
        notice.item_count = sum(mine.values())
    return notices


def notice_detail(user, pk):
    """One notice (raises Notice.DoesNotExist if not visible) with the items the user may see."""
    notice = (
        Notice.objects.visible_to(user).select_related("rights_holder", "filer_organisation", "filed_by").get(pk=pk)
    )
    notice.visible_items = list(
        NoticeItem.objects.visible_to(user)
        .filter(notice=notice)
        .select_related("listing__store", "ip_asset")
        .order_by("id")
    )
    return notice


def merchant_items(user, *, limit=LIST_LIMIT):
    """Items naming the user's merchants' listings: open ones first by nearest deadline, then decided ones."""
    orgs = organisation_ids_of(user)
    base = (
        NoticeItem.objects.of_merchants(orgs)
        .select_related("listing__store", "ip_asset", "notice__rights_holder")
        .order_by("counter_notice_deadline", "id")
    )
    # Items returned to the filer as invalid never reached the merchant: ``of_merchants`` leaves them out.
    open_items = list(base.filter(status__in=OPEN_STATUSES)[:limit])
    decided = list(base.exclude(status__in=OPEN_STATUSES).order_by("-decided_at", "-id")[:limit])
    return open_items, decided


def user_is_merchant(user):
    from listings.models import Merchant

    return Merchant.objects.filter(organisation_id__in=organisation_ids_of(user)).exists()


def item_detail(user, pk):
    """One item with everything its page shows; raises NoticeItem.DoesNotExist if not visible."""
    return (
        NoticeItem.objects.visible_to(user)
        .select_related(
            "notice__rights_holder",
            "notice__filer_organisation",
            "listing__store__merchant",
            "ip_asset",
            "decided_by",
            "counter_notice",
            "reply",
        )
        .prefetch_related(
            Prefetch("events", queryset=ItemEvent.objects.order_by("at", "id")),
            "evidence",
            "counter_notice__evidence",
            "statements",
            Prefetch("appeals", queryset=Appeal.objects.select_related("filed_by", "decided_by").order_by("filed_at")),
        )
        .get(pk=pk)
    )


def _partner_vetting_q(p):
    """The notice was filed by a partner that vets this holder and still holds its privilege.

    The queue's twin of ``takedowns.notices.track_choice._partner_vetting_active``: the same relation, and
    the privilege asked of the same policy.
    """
    vets = Partner.vetted_rights_holders.through.objects.filter(
        partner_id=OuterRef(f"{p}notice__partner_id"), rightsholder_id=OuterRef(f"{p}notice__rights_holder_id")
    )
    return (
        Q(**{f"{p}notice__partner__isnull": False})
        & Q(Exists(vets))
        & policy("partner_privilege_q")(partner_id=OuterRef(f"{p}notice__partner_id"))
    )


def _ahead_at_equal_due_time(item_path=""):
    """True for work a trusted filer sent: a fast-track item, a partner-vetted notice, or a Good Faith member's.

    Trust is asked now, of the rule the filing path asks (``takedowns.policies``): an item whose
    type staff revoked since is no longer ahead. One expression, so the page stays one query per kind.
    """
    p = item_path
    member = policy("membership_active_for_q")(
        rights_holder_id=OuterRef(f"{p}notice__rights_holder_id"), infringement_type=OuterRef(f"{p}infringement_type")
    )
    return Case(
        When(Q(**{f"{p}track": Track.FAST}) | _partner_vetting_q(p) | member, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


@dataclass
class QueueEntry:
    """One piece of work waiting for a reviewer: an item to review or adjudicate, an audit, an appeal."""

    kind: str  # review, adjudication, audit, appeal
    label: str
    due_at: datetime
    ahead: bool  # fast track, partner-vetted or Good Faith member: first at equal due times
    item: NoticeItem
    obj: object  # the NoticeItem, QualityAudit or Appeal

    @property
    def sort_key(self):
        return (self.due_at, not self.ahead, KIND_ORDER[self.kind], self.obj.pk)


# "audit": the quality audits good_faith adds through the ``review_queue_extra`` policy.
KIND_ORDER = {"adjudication": 0, "review": 1, "appeal": 2, "audit": 3}
# What a queue row shows of its item; entries other apps add select the same.
ITEM_RELATED = ("listing__store", "ip_asset", "notice__rights_holder")


def review_queue(*, include_appeals=False, limit=LIST_LIMIT):
    """Everything waiting for a reviewer, by due time (each is due SLA hours after it entered its queue).

    At equal due times the work of trusted filers goes first. One query per kind of work
    (items, the work good_faith adds -- quality audits --, and open appeals for senior
    reviewers), whatever the length.
    """
    items = (
        NoticeItem.objects.filter(status__in=QUEUE_STATUSES)
        .select_related(*ITEM_RELATED)
        .annotate(ahead=_ahead_at_equal_due_time())
        .order_by("review_due_at", "-ahead", "id")[:limit]
    )
    entries = [
        QueueEntry(
            kind="review" if item.status == ItemStatus.PENDING_REVIEW else "adjudication",
            label=item.get_status_display(),
            due_at=item.review_due_at,
            ahead=item.ahead,
            item=item,
            obj=item,
        )
        for item in items
    ]
    entries += policy("review_queue_extra")(limit=limit)
    if include_appeals:
        appeals = (
            Appeal.objects.filter(status=AppealStatus.OPEN)
            .select_related(*(f"item__{r}" for r in ITEM_RELATED), "filed_by")
            .annotate(ahead=_ahead_at_equal_due_time("item__"))
            # Appeals filed before they had a due time are the oldest: first.
            .order_by(F("due_at").asc(nulls_first=True), "-ahead", "id")[:limit]
        )
        sla = timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)
        entries += [
            QueueEntry(
                kind="appeal",
                label=f"Appeal ({a.get_side_display().lower()})",
                due_at=a.due_at or a.filed_at + sla,
                ahead=a.ahead,
                item=a.item,
                obj=a,
            )
            for a in appeals
        ]
    # Each list is already in order and cut at the limit, so the first ``limit`` of the merge are right.
    return sorted(entries, key=lambda e: e.sort_key)[:limit]


def canned_reasons(outcomes):
    return list(CannedReason.objects.filter(active=True, outcome__in=outcomes).order_by("outcome", "title"))


# --- The merchant's dashboard ---------------------------------------------------------------------------

# What the merchant's side waits for in each open status: the instant by which it moves on.
_ANSWER_BY = Case(
    When(status=ItemStatus.AWAITING_COUNTER_NOTICE, then=F("counter_notice_deadline")),
    When(status=ItemStatus.COUNTER_NOTICED, then=F("reply_deadline")),
    When(status__in=[ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION], then=F("review_due_at")),
    default=Value(None),
)


def merchant_complaints(user):
    """Items naming the user's merchants' listings (a queryset for ``portal.lists.list_page``), each with
    ``answer_by`` (the next deadline while open) and ``urgency`` (0: the merchant must answer, 1: open,
    waiting for someone else, 2: decided), and the statements of reasons prefetched for the page."""
    return (
        NoticeItem.objects.of_merchants(organisation_ids_of(user))
        .select_related("listing__store", "ip_asset", "notice__rights_holder")
        .prefetch_related(Prefetch("statements", queryset=StatementOfReasons.objects.order_by("decided_at", "id")))
        .annotate(
            answer_by=Case(*_ANSWER_BY.cases, default=_ANSWER_BY.default, output_field=DateTimeField()),
            urgency=Case(
                When(status=ItemStatus.AWAITING_COUNTER_NOTICE, then=Value(0)),
                When(status__in=OPEN_STATUSES, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
    )


@dataclass
class StoreStanding:
    store: object
    points: int
    sanctions: list  # in force now, each with ``reason_facts`` (the statement's facts) when one was written


def merchant_standing(user, *, now):
    """Each of the user's merchants' stores with its live points and the sanctions in force, with their reasons.

    Three queries whatever the number of stores: the stores, their points, their sanctions with statements.
    """
    from listings.models import Store
    from takedowns.penalties.points import stores_live_points

    stores = list(Store.objects.filter(merchant__organisation_id__in=organisation_ids_of(user)).order_by("name"))
    points = stores_live_points([s.pk for s in stores], now=now)
    sanctions = list(
        Sanction.objects.filter(store__in=stores, reversed_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("penalty__item__listing")
        .order_by("-starts_at", "-id")
    )
    store_statement = {
        SanctionKind.WARNING: RestrictionKind.STORE_WARNING,
        SanctionKind.RESTRICTION: RestrictionKind.STORE_RESTRICTED,
        SanctionKind.CLOSURE: RestrictionKind.STORE_CLOSED,
        SanctionKind.BAN: RestrictionKind.MERCHANT_BANNED,
    }
    statements = {}
    if sanctions:
        rows = StatementOfReasons.objects.filter(
            item_id__in={s.penalty.item_id for s in sanctions}, restriction__in=store_statement.values()
        ).only("item_id", "decision_generation", "restriction", "facts")
        statements = {(r.item_id, r.decision_generation, r.restriction): r.facts for r in rows}
    by_store = {}
    for sanction in sanctions:
        penalty = sanction.penalty
        sanction.reason_facts = statements.get(
            (penalty.item_id, penalty.decision_generation, store_statement.get(sanction.kind)), ""
        )
        by_store.setdefault(sanction.store_id, []).append(sanction)
    return [StoreStanding(store=s, points=points[s.pk], sanctions=by_store.get(s.pk, [])) for s in stores]


def merchant_standing_changes_at(standing, *, now):
    """The next instant after ``now`` at which ``standing`` (``merchant_standing``) changes by itself: a
    restriction in force ends or penalty points expire (None if neither will)."""
    from takedowns.penalties.points import stores_live_penalties

    ends = [s.ends_at for row in standing for s in row.sanctions if s.ends_at is not None and s.ends_at > now]
    if standing:
        expiry = stores_live_penalties([row.store.pk for row in standing], now=now).aggregate(first=Min("expires_at"))
        ends.append(expiry["first"])
    return min((when for when in ends if when is not None), default=None)
