"""The public transparency figures of the last N days, computed from the data (issue 12, "Public pages").

What a visitor reads on /transparency/, each figure from the rule that already owns it:

- **Notices and items by outcome and infringement type**: the notices submitted in ``[since, now)``
  and their items, each item counted once in the outcome group of its status at ``now``
  (``OUTCOME_GROUPS``); a notice counts once under every infringement type it names.
- **Handled within the service level, median time to decision**: the service-level report
  (``good_faith.service_level``), unchanged: its headline share and median.
- **Counter-notices**: those submitted in the period; one *succeeded* when its item ended dismissed
  or withdrawn (the listing stayed or came back), *failed* when it ended upheld, and is *open*
  otherwise. The success rate is over the decided ones.
- **Appeals**: those filed in the period, by status; the reversal rate is over the decided ones
  (confirmed or reversed; a moot appeal decided nothing).
- **Removals, proactive and on complaints, and the share before any order**: ``takedowns.removals``
  (the report's own ``removals``), the one rule the public register reads too.

A constant number of queries whatever the data (aggregated in the database), kept in the cache for
``TRANSPARENCY_CACHE_SECONDS``.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from good_faith.service_level.report import ServiceLevelReport, service_level_report
from takedowns.models import Appeal, AppealStatus, CounterNotice, InfringementType, ItemStatus, Notice, NoticeItem

# The outcome groups of an item's status, in the order the page shows them.
OUTCOME_GROUPS = (
    ("removed", _("Upheld"), (ItemStatus.UPHELD,)),
    ("dismissed", _("Dismissed"), (ItemStatus.DISMISSED,)),
    ("rejected", _("Rejected"), (ItemStatus.REJECTED,)),
    ("invalid", _("Incomplete"), (ItemStatus.INVALID,)),
    ("withdrawn", _("Withdrawn"), (ItemStatus.WITHDRAWN,)),
    (
        "open",
        _("In progress"),
        (
            ItemStatus.SUBMITTED,
            ItemStatus.PENDING_REVIEW,
            ItemStatus.AWAITING_COUNTER_NOTICE,
            ItemStatus.COUNTER_NOTICED,
            ItemStatus.PENDING_ADJUDICATION,
        ),
    ),
)
OUTCOMES = tuple(key for key, _label, _statuses in OUTCOME_GROUPS)
OUTCOME_LABELS = {key: label for key, label, _statuses in OUTCOME_GROUPS}
_OUTCOME_OF_STATUS = {status: key for key, _label, statuses in OUTCOME_GROUPS for status in statuses}
COUNTER_NOTICE_WON = (ItemStatus.DISMISSED, ItemStatus.WITHDRAWN)


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class TypeRow:
    """One infringement type (or the total): its notices, and its items by outcome."""

    key: str
    label: str
    notices: int
    outcomes: dict  # outcome -> items

    @property
    def items(self):
        return sum(self.outcomes.values())

    @property
    def outcome_cells(self):
        return [(OUTCOME_LABELS[o], self.outcomes[o]) for o in OUTCOMES]


@dataclass(frozen=True)
class Decided:
    """Counter-notices or appeals of the period: how many, how many went each way, how many are open."""

    total: int = 0
    won: int = 0  # counter-notice succeeded / appeal reversed the decision
    lost: int = 0  # counter-notice failed / appeal confirmed the decision
    open: int = 0
    other: int = 0  # appeals only: moot

    @property
    def decided(self):
        return self.won + self.lost

    @property
    def percent(self):
        return _rate(self.won, self.decided)


@dataclass(frozen=True)
class TransparencyFigures:
    days: int
    since: datetime
    now: datetime
    notices: int
    items: int
    by_type: list  # [TypeRow], types with at least one item, in InfringementType's order
    total: TypeRow
    counter_notices: Decided
    appeals: Decided
    appeals_by_side: dict  # side -> Decided
    service_level: ServiceLevelReport
    outcome_labels: list = field(default_factory=lambda: [OUTCOME_LABELS[o] for o in OUTCOMES])

    @property
    def removals(self):
        return self.service_level.removals

    @property
    def within_sla_percent(self):
        return self.service_level.overall.percent

    @property
    def median_hours(self):
        return self.service_level.time_to_decision.median_hours


def _items_by_type_and_outcome(period):
    """{type: {outcome: items}} and {type: notices}, plus the notices in all: two queries."""
    items = {}
    for row in (
        NoticeItem.objects.filter(notice__in=period)
        .order_by()
        .values("infringement_type", "status")
        .annotate(n=Count("id"))
    ):
        outcomes = items.setdefault(row["infringement_type"], dict.fromkeys(OUTCOMES, 0))
        outcomes[_OUTCOME_OF_STATUS[row["status"]]] += row["n"]
    notices = dict(
        NoticeItem.objects.filter(notice__in=period)
        .order_by()
        .values("infringement_type")
        .annotate(n=Count("notice", distinct=True))
        .values_list("infringement_type", "n")
    )
    return items, notices


def _counter_notices(since, now):
    counts = CounterNotice.objects.filter(submitted_at__gte=since, submitted_at__lt=now).aggregate(
        total=Count("id"),
        won=Count("id", filter=Q(item__status__in=COUNTER_NOTICE_WON)),
        lost=Count("id", filter=Q(item__status=ItemStatus.UPHELD)),
    )
    return Decided(
        total=counts["total"],
        won=counts["won"],
        lost=counts["lost"],
        open=counts["total"] - counts["won"] - counts["lost"],
    )


def _appeals(since, now):
    rows = (
        Appeal.objects.filter(filed_at__gte=since, filed_at__lt=now)
        .order_by()
        .values("side")
        .annotate(
            total=Count("id"),
            won=Count("id", filter=Q(status=AppealStatus.REVERSED)),
            lost=Count("id", filter=Q(status=AppealStatus.CONFIRMED)),
            open=Count("id", filter=Q(status=AppealStatus.OPEN)),
            other=Count("id", filter=Q(status=AppealStatus.MOOT)),
        )
    )
    by_side = {row["side"]: Decided(**{k: row[k] for k in ("total", "won", "lost", "open", "other")}) for row in rows}
    total = Decided(*(sum(getattr(d, f) for d in by_side.values()) for f in ("total", "won", "lost", "open", "other")))
    return total, by_side


def transparency_figures_compute(*, days, now=None):
    """The figures of the last ``days`` days (see the module's counting rules), straight from the database."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    period = Notice.objects.filter(submitted_at__gte=since, submitted_at__lt=now).values("pk")
    items, notices = _items_by_type_and_outcome(period)
    labels = dict(InfringementType.choices)
    by_type = [
        TypeRow(key, labels[key], notices.get(key, 0), items[key]) for key in InfringementType.values if key in items
    ]
    total_outcomes = {o: sum(row.outcomes[o] for row in by_type) for o in OUTCOMES}
    total_notices = period.count()
    appeals, appeals_by_side = _appeals(since, now)
    return TransparencyFigures(
        days=days,
        since=since,
        now=now,
        notices=total_notices,
        items=sum(total_outcomes.values()),
        by_type=by_type,
        total=TypeRow("all", _("All types"), total_notices, total_outcomes),
        counter_notices=_counter_notices(since, now),
        appeals=appeals,
        appeals_by_side=appeals_by_side,
        service_level=service_level_report(days=days, now=now),
    )


def transparency_figures(*, days):
    """The figures of the last ``days`` days, from the cache when computed in the last few minutes."""
    seconds = settings.TRANSPARENCY_CACHE_SECONDS
    if not seconds:
        return transparency_figures_compute(days=days)
    return cache.get_or_set(f"transparency:v1:{days}", lambda: transparency_figures_compute(days=days), seconds)
