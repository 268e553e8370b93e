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

"Removed before a single sale", by source (complaint or proactive screening): the rule lives
in ``takedowns.removals`` (read by the public register too): a removal is a takedown (fast
track, or upheld) that still stands; it came before any sale when no ``listings.Order`` of
the listing was placed at or before the instant it came down.

The package: ``entries`` builds the queue entries as one SQL statement; ``figures``
aggregates them (shares, percentiles) and counts what waits now; ``report`` assembles the
``ServiceLevelReport`` (``service_level_report``).
"""
