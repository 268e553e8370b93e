"""portal.transactions: verbs stay durable everywhere except directly inside an API request's transaction.

Real transactions (``transaction=True``): Django lets durable blocks nest in a TestCase's own
transaction, which would hide the refusal.
"""

import re
from pathlib import Path

import pytest
from django.db import transaction

from portal.models import AuditLogEntry
from portal.transactions import durable_atomic, request_transaction

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
BY_HAND = re.compile(r"^\s*(with|@).*\batomic\(.*durable=True", re.MULTILINE)


def _write(action):
    AuditLogEntry.objects.create(action=action, actor_label="test")


def test_a_verb_refuses_a_callers_transaction():
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic(), durable_atomic():
        _write("never")
    assert not AuditLogEntry.objects.filter(action="never").exists()


def test_a_verb_joins_the_request_transaction_and_commits_or_rolls_back_with_it():
    with request_transaction():
        with durable_atomic():
            _write("joined")
        assert transaction.get_connection().in_atomic_block  # not committed yet: the request's block is open
    assert AuditLogEntry.objects.filter(action="joined").exists()

    with pytest.raises(ValueError), request_transaction():
        with durable_atomic():
            _write("rolled back")
        raise ValueError("the request fails after the verb returned")
    assert not AuditLogEntry.objects.filter(action="rolled back").exists()


def test_a_verb_that_fails_inside_the_request_leaves_the_request_usable():
    with request_transaction():
        with pytest.raises(ValueError), durable_atomic():
            _write("half")
            raise ValueError("refused")
        with durable_atomic():
            _write("whole")
    assert list(AuditLogEntry.objects.filter(action__in=["half", "whole"]).values_list("action", flat=True)) == [
        "whole"
    ]


def test_a_verb_inside_a_verb_is_still_refused_inside_the_request():
    with pytest.raises(RuntimeError, match="durable"), request_transaction(), durable_atomic(), durable_atomic():
        pass


def test_no_verb_opens_a_durable_transaction_by_hand():
    """A verb on ``transaction.atomic(durable=True)`` would break every idempotent API request that calls it."""
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("portal", "rights_holders", "listings", "takedowns", "good_faith", "api", "demo")
        for path in (ROOT / app).rglob("*.py")
        if BY_HAND.search(path.read_text()) and path.name != "transactions.py"
    ]
    assert offenders == [], "use portal.transactions.durable_atomic() in: " + ", ".join(offenders)


# --- Files follow the transaction that records them -------------------------------------------------------------


class _Stored:
    """A file written to storage, as a FieldFile is after ``save(..., save=False)``."""

    def __init__(self, name):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        self.storage = default_storage
        self.name = default_storage.save(name, ContentFile(b"%PDF-1.4\n%%EOF\n"))

    def exists(self):
        return self.storage.exists(self.name)


def _stored_file(name):
    from portal.transactions import stored_file_track

    stored = _Stored(name)
    stored_file_track(stored)
    return stored


def test_a_file_stored_by_a_verb_that_commits_is_kept():
    with durable_atomic():
        kept = _stored_file("kept.pdf")
    assert kept.exists()


def test_a_file_stored_by_a_verb_that_fails_is_deleted():
    with pytest.raises(ValueError), durable_atomic():
        gone = _stored_file("gone.pdf")
        raise ValueError("the verb fails after storing it")
    assert not gone.exists()


def test_a_file_stored_by_a_verb_is_deleted_when_the_request_fails_after_the_verb_returned():
    with pytest.raises(ValueError), request_transaction():
        with durable_atomic():
            gone = _stored_file("request.pdf")
            _write("with its row")
        assert gone.exists()  # the verb's savepoint succeeded: the request's transaction decides
        raise ValueError("the request fails after the verb returned")
    assert not gone.exists()
    assert not AuditLogEntry.objects.filter(action="with its row").exists()


def test_a_request_rolled_back_without_an_error_deletes_its_files_too():
    with request_transaction():
        with durable_atomic():
            gone = _stored_file("set-rollback.pdf")
        transaction.set_rollback(True)  # what an idempotent request does with a 5xx answer
    assert not gone.exists()


def test_a_failed_verb_inside_a_request_that_goes_on_takes_only_its_own_files():
    with request_transaction():
        with pytest.raises(ValueError), durable_atomic():
            half = _stored_file("half.pdf")
            raise ValueError("refused")
        with durable_atomic():
            whole = _stored_file("whole.pdf")
    assert not half.exists() and whole.exists()


def test_a_file_stored_outside_a_transaction_that_records_it_is_refused():
    from portal.transactions import stored_file_track

    with pytest.raises(RuntimeError, match="durable_atomic"):
        stored_file_track(_Stored("loose.pdf"))
