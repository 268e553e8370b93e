"""Rate limits: per key, per session user, per address; 429 problem details with Retry-After; shared through Redis."""

import datetime
import uuid

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ApiKey
from api.throttling import ApiRateThrottle
from tests import factories

# The start of a minute, so every window of these tests is whole.
T0 = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _problem_429(response, retry_after):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(retry_after)
    body = response.json()
    assert body["status"] == 429 and body["code"] == "throttled" and body["type"].endswith("/throttled")
    return body


def test_a_key_past_its_rate_is_429_until_the_window_ends(brand_a, key_client, settings, frozen):
    settings.API_RATE_LIMIT = (5, 60)
    settings.API_BURST_LIMIT = (100, 1)
    client = key_client(brand_a.organisation, ["notices:read"])
    frozen.shift(datetime.timedelta(seconds=20))
    assert [client.get("/api/v1/me/").status_code for _ in range(5)] == [200] * 5
    _problem_429(client.get("/api/v1/me/"), retry_after=40)
    # Another key of the same organisation has counters of its own.
    assert key_client(brand_a.organisation, ["notices:read"]).get("/api/v1/me/").status_code == 200
    frozen.shift(datetime.timedelta(seconds=40))
    assert client.get("/api/v1/me/").status_code == 200


def test_a_burst_is_refused_within_the_sustained_rate(brand_a, key_client, settings, frozen):
    settings.API_RATE_LIMIT = (600, 60)
    settings.API_BURST_LIMIT = (3, 1)
    client = key_client(brand_a.organisation)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200] * 3
    frozen.shift(datetime.timedelta(milliseconds=500))
    _problem_429(client.get("/api/v1/me/"), retry_after=1)
    frozen.shift(datetime.timedelta(milliseconds=500))
    assert client.get("/api/v1/me/").status_code == 200


def test_session_users_are_counted_per_user(brand_a, owner_a, settings, frozen):
    settings.API_RATE_LIMIT = (2, 60)
    first, second = APIClient(), APIClient()
    first.force_login(owner_a)
    second.force_login(factories.member_of(brand_a.organisation))
    assert [first.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    _problem_429(first.get("/api/v1/me/"), retry_after=60)
    assert second.get("/api/v1/me/").status_code == 200


def test_callers_not_signed_in_are_counted_per_address(db, settings, frozen):
    settings.API_ANONYMOUS_RATE_LIMIT = (2, 60)
    client = APIClient()
    assert [client.get("/api/v1/schema/").status_code for _ in range(2)] == [200, 200]
    _problem_429(client.get("/api/v1/schema/"), retry_after=60)
    assert client.get("/api/v1/schema/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_refused_key_is_401_and_not_counted_as_an_anonymous_request(db, settings, frozen):
    # Authentication comes first: an unknown key never reaches the rate counters (its own counter is below).
    settings.API_ANONYMOUS_RATE_LIMIT = (1, 60)
    settings.API_AUTH_FAILURE_LIMIT = (10, 60)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer tdp_000000000000_nope")
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [401] * 3


def test_failed_keys_from_one_address_are_429_past_the_limit_even_for_a_good_key(brand_a, make_key, settings, frozen):
    settings.API_AUTH_FAILURE_LIMIT = (3, 60)
    _, good = make_key(brand_a.organisation, ["notices:read"])
    guesser = APIClient(REMOTE_ADDR="198.51.100.9")
    frozen.shift(datetime.timedelta(seconds=15))
    statuses = []
    for n in range(3):
        guesser.credentials(HTTP_AUTHORIZATION=f"Bearer tdp_00000000000{n}_guess")
        statuses.append(guesser.get("/api/v1/me/").status_code)
    assert statuses == [401] * 3
    guesser.credentials(HTTP_AUTHORIZATION="Bearer tdp_000000000009_guess")
    body = _problem_429(guesser.get("/api/v1/me/"), retry_after=45)
    assert "failed" in body["detail"]
    # Past the limit the address learns nothing: a right key is refused the same way, without being looked up.
    guesser.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
    _problem_429(guesser.get("/api/v1/me/"), retry_after=45)
    # Other addresses, and browser sessions, are not concerned.
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.10")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
    assert elsewhere.get("/api/v1/me/").status_code == 200
    session = APIClient(REMOTE_ADDR="198.51.100.9")
    session.force_login(factories.member_of(brand_a.organisation))
    assert session.get("/api/v1/me/").status_code == 200
    # The window ends: the address may try again.
    frozen.shift(datetime.timedelta(seconds=45))
    assert guesser.get("/api/v1/me/").status_code == 200


def test_successful_requests_do_not_count_as_failures(brand_a, make_key, settings, frozen):
    settings.API_AUTH_FAILURE_LIMIT = (2, 60)
    _, good = make_key(brand_a.organisation, ["notices:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
    assert [client.get("/api/v1/me/").status_code for _ in range(5)] == [200] * 5


def test_a_large_body_with_a_guessed_key_counts_too_and_reveals_nothing_once_blocked(
    brand_a, make_key, settings, frozen
):
    # The body limit asks whether a key is valid before DRF runs: that answer must not be a way around the count.
    settings.API_AUTH_FAILURE_LIMIT = (2, 60)
    _, good = make_key(brand_a.organisation, ["listings:read"])
    big = "x" * (settings.REQUEST_MAX_BODY_BYTES + 1)
    client = APIClient(REMOTE_ADDR="198.51.100.20")
    for n in range(2):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer tdp_00000000000{n}_guess")
        assert client.post("/api/v1/listings/ingest/", big, content_type="application/json").status_code == 413
    client.credentials(HTTP_AUTHORIZATION="Bearer tdp_000000000007_guess")
    _problem_429(client.get("/api/v1/me/"), retry_after=60)
    # Blocked: a right key with a large body gets the plain limit's 413, as a wrong one does.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
    assert client.post("/api/v1/listings/ingest/", big, content_type="application/json").status_code == 413


def test_a_failing_cache_does_not_block_keys(brand_a, make_key, settings, monkeypatch, caplog):
    settings.API_AUTH_FAILURE_LIMIT = (1, 60)
    _, good = make_key(brand_a.organisation, ["notices:read"])

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("add", "get", "incr"):
        monkeypatch.setattr(cache, name, broken)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer tdp_000000000000_nope")
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [401] * 3
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {good}")
    assert client.get("/api/v1/me/").status_code == 200
    assert "failed authentications not counted" in caplog.text


def test_a_failing_cache_lets_requests_through(brand_a, key_client, settings, monkeypatch, caplog):
    settings.API_RATE_LIMIT = (1, 60)
    client = key_client(brand_a.organisation)

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", broken)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200] * 3
    assert "rate limit not applied" in caplog.text


@pytest.mark.redis
def test_the_counters_live_in_redis_when_configured(brand_a, make_key, settings, frozen):
    from tests.services import redis_url

    prefix = f"test-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": prefix,
        }
    }
    settings.API_RATE_LIMIT = (3, 60)
    try:
        key, secret = make_key(brand_a.organisation)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200] * 3
        _problem_429(client.get("/api/v1/me/"), retry_after=60)
        # Another process sees the same count: it is in Redis, not in this process.
        raw = cache._cache.get_client(write=False)
        names = [name.decode() for name in raw.scan_iter(f"{prefix}:*")]
        assert any(f"api:rate:key:{key.pk}:60:" in name for name in names), names
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    finally:
        raw = cache._cache.get_client(write=True)
        for name in raw.scan_iter(f"{prefix}:*"):
            raw.delete(name)


def test_the_throttle_is_the_api_default():
    from rest_framework.settings import api_settings

    assert [ApiRateThrottle] == api_settings.DEFAULT_THROTTLE_CLASSES
