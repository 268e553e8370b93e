"""Threads racing each other on real PostgreSQL, each on its own connection (the concurrency tests).

``tests.holding`` pauses a service inside its transaction; these run it beside another and wait
for what PostgreSQL shows: a connection blocked on a lock. Every wait is bounded and ends as soon as
its condition holds, so a generous bound costs a fast machine nothing.
"""

import threading
import time

from django.db import connection

WAIT_FOR_THE_OTHER = 180  # seconds a thread may wait for the other at a meeting point (a loaded machine is slow)


class Worker(threading.Thread):
    """Runs ``func`` on its own database connection; keeps its result or its exception."""

    def __init__(self, func):
        super().__init__(daemon=True)
        self.func = func
        self.result = self.error = None

    def run(self):
        try:
            self.result = self.func()
        except Exception as exc:  # the test inspects it
            self.error = exc
        finally:
            connection.close()

    def finish(self, timeout=WAIT_FOR_THE_OTHER):
        self.join(timeout)
        assert not self.is_alive(), "thread did not finish"
        return self


def a_backend_waits_on_a_lock():
    """Whether another connection of this database waits on a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


def wait_until_a_backend_waits_on_a_lock(timeout=60):
    """Until another connection of this database waits on a lock (a condition, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if a_backend_waits_on_a_lock():
            return
        time.sleep(0.05)
    raise AssertionError(f"no connection waited on a lock within {timeout} s")
