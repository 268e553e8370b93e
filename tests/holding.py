"""Hold a service's own transaction open at a chosen statement, to race another thread against it.

The verbs commit on their own (durable transactions), so a test cannot keep one
open by wrapping it in ``transaction.atomic()``. Instead the thread that runs
the verb pauses right after the first statement that matches: its locks are
held and nothing is committed until the test releases it.
"""

import contextlib

from django.db import connection


@contextlib.contextmanager
def paused_after(predicate, *, reached, release, timeout=300):
    """In this block, this thread's connection stops after the first statement ``predicate(sql)`` matches.

    ``reached`` (a threading.Event) is set there; the statement's transaction then waits,
    still open, until ``release`` is set (an AssertionError after ``timeout`` seconds).
    """
    paused = False

    def wrapper(execute, sql, params, many, context):
        nonlocal paused
        result = execute(sql, params, many, context)
        if not paused and predicate(sql):
            paused = True
            reached.set()
            assert release.wait(timeout), f"the test never released the paused statement: {sql[:80]}"
        return result

    with connection.execute_wrapper(wrapper):
        yield


def holding(func, *, reached, release, at=("FOR UPDATE",)):
    """``func`` for a thread: it runs, and holds its transaction open once a statement containing all of ``at`` ran.

    The default pauses right after the first row lock the service takes.
    """

    def run():
        with paused_after(lambda sql: all(fragment in sql for fragment in at), reached=reached, release=release):
            return func()

    return run
