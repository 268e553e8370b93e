"""Idempotency-Key under real concurrency: HTTP requests at once against a live server on PostgreSQL.

Each request runs in the server's own thread on its own database connection, as in
production; the test endpoint is tests/api/idempotency_urls.py's.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from api.models import IdempotencyRecord
from portal.models import AuditLogEntry
from tests.api import idempotency_urls
from tests.api.idempotency_urls import ACTION
from tests.services import needs_postgres

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.urls("tests.api.idempotency_urls"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6
TIMEOUT = 30  # seconds any one request may take; a request waiting on a lock instead of answering fails here


@pytest.fixture
def send(live_server, brand_a, key_client, make_key):
    needs_postgres()
    _, secret = make_key(brand_a.organisation)
    session_headers = {"Authorization": f"Bearer {secret}"}

    def send(key, body):
        return requests.post(
            f"{live_server.url}/api/v1/_test/things/",
            json=body,
            headers={**session_headers, "Idempotency-Key": key},
            timeout=TIMEOUT,
        )

    return send


@pytest.fixture
def held():
    idempotency_urls.ENTERED.clear()
    idempotency_urls.RELEASE.clear()
    yield idempotency_urls
    idempotency_urls.RELEASE.set()  # never leave a server thread parked


def _created():
    return AuditLogEntry.objects.filter(action=ACTION).count()


def test_retries_while_the_first_runs_get_409_at_once_then_the_replay(send, held):
    key = str(uuid.uuid4())
    body = {"name": "lamp", "hold": True}
    with ThreadPoolExecutor(THREADS) as pool:
        first = pool.submit(send, key, body)
        assert held.ENTERED.wait(TIMEOUT), "the first request never reached its operation"
        # The first holds its transaction open, its work written and not committed: every retry
        # must answer now (not wait on the claim's row), and none may run the operation.
        retries = [pool.submit(send, key, body) for _ in range(THREADS - 1)]
        answers = [r.result(TIMEOUT) for r in retries]
        assert [a.status_code for a in answers] == [409] * (THREADS - 1)
        assert all(a.json()["code"] == "idempotency_key_in_use" for a in answers)
        assert not first.done()
        held.RELEASE.set()
        original = first.result(TIMEOUT)
    assert original.status_code == 201
    replay = send(key, body)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == original.json()
    assert _created() == 1


def test_a_take_over_does_not_take_a_claim_whose_request_is_alive(send, held, settings):
    # Every claim counts as abandoned at once: a retry tries to take the claim over, and finds the
    # running request's row lock held (NOWAIT), so it answers 409 instead of running a second time.
    settings.API_IDEMPOTENCY_CLAIM_SECONDS = 0
    key = str(uuid.uuid4())
    body = {"name": "lamp", "hold": True}
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(send, key, body)
        assert held.ENTERED.wait(TIMEOUT), "the first request never reached its operation"
        retry = send(key, body)
        assert retry.status_code == 409
        held.RELEASE.set()
        assert first.result(TIMEOUT).status_code == 201
    assert _created() == 1
    assert send(key, body).headers["Idempotent-Replayed"] == "true"


def test_a_burst_of_the_same_request_runs_it_exactly_once(send):
    for round_ in range(5):
        key = str(uuid.uuid4())
        body = {"name": f"lamp {round_}"}
        start = threading.Barrier(THREADS)

        def at_once(key=key, body=body, start=start):
            start.wait(TIMEOUT)
            return send(key, body)

        with ThreadPoolExecutor(THREADS) as pool:
            answers = [f.result(TIMEOUT) for f in [pool.submit(at_once) for _ in range(THREADS)]]
        statuses = sorted(a.status_code for a in answers)
        assert set(statuses) <= {201, 409}, statuses
        done = [a.json() for a in answers if a.status_code == 201]
        assert done and all(d == done[0] for d in done), "every 201 is the one response, replayed"
        assert AuditLogEntry.objects.filter(action=ACTION, data__name=body["name"]).count() == 1
    assert IdempotencyRecord.objects.filter(completed_at__isnull=False).count() == 5
