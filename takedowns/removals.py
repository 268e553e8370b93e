"""Removals by source: how many listings came down on a complaint and how many by proactive screening,
and the share of each removed before a single sale (the sources' "96% before a single sale").

One rule, read by the public register and the service-level report (``removals_by_source``), in
one query whatever the number of items:

- **Taken down**: a notice item's listing came down through it, on the fast track (the
  ``fast_tracked`` event: the listing comes down when the notice is accepted) or when it was
  upheld (any event into ``upheld``, an uphold on appeal included). The item's *takedown
  instant* is its first such event; the period is the half-open ``[since, now)`` over it.
- **Removal**: a takedown that still stands at ``now``. An item dismissed since (on a
  counter-notice, an appeal or a quality audit) or withdrawn by its filer put the listing back:
  it is counted apart as *reinstated*, never as a removal, so a wrongful automated takedown
  cannot swell the proactive figures.
- **Before any order**: no ``listings.Order`` of the listing was placed at or before the instant
  the listing came down (the latest takedown event before ``now``, should an appeal have
  taken it down again after a reinstatement). An order at the very instant of the takedown
  counts against it and an order after it does not: the share never flatters.
- **Source**: ``proactive`` for notices of the proactive-screening channel, ``complaint`` for every
  other channel (web form, bulk file, API; partner-vetted notices included).

Counted per notice item, which names one listing under one right.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Subquery, Value, When

from listings.models import Order
from takedowns.models import Channel, ItemEvent, ItemStatus, NoticeItem, Track

PROACTIVE = "proactive"
COMPLAINT = "complaint"
SOURCES = (COMPLAINT, PROACTIVE)
SOURCE_LABELS = {COMPLAINT: "Complaints from rights holders", PROACTIVE: "Proactive screening"}
TRACKS = (Track.STANDARD.value, Track.FAST.value)

# An item in one of these after its takedown put its listing back up.
REINSTATED_STATUSES = frozenset({ItemStatus.DISMISSED, ItemStatus.WITHDRAWN})
# The events that take a listing down: fast_tracked always moves into awaiting_counter_notice, so the
# (to_status, at) index finds both kinds.
TAKEDOWN_EVENT = Q(to_status=ItemStatus.AWAITING_COUNTER_NOTICE, action="fast_tracked") | Q(to_status=ItemStatus.UPHELD)


@dataclass(frozen=True)
class Removals:
    removals: int = 0
    before_any_order: int = 0
    reinstated: int = 0

    @property
    def percent(self):
        """Share of removals made before any order, in percent (None when nothing was removed)."""
        return round(100.0 * self.before_any_order / self.removals, 2) if self.removals else None

    def __add__(self, other):
        return Removals(
            self.removals + other.removals,
            self.before_any_order + other.before_any_order,
            self.reinstated + other.reinstated,
        )

    def as_dict(self):
        return {
            "removals": self.removals,
            "before_any_order": self.before_any_order,
            "percent": self.percent,
            "reinstated": self.reinstated,
        }


@dataclass(frozen=True)
class RemovalFigures:
    since: datetime
    now: datetime
    # (source, track) -> Removals; every pair present.
    cells: dict = field(default_factory=dict)

    def _sum(self, keep):
        total = Removals()
        for key, removals in self.cells.items():
            if keep(key):
                total += removals
        return total

    @property
    def total(self):
        return self._sum(lambda key: True)

    @property
    def by_source(self):
        return {s: self._sum(lambda key, s=s: key[0] == s) for s in SOURCES}

    @property
    def by_track(self):
        return {t: self._sum(lambda key, t=t: key[1] == t) for t in TRACKS}

    @property
    def proactive(self):
        return self.by_source[PROACTIVE]

    @property
    def complaint(self):
        return self.by_source[COMPLAINT]

    @property
    def source_rows(self):
        """[(label, Removals)], proactive screening first: what the pages' tables show."""
        by_source = self.by_source
        return [(SOURCE_LABELS[s], by_source[s]) for s in (PROACTIVE, COMPLAINT)]

    @property
    def proactive_per_complaint(self):
        """Proactive removals for each removal on a complaint (the sources' 16x); None without complaints."""
        complaint = self.complaint.removals
        return round(self.proactive.removals / complaint, 2) if complaint else None

    def as_dict(self):
        return {
            **self.total.as_dict(),
            "by_source": {s: r.as_dict() for s, r in self.by_source.items()},
            "by_track": {t: r.as_dict() for t, r in self.by_track.items()},
            "proactive_per_complaint": self.proactive_per_complaint,
        }


def removals_by_source(*, since, now):
    """Takedowns in ``[since, now)`` by source and track: removals, those before any order, reinstated.

    One query (see the module's counting rules).
    """
    events = ItemEvent.objects.filter(TAKEDOWN_EVENT, item_id=OuterRef("pk"), at__lt=now)
    status_then = ItemEvent.objects.filter(item_id=OuterRef("pk"), at__lt=now).order_by("-at", "-id")
    sold_before = Order.objects.filter(listing_id=OuterRef("listing_id"), ordered_at__lte=OuterRef("down_at"))
    reinstated = Q(status_then__in=REINSTATED_STATUSES)
    rows = (
        # Only items with a takedown event in the period (the index finds them); the first one decides.
        NoticeItem.objects.filter(
            pk__in=ItemEvent.objects.filter(TAKEDOWN_EVENT, at__gte=since, at__lt=now).values("item_id")
        )
        .annotate(
            first_down_at=Subquery(events.order_by("at", "id").values("at")[:1]),
            down_at=Subquery(events.order_by("-at", "-id").values("at")[:1]),
            status_then=Subquery(status_then.values("to_status")[:1]),
        )
        .filter(first_down_at__gte=since)
        .annotate(sold_before=Exists(sold_before))
        .annotate(
            source=Case(
                When(notice__channel=Channel.PROACTIVE, then=Value(PROACTIVE)),
                default=Value(COMPLAINT),
                output_field=CharField(),
            )
        )
        .order_by()
        .values("source", "track")
        .annotate(
            reinstated=Count("id", filter=reinstated),
            removals=Count("id", filter=~reinstated),
            before=Count("id", filter=~reinstated & Q(sold_before=False)),
        )
    )
    cells = {(s, t): Removals() for s in SOURCES for t in TRACKS}
    for row in rows:
        cells[(row["source"], row["track"])] = Removals(row["removals"], row["before"], row["reinstated"])
    return RemovalFigures(since=since, now=now, cells=cells)
