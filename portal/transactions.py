"""Durable transactions for the verbs, and the one caller allowed to enclose them.

A verb commits on its own: ``with durable_atomic():`` is ``transaction.atomic(durable=True)``
(STYLE.md habit 17), so a caller's transaction cannot swallow it by mistake.

Two callers enclose verbs on purpose (``enclosing_transaction()``). An API request that
carries an ``Idempotency-Key`` (``api/idempotency.py``, through ``request_transaction()``)
records its response in the same transaction as the work, so the work and the record of
it commit together or not at all (a retry then either replays the response or runs the
operation as if for the first time, never half of each). The demo seed
(``manage.py seed_demo``) makes its world whole or not at all, so a seed that fails
half-way leaves nothing behind and a re-run starts afresh. Inside the enclosing
transaction the verbs join it instead of refusing it; everywhere else, including a verb
called from a verb inside it, they stay durable. The request transaction commits as
soon as the operation returns, before any response is sent, so "committed when the
verb returns" still holds for everyone who can observe it.
"""

import contextlib
import threading

from django.db import transaction

_state = threading.local()  # database connections are per thread, and so is this


def request_transaction():
    """One transaction around a whole operation of a request; the verbs it calls join it."""
    return enclosing_transaction()


@contextlib.contextmanager
def enclosing_transaction():
    """One transaction around several verbs that commit together or not at all; the verbs it calls join it."""
    with transaction.atomic():
        previous = getattr(_state, "open_for_verbs", False)
        _state.open_for_verbs = True
        try:
            yield
        finally:
            _state.open_for_verbs = previous


@contextlib.contextmanager
def durable_atomic():
    """``transaction.atomic(durable=True)``, except directly inside ``enclosing_transaction()``."""
    if not getattr(_state, "open_for_verbs", False):
        with transaction.atomic(durable=True):
            yield
        return
    # A verb inside the enclosing transaction: it joins (as a savepoint, so a caller that catches its
    # error keeps going without its half). Verbs it calls in turn are durable again.
    _state.open_for_verbs = False
    try:
        with transaction.atomic():
            yield
    finally:
        _state.open_for_verbs = True
