"""The queue entries: one row per piece of work that entered a reviewer's queue, as one SQL statement."""

from datetime import UTC, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
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

from good_faith.models import QualityAudit
from takedowns.models import QUEUE_STATUSES, Appeal, ItemEvent, ItemStatus, Track

# The columns every entry query selects, in this order: the queries are joined by UNION ALL.
SOURCE_COLUMNS = ("s_kind", "s_track", "s_day", "s_week", "s_entered", "s_due", "s_handled", "s_withdrawn")


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


def queue_entries_sql(since, now):
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
