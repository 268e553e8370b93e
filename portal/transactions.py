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

Files follow the transaction that records them. Storage is outside the database, and Django
has no "on rollback" hook, so both blocks here keep a list of the files written while they are
open (``stored_file_track``, called by whoever saves one): a block whose work is rolled back
(an error out of it, ``set_rollback``, a failed COMMIT) deletes its files; a savepoint that
succeeds hands them to the transaction around it, which may still roll back (an idempotent
request that fails after its verb returned); the outermost block's COMMIT keeps them. So no
rolled-back row leaves a file behind, on the pages as in the API.
"""

import contextlib
import logging
import threading

from django.db import transaction

logger = logging.getLogger(__name__)

_state = threading.local()  # database connections are per thread, and so is this


def request_transaction():
    """One transaction around a whole operation of a request; the verbs it calls join it."""
    return enclosing_transaction()


@contextlib.contextmanager
def enclosing_transaction():
    """One transaction around several verbs that commit together or not at all; the verbs it calls join it."""
    with _files_follow(transaction.atomic()):
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
        with _files_follow(transaction.atomic(durable=True)):
            yield
        return
    # A verb inside the enclosing transaction: it joins (as a savepoint, so a caller that catches its
    # error keeps going without its half). Verbs it calls in turn are durable again.
    _state.open_for_verbs = False
    try:
        with _files_follow(transaction.atomic()):
            yield
    finally:
        _state.open_for_verbs = True


def stored_file_tracking_check():
    """Refuse (RuntimeError) to store a file that rows record outside ``durable_atomic()`` (or the enclosing
    block): nothing would delete it if the row were rolled back. Ask before writing, so a refusal writes nothing."""
    levels = getattr(_state, "file_levels", None)
    if not levels:
        raise RuntimeError("A file that rows record is stored inside durable_atomic(), which deletes it on rollback.")
    return levels


def stored_file_track(field_file):
    """``field_file`` was just written to storage for a row of the open transaction: delete it if the row is
    rolled back. Call it right after saving the file, inside ``durable_atomic()`` (or the enclosing block)."""
    stored_file_tracking_check()[-1].append((field_file.storage, field_file.name))


@contextlib.contextmanager
def _files_follow(atomic):
    """``atomic``, deleting the files stored while it is open when its work is rolled back."""
    levels = _state.__dict__.setdefault("file_levels", [])
    files = []
    levels.append(files)
    try:
        with atomic:
            yield
            rolled_back = transaction.get_rollback()
    except BaseException:
        levels.pop()
        _files_delete(files)
        raise
    levels.pop()
    if rolled_back:
        _files_delete(files)
    elif levels:
        levels[-1].extend(files)  # a savepoint: the transaction around it decides


def _files_delete(files):
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # the rollback's own error matters more; the file is only an orphan
            logger.exception("A file of a rolled-back transaction could not be deleted: %s", name)
