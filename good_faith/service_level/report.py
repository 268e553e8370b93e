"""The service level report: the figures of the last N days, assembled (see the package's counting rules)."""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy

from good_faith.service_level.entries import queue_entries_sql
from good_faith.service_level.figures import (
    Percentiles,
    Share,
    percentiles_in_python,
    shares_and_percentiles,
    waiting_now,
)
from takedowns.models import Track
from takedowns.removals import RemovalFigures, removals_by_source

# Our promise is better than the sources' 96% of takedown requests handled within 24 hours.
TARGET_PERCENT = 99.0
SOURCES_PERCENT = 96.0
MAX_DAYS = 366

KINDS = ("review", "adjudication", "audit", "appeal", "fast_track")
KIND_LABELS = {
    "review": gettext_lazy("Review"),
    "adjudication": gettext_lazy("Adjudication"),
    "audit": gettext_lazy("Quality audit"),
    "appeal": gettext_lazy("Appeal"),
    "fast_track": gettext_lazy("Fast-track takedown"),
}
TRACKS = (Track.STANDARD.value, Track.FAST.value)


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
    # Removals in the window by source and track, and how many came before any sale (takedowns.removals).
    removals: RemovalFigures
    target_percent: float = TARGET_PERCENT
    sources_percent: float = SOURCES_PERCENT
    notes: list = field(default_factory=list)

    @property
    def meets_target(self):
        return self.overall.percent is not None and self.overall.percent > self.target_percent

    @property
    def before_sale(self):
        return self.removals.total

    @property
    def before_sale_by_track(self):
        return self.removals.by_track

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
            "removed_before_a_sale": self.removals.as_dict(),
        }


def _week_label(key):
    year, week, _ = date.fromisoformat(key[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def service_level_report(*, days=7, now=None):
    """The service level over the entries of the last ``days`` days (see the module's counting rules)."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"The report covers 1 to {MAX_DAYS} days; {days!r} is not a number of days in that range.")
    now = now or timezone.now()
    since = now - timedelta(days=days)
    entries, params = queue_entries_sql(since, now)
    shares, percentiles = shares_and_percentiles(entries, params)
    if connection.vendor != "postgresql":
        percentiles = percentiles_in_python(entries, params)
    waiting, overdue = waiting_now(now)
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
        removals=removals_by_source(since=since, now=now),
    )
