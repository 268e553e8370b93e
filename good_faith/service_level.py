"""The service level: how much of the reviewers' work is done within the promised 24 hours.

Every item waiting for a person is due ``TAKEDOWN_REVIEW_SLA_HOURS`` after it
entered that person's queue. This module measures, for the entries of the
last N days, the share handled by their due time, by day, ISO week, track and
queue, with the median and 95th percentile time to decision, and how many
takedowns came before any sale of the listing. Everything is aggregated in
the database over one set of *queue entries*, each one row of:

- ``review`` / ``adjudication``: an ``ItemEvent`` whose ``to_status`` is
  pending_review or pending_adjudication (entered at the event's time);
  handled by the item's next event leaving that status;
- ``audit``: a ``QualityAudit`` (entered at ``due_at - SLA``, handled at
  ``decided_at``), always the fast track;
- ``appeal``: an ``Appeal`` (entered at ``due_at - SLA``, or ``filed_at`` for
  rows written before appeals had a due time; handled at ``decided_at``);
- ``fast_track``: a fast-track takedown (the ``fast_tracked`` event). The
  listing comes down in the transaction that accepts the notice, so the
  request is handled at once: entered and handled at the same instant. These
  are the takedown requests the sources count, so they are in the headline
  share; ``by_track["standard"]`` shows the reviewers' own record alone.

Counting rules (chosen so that the share cannot flatter the queue):

- an entry handled by its due time (``handled_at <= due_at``) is within;
- an entry still waiting past its due time is already a miss; one still
  waiting inside its time is not counted yet;
- an item the filer withdrew while it waited left the queue without anyone
  deciding: not counted if withdrawn in time, a miss if withdrawn after its
  due time (the promise was already broken);
- the time to decision (median, p95) is over decided entries only.

"Removed before a single sale": an item's takedown is the first event that
took its listing down (fast track, or upheld); it came before any sale when
no ``listings.Order`` of that listing was placed before that instant.
"""

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from good_faith.models import QualityAudit, QualityAuditStatus
from listings.models import Order
from takedowns.models import QUEUE_STATUSES, Appeal, AppealStatus, ItemEvent, ItemStatus, NoticeItem, Track

# Our promise is better than the sources' 96% of takedown requests handled within 24 hours.
TARGET_PERCENT = 99.0
SOURCES_PERCENT = 96.0
MAX_DAYS = 366

KINDS = ("review", "adjudication", "audit", "appeal", "fast_track")
KIND_LABELS = {
    "review": "Review",
    "adjudication": "Adjudication",
    "audit": "Quality audit",
    "appeal": "Appeal",
    "fast_track": "Fast-track takedown",
}
TRACKS = (Track.STANDARD.value, Track.FAST.value)
# The columns every entry query selects, in this order: the queries are joined by UNION ALL.
SOURCE_COLUMNS = ("s_kind", "s_track", "s_day", "s_week", "s_entered", "s_due", "s_handled", "s_withdrawn")


@dataclass
class Share:
    counted: int = 0
    within: int = 0

    @property
    def percent(self):
        return round(100.0 * self.within / self.counted, 2) if self.counted else None

    def as_dict(self):
        return {"counted": self.counted, "within": self.within, "percent": self.percent}


@dataclass
class Percentiles:
    decided: int = 0
    median_hours: float | None = None
    p95_hours: float | None = None


@dataclass
class BeforeSale:
    takedowns: int = 0
    before_any_order: int = 0

    @property
    def percent(self):
        return round(100.0 * self.before_any_order / self.takedowns, 2) if self.takedowns else None

    def as_dict(self):
        return {"takedowns": self.takedowns, "before_any_order": self.before_any_order, "percent": self.percent}


@dataclass
class ServiceLevelReport:
    days: int
    since: datetime
    now: datetime
    sla_hours: int
    overall: Share
    by_track: dict  # track -> Share
    by_kind: dict  # kind -> Share
    by_day: list  # [(date, Share)], oldest first
    by_week: list  # [("2025-W10", Share)], oldest first
    time_to_decision: Percentiles
    time_to_decision_by_track: dict  # track -> Percentiles
    waiting: dict  # kind -> count, waiting now whatever the window
    overdue: dict  # kind -> count, past due now
    before_sale: BeforeSale
    before_sale_by_track: dict  # track -> BeforeSale
    target_percent: float = TARGET_PERCENT
    sources_percent: float = SOURCES_PERCENT
    notes: list = field(default_factory=list)

    @property
    def meets_target(self):
        return self.overall.percent is not None and self.overall.percent > self.target_percent

    @property
    def waiting_total(self):
        return sum(self.waiting.values())

    @property
    def overdue_total(self):
        return sum(self.overdue.values())

    def as_dict(self):
        """The same figures as plain JSON types."""
        return {
            "days": self.days,
            "since": self.since.isoformat(),
            "now": self.now.isoformat(),
            "sla_hours": self.sla_hours,
            "target_percent": self.target_percent,
            "sources_percent": self.sources_percent,
            "meets_target": self.meets_target,
            "handled_within_sla": self.overall.as_dict(),
            "by_track": {k: v.as_dict() for k, v in self.by_track.items()},
            "by_queue": {k: v.as_dict() for k, v in self.by_kind.items()},
            "by_day": [{"day": d.isoformat(), **s.as_dict()} for d, s in self.by_day],
            "by_week": [{"week": w, **s.as_dict()} for w, s in self.by_week],
            "time_to_decision": asdict(self.time_to_decision),
            "time_to_decision_by_track": {k: asdict(v) for k, v in self.time_to_decision_by_track.items()},
            "waiting": {"total": self.waiting_total, **self.waiting},
            "overdue": {"total": self.overdue_total, **self.overdue},
            "removed_before_a_sale": {
                **self.before_sale.as_dict(),
                "by_track": {k: v.as_dict() for k, v in self.before_sale_by_track.items()},
            },
        }


# --- The queue entries ----------------------------------------------------------------


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _columns(qs, *, kind, track, entered, due, handled, withdrawn):
    """One source's entries as SOURCE_COLUMNS; the counting rules are applied over all of them at once."""
    return (
        qs.order_by()
        .annotate(s_entered=ExpressionWrapper(entered, output_field=DateTimeField()))
        .annotate(
            s_kind=ExpressionWrapper(kind, output_field=CharField()),
            s_track=Cast(track, CharField()),
            # Text on both databases, so grouped keys come back as "YYYY-MM-DD...".
            s_day=Cast(TruncDate("s_entered", tzinfo=UTC), CharField()),
            s_week=Cast(TruncWeek("s_entered", tzinfo=UTC), CharField()),
            s_due=ExpressionWrapper(due, output_field=DateTimeField()),
            s_handled=ExpressionWrapper(handled, output_field=DateTimeField()),
            s_withdrawn=ExpressionWrapper(withdrawn, output_field=IntegerField()),
        )
        .values(*SOURCE_COLUMNS)
    )


def _by_now(name, now):
    """The instant in ``name`` if it is not after ``now`` (a report as of an earlier time)."""
    return Case(When(Q(**{f"{name}__lte": now}), then=F(name)), default=None, output_field=DateTimeField())


def _sources(since, now):
    """One values() query per kind of entry, each selecting SOURCE_COLUMNS, entered in [since, now)."""
    sla = timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)
    # The item's next move out of the queue status: the decision, or the filer's withdrawal.
    next_event = ItemEvent.objects.filter(
        item_id=OuterRef("item_id"), id__gt=OuterRef("id"), from_status=OuterRef("to_status"), at__lte=now
    ).order_by("id")
    queued = _columns(
        ItemEvent.objects.filter(to_status__in=QUEUE_STATUSES, at__gte=since, at__lt=now).annotate(
            exit_status=Subquery(next_event.values("to_status")[:1])
        ),
        kind=Case(
            When(to_status=ItemStatus.PENDING_REVIEW, then=Value("review")),
            default=Value("adjudication"),
            output_field=CharField(),
        ),
        track=F("item__track"),
        entered=F("at"),
        due=F("at") + sla,
        handled=Subquery(next_event.values("at")[:1]),
        withdrawn=_flag(Q(exit_status=ItemStatus.WITHDRAWN)),
    )
    fast = _columns(
        ItemEvent.objects.filter(action="fast_tracked", at__gte=since, at__lt=now),
        kind=Value("fast_track"),
        track=Value(Track.FAST.value),
        entered=F("at"),
        due=F("at") + sla,
        handled=F("at"),
        withdrawn=Value(0),
    )
    audits = _columns(
        QualityAudit.objects.filter(due_at__gte=since + sla, due_at__lt=now + sla),
        kind=Value("audit"),
        track=Value(Track.FAST.value),
        entered=F("due_at") - sla,
        due=F("due_at"),
        handled=_by_now("decided_at", now),
        withdrawn=Value(0),
    )
    appeals = _columns(
        Appeal.objects.filter(
            Q(due_at__gte=since + sla, due_at__lt=now + sla)
            | Q(due_at__isnull=True, filed_at__gte=since, filed_at__lt=now)
        ),
        kind=Value("appeal"),
        track=F("item__track"),
        entered=Coalesce(ExpressionWrapper(F("due_at") - sla, output_field=DateTimeField()), F("filed_at")),
        due=Coalesce(F("due_at"), ExpressionWrapper(F("filed_at") + sla, output_field=DateTimeField())),
        handled=_by_now("decided_at", now),
        withdrawn=Value(0),
    )
    return [queued, fast, audits, appeals]


def _seconds_sql(start, end):
    if connection.vendor == "sqlite":
        return f"((julianday({end}) - julianday({start})) * 86400.0)"
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision)"


def _entries_sql(since, now):
    """Every entry with its flags, as one statement (text, params) to aggregate over.

    Columns: kind, track, day, week, counted, within, decided, wait_seconds
    (the time to decision, null unless decided).
    """
    parts, params = [], []
    for qs in _sources(since, now):
        sql, part_params = qs.query.sql_with_params()
        # Fixed column names and ORM-compiled SQL; every value travels as a parameter.
        parts.append(f"SELECT {', '.join(SOURCE_COLUMNS)} FROM ({sql}) source_{len(parts)}")  # noqa: S608
        params.extend(part_params)
    decided = "(s_handled IS NOT NULL AND s_withdrawn = 0)"
    sql = (
        "SELECT s_kind AS kind, s_track AS track, s_day AS day, s_week AS week, "  # noqa: S608
        f"CASE WHEN {decided} OR (s_handled IS NOT NULL AND s_handled > s_due) "
        "OR (s_handled IS NULL AND s_due < %s) THEN 1 ELSE 0 END AS counted, "
        f"CASE WHEN {decided} AND s_handled <= s_due THEN 1 ELSE 0 END AS within, "
        f"CASE WHEN {decided} THEN 1 ELSE 0 END AS decided, "
        f"CASE WHEN {decided} THEN {_seconds_sql('s_entered', 's_handled')} END AS wait_seconds "
        f"FROM ({' UNION ALL '.join(parts)}) entries_raw"
    )
    return sql, [connection.ops.adapt_datetimefield_value(now), *params]


# --- The figures ----------------------------------------------------------------------


def _grouped(entries, params):
    """Shares within the SLA overall and by track, queue, day and week, in one statement.

    On PostgreSQL the same pass gives the median and p95 time to decision overall and by track
    (percentile_cont skips the null times of undecided entries). Returns (shares, percentiles):
    shares[group][key] -> Share; percentiles[track or None] -> Percentiles (PostgreSQL only).
    """
    on_postgres = connection.vendor == "postgresql"
    waits = (
        "SUM(decided), percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds), "
        "percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_seconds)"
        if on_postgres
        else "SUM(decided), NULL, NULL"
    )
    selects = [f"SELECT 'all', '', SUM(counted), SUM(within), {waits} FROM entries"]  # noqa: S608
    for name in ("track", "kind", "day", "week"):
        measured = waits if name == "track" else "NULL, NULL, NULL"
        selects.append(
            f"SELECT '{name}', CAST({name} AS {_text()}), SUM(counted), SUM(within), {measured} "  # noqa: S608
            f"FROM entries GROUP BY {name}"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH entries AS ({entries}) {' UNION ALL '.join(selects)}", params)
        rows = cursor.fetchall()
    shares = {name: {} for name in ("all", "track", "kind", "day", "week")}
    percentiles = {}
    for name, key, counted, within, decided, median, p95 in rows:
        shares[name][key] = Share(counted=int(counted or 0), within=int(within or 0))
        if on_postgres and name in ("all", "track"):
            percentiles[None if name == "all" else key] = Percentiles(
                decided=int(decided or 0), median_hours=_hours(median), p95_hours=_hours(p95)
            )
    return shares, percentiles


def _text():
    return "TEXT" if connection.vendor == "sqlite" else "text"


def percentile_cont(ordered, fraction):
    """PostgreSQL's percentile_cont over an ascending list: linear interpolation between neighbours."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _hours(seconds):
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


def _percentiles_in_python(entries, params):
    """SQLite has no percentile_cont: read the decided times in order and interpolate the same way."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH entries AS ({entries}) SELECT track, wait_seconds FROM entries WHERE decided = 1 "  # noqa: S608
            "ORDER BY wait_seconds",
            params,
        )
        waits = {}
        for track, seconds in cursor.fetchall():
            waits.setdefault(None, []).append(seconds)
            waits.setdefault(track, []).append(seconds)
    return {
        track: Percentiles(
            decided=len(ordered),
            median_hours=_hours(percentile_cont(ordered, 0.5)),
            p95_hours=_hours(percentile_cont(ordered, 0.95)),
        )
        for track, ordered in waits.items()
    }


def _waiting_now(now):
    """What waits for a reviewer right now, whatever the window, and how much of it is overdue."""
    counts = NoticeItem.objects.filter(status__in=QUEUE_STATUSES).aggregate(
        review=Count("id", filter=Q(status=ItemStatus.PENDING_REVIEW)),
        adjudication=Count("id", filter=Q(status=ItemStatus.PENDING_ADJUDICATION)),
        review_overdue=Count("id", filter=Q(status=ItemStatus.PENDING_REVIEW, review_due_at__lt=now)),
        adjudication_overdue=Count("id", filter=Q(status=ItemStatus.PENDING_ADJUDICATION, review_due_at__lt=now)),
    )
    counts |= QualityAudit.objects.filter(status=QualityAuditStatus.OPEN).aggregate(
        audit=Count("id"), audit_overdue=Count("id", filter=Q(due_at__lt=now))
    )
    counts |= Appeal.objects.filter(status=AppealStatus.OPEN).aggregate(
        appeal=Count("id"), appeal_overdue=Count("id", filter=Q(due_at__lt=now))
    )
    kinds = ("review", "adjudication", "audit", "appeal")
    return {k: counts[k] for k in kinds}, {k: counts[f"{k}_overdue"] for k in kinds}


def _before_sale(since, now):
    """Takedowns in the window and how many came before any order of the listing, by track."""
    first_takedown = (
        ItemEvent.objects.filter(item_id=OuterRef("pk"))
        .filter(Q(action="fast_tracked") | Q(to_status=ItemStatus.UPHELD))
        .order_by("at", "id")
        .values("at")[:1]
    )
    sold_before = Order.objects.filter(listing_id=OuterRef("listing_id"), ordered_at__lt=OuterRef("takedown_at"))
    rows = (
        NoticeItem.objects.annotate(takedown_at=Subquery(first_takedown))
        .filter(takedown_at__gte=since, takedown_at__lt=now)
        .annotate(sold_before=Exists(sold_before))
        .order_by()
        .values("track")
        .annotate(takedowns=Count("id"), before=Count("id", filter=Q(sold_before=False)))
    )
    by_track = {row["track"]: BeforeSale(row["takedowns"], row["before"]) for row in rows}
    overall = BeforeSale(
        sum(b.takedowns for b in by_track.values()), sum(b.before_any_order for b in by_track.values())
    )
    return overall, by_track


def _week_label(key):
    year, week, _ = date.fromisoformat(key[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def service_level_report(*, days=7, now=None):
    """The service level over the entries of the last ``days`` days (see the module's counting rules)."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"The report covers 1 to {MAX_DAYS} days; {days!r} is not a number of days in that range.")
    now = now or timezone.now()
    since = now - timedelta(days=days)
    entries, params = _entries_sql(since, now)
    shares, percentiles = _grouped(entries, params)
    if connection.vendor != "postgresql":
        percentiles = _percentiles_in_python(entries, params)
    waiting, overdue = _waiting_now(now)
    before_sale, before_sale_by_track = _before_sale(since, now)
    return ServiceLevelReport(
        days=days,
        since=since,
        now=now,
        sla_hours=settings.TAKEDOWN_REVIEW_SLA_HOURS,
        overall=shares["all"].get("", Share()),
        by_track={t: shares["track"].get(t, Share()) for t in TRACKS},
        by_kind={k: shares["kind"].get(k, Share()) for k in KINDS},
        by_day=sorted(((date.fromisoformat(k[:10]), v) for k, v in shares["day"].items()), key=lambda kv: kv[0]),
        by_week=sorted(((_week_label(k), v) for k, v in shares["week"].items()), key=lambda kv: kv[0]),
        time_to_decision=percentiles.get(None, Percentiles()),
        time_to_decision_by_track={t: percentiles.get(t, Percentiles()) for t in TRACKS},
        waiting=waiting,
        overdue=overdue,
        before_sale=before_sale,
        before_sale_by_track={t: before_sale_by_track.get(t, BeforeSale()) for t in TRACKS},
    )
