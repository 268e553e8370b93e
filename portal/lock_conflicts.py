"""Retrying a transaction that PostgreSQL ended to break a lock cycle.

Two transactions that each wait for a row the other holds are a deadlock;
PostgreSQL ends one of them (``deadlock detected``, SQLSTATE 40P01), and a
serializable transaction can be ended the same way (40001). Nothing the
victim wrote survives, so running it again is safe and usually succeeds at
once. Writers still take their rows in a stable order so that this stays rare;
the retry is the belt to those braces, bounded so a hot spot surfaces as an
error instead of a loop.
"""

import logging

from django.db import OperationalError

log = logging.getLogger(__name__)

# deadlock_detected, serialization_failure
LOCK_CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})


def lock_conflict(exc):
    """Whether ``exc`` is PostgreSQL ending a transaction to break a lock cycle (worth a retry)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    return (getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)) in LOCK_CONFLICT_SQLSTATES


def lock_conflict_retry(func, *, attempts=3):
    """Call ``func()`` (which opens its own transaction) again when a lock conflict ends it; at most ``attempts`` times.

    The last conflict is raised: callers turn it into a message ("try again").
    """
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except OperationalError as exc:
            if not lock_conflict(exc) or attempt == attempts:
                raise
            log.info("Lock conflict (attempt %s of %s), running the transaction again: %s", attempt, attempts, exc)
    raise AssertionError("unreachable")
