"""The figures over the queue entries: shares within the SLA, times to decision, what waits now."""

import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q

from good_faith.models import QualityAudit, QualityAuditStatus
from takedowns.models import QUEUE_STATUSES, Appeal, AppealStatus, ItemStatus, NoticeItem


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


def shares_and_percentiles(entries, params):
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


def percentiles_in_python(entries, params):
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


def waiting_now(now):
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
