"""Track records: how a filer's decided notice items came out, over a rolling window.

One aggregate query for every subject at once (a rights holder, via
``notice.rights_holder``, or a vetting partner, via ``notice.partner``),
overall and per infringement type; no per-item Python.

What counts (the definitions the membership rules and the pages rely on):

- **decided**: items whose status is final and *judged on the merits* --
  upheld, dismissed or rejected -- with ``decided_at`` inside the window
  (``now - GOOD_FAITH_WINDOW_DAYS`` < decided_at <= now). Invalid items (the
  form was incomplete) and withdrawn ones (the filer's own choice) say nothing
  about whether the filer's complaints are right, so they are left out. A
  decision reversed on appeal or in a quality audit gets a new ``decided_at``
  and counts by its current status.
- **upheld**: status upheld.
- **dismissed_after_counter_notice** (successful counter-notices): dismissed
  items the merchant had counter-noticed, not counting reversals below (each
  item counts against the filer once).
- **rejected**: rejected by a reviewer; **manifestly_unfounded**: the subset a
  reviewer marked manifestly unfounded (a misuse strike, DSA article 23).
- **reversed**: a takedown reversed against the filer (on appeal or in a
  quality audit), now dismissed.
- **accuracy_percent** = upheld / decided: a reversed takedown is dismissed,
  so it no longer counts as upheld -- "a reversed audit counts against
  accuracy" falls out of that. This is the upheld rate the membership bar uses.
- **counter_notice_success_percent** = dismissed_after_counter_notice / decided.
- Notices the platform filed from its own screening (channel ``proactive``) are nobody's record:
  the brand did not file them and the marketplace is not a filer the programme measures.
- **median_hours_to_outcome**: median of ``decided_at - notice.submitted_at``.

Both percentages are ``None`` when nothing was decided.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from good_faith.models import OVERALL

SUBJECT_COLUMNS = {"rights_holder": "rights_holder_id", "partner": "partner_id"}
DECIDED_STATUSES = ("upheld", "dismissed", "rejected")


@dataclass
class TrackRecord:
    decided: int = 0
    upheld: int = 0
    dismissed_after_counter_notice: int = 0
    rejected: int = 0
    manifestly_unfounded: int = 0
    reversed: int = 0
    accuracy_percent: float | None = None
    counter_notice_success_percent: float | None = None
    median_hours_to_outcome: float | None = None

    @classmethod
    def from_counts(cls, decided, upheld, cn, rejected, mu, reversed_, median_hours):
        def share(part):
            return round(100.0 * part / decided, 4) if decided else None

        return cls(
            decided=decided,
            upheld=upheld,
            dismissed_after_counter_notice=cn,
            rejected=rejected,
            manifestly_unfounded=mu,
            reversed=reversed_,
            accuracy_percent=share(upheld),
            counter_notice_success_percent=share(cn),
            median_hours_to_outcome=round(float(median_hours), 2) if median_hours is not None else None,
        )

    def as_figures(self):
        """A JSON-ready dict (MembershipChange.figures, Membership.last_figures)."""
        return asdict(self)


def window_start(now=None):
    now = now or timezone.now()
    return now - timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS)


# Shared by both vendors: the items in the window, with the counter-notice joined (one-to-one).
_FROM = """
    FROM takedowns_noticeitem i
    JOIN takedowns_notice n ON n.id = i.notice_id
    LEFT JOIN takedowns_counternotice cn ON cn.item_id = i.id
    WHERE i.status IN ('upheld', 'dismissed', 'rejected')
      AND i.decided_at > %s AND i.decided_at <= %s
      AND n.{col} IS NOT NULL AND n.channel <> 'proactive' {subject_filter}
"""

_COUNTS = """
    COUNT(*),
    SUM(CASE WHEN i.status = 'upheld' THEN 1 ELSE 0 END),
    SUM(CASE WHEN i.status = 'dismissed' AND cn.id IS NOT NULL AND NOT i.reversed_against_filer
             THEN 1 ELSE 0 END),
    SUM(CASE WHEN i.status = 'rejected' THEN 1 ELSE 0 END),
    SUM(CASE WHEN i.status = 'rejected' AND i.manifestly_unfounded THEN 1 ELSE 0 END),
    SUM(CASE WHEN i.status = 'dismissed' AND i.reversed_against_filer THEN 1 ELSE 0 END)
"""


def track_records(*, subject="rights_holder", subject_ids=None, now=None):
    """{(subject_id, infringement_type or ""): TrackRecord} for every subject with a decided item in the window.

    A subject (or a type) with nothing decided in the window has no key; use
    ``record_of`` to read with an empty default.
    """
    if subject not in SUBJECT_COLUMNS:
        raise ValueError(f"subject must be one of {sorted(SUBJECT_COLUMNS)}, not {subject!r}")
    col = SUBJECT_COLUMNS[subject]
    now = now or timezone.now()
    if subject_ids is not None and not subject_ids:
        return {}
    from_sql, params = _window_from(col, subject_ids, window_start(now), now)
    if connection.vendor == "postgresql":
        return _records_postgresql(col, from_sql, params)
    return _records_portable(col, from_sql, params)


def _window_from(col, subject_ids, after, until):
    """``_FROM`` for the items decided in (after, until] of the subjects ``subject_ids`` (None: every subject),
    with its parameters."""
    params = [after, until]
    subject_filter = ""
    if subject_ids is not None:
        subject_ids = [int(pk) for pk in subject_ids]
        if connection.vendor == "postgresql":
            subject_filter = f"AND n.{col} = ANY(%s)"
            params.append(subject_ids)
        else:
            subject_filter = f"AND n.{col} IN ({', '.join(['%s'] * len(subject_ids))})"
            params.extend(subject_ids)
    return _FROM.format(col=col, subject_filter=subject_filter), params


def track_records_change_at(*, subject="rights_holder", subject_ids, now, within):
    """The first instant in (now, now + within] at which a decided item counted in the subjects' records now
    leaves the window (their figures change with time alone then); None if none does. One query."""
    if subject not in SUBJECT_COLUMNS:
        raise ValueError(f"subject must be one of {sorted(SUBJECT_COLUMNS)}, not {subject!r}")
    if not subject_ids:
        return None
    # Counted now (decided after the window's start) and out of it by now + within (decided by that window's
    # start): an item leaves at its decided_at + the window's length.
    from_sql, params = _window_from(
        SUBJECT_COLUMNS[subject], subject_ids, window_start(now), window_start(now + within)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(i.decided_at) {from_sql}", params)  # noqa: S608 -- fixed column names only
        (first,) = cursor.fetchone()
    if first is None:
        return None
    if isinstance(first, str):  # SQLite without converters on a raw cursor
        first = datetime.fromisoformat(first)
    if timezone.is_naive(first):
        first = timezone.make_aware(first, UTC)
    return first + timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS)


def record_of(records, subject_id, infringement_type=OVERALL):
    return records.get((subject_id, infringement_type)) or TrackRecord()


def _records_postgresql(col, from_sql, params):
    # GROUPING SETS gives the overall row and the per-type rows in one pass;
    # GROUPING() tells an overall row from a type's (the type column is NULL there).
    # Only fixed column names are interpolated (SUBJECT_COLUMNS); values go as parameters.
    sql = f"""
        SELECT n.{col}, i.infringement_type, GROUPING(i.infringement_type) AS is_overall,
               {_COUNTS},
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY EXTRACT(EPOCH FROM (i.decided_at - n.submitted_at))
               ) / 3600.0
        {from_sql}
        GROUP BY GROUPING SETS ((n.{col}), (n.{col}, i.infringement_type))
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        (subject_id, OVERALL if is_overall else itype): TrackRecord.from_counts(*counts)
        for subject_id, itype, is_overall, *counts in rows
    }


def _records_portable(col, from_sql, params):
    """SQLite (development): the same counts with UNION ALL; the median from a second, values-only query."""
    sql = f"""
        SELECT n.{col}, '' AS itype, {_COUNTS} {from_sql} GROUP BY n.{col}
        UNION ALL
        SELECT n.{col}, i.infringement_type, {_COUNTS} {from_sql} GROUP BY n.{col}, i.infringement_type
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        rows = cursor.fetchall()
        cursor.execute(
            f"""SELECT n.{col}, i.infringement_type,
                       (julianday(i.decided_at) - julianday(n.submitted_at)) * 24.0 AS hours
                {from_sql} ORDER BY 1, 2, 3""",
            params,
        )
        durations = cursor.fetchall()
    by_scope = {}
    for subject_id, itype, hours in durations:
        by_scope.setdefault((subject_id, itype), []).append(hours)
        by_scope.setdefault((subject_id, OVERALL), []).append(hours)
    return {
        (subject_id, itype): TrackRecord.from_counts(*counts, _median(by_scope.get((subject_id, itype), [])))
        for subject_id, itype, *counts in rows
    }


def _median(values):
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2
