"""A key's last use is recorded without a write per request: at most once per interval, decided in the cache."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import api_key_used
from api.models import ApiKey

T0 = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)


def _updates(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "api_apikey" in q["sql"]]


def test_last_used_is_written_once_per_interval(brand_a, make_key, settings):
    settings.API_KEY_LAST_USED_SECONDS = 60
    settings.API_RATE_LIMIT = settings.API_BURST_LIMIT = (1000, 1)
    key, secret = make_key(brand_a.organisation)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with time_machine.travel(T0, tick=False) as frozen:
        with CaptureQueriesContext(connection) as queries:
            assert [client.get("/api/v1/me/").status_code for _ in range(20)] == [200] * 20
        assert len(_updates(queries.captured_queries)) == 1
        key.refresh_from_db()
        assert key.last_used_at == T0
        frozen.shift(datetime.timedelta(seconds=59))
        client.get("/api/v1/me/")
        key.refresh_from_db()
        assert key.last_used_at == T0
        frozen.shift(datetime.timedelta(seconds=2))
        client.get("/api/v1/me/")
        key.refresh_from_db()
        assert key.last_used_at == T0 + datetime.timedelta(seconds=61)


def test_the_mark_never_moves_back_in_time(brand_a, make_key):
    key, _ = make_key(brand_a.organisation)
    later = timezone.now() + datetime.timedelta(minutes=5)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=later)
    assert api_key_used(key, now=timezone.now()) is True  # claimed the interval...
    key.refresh_from_db()
    assert key.last_used_at == later  # ...but an older instant does not overwrite a newer one


def test_each_key_has_its_own_interval(brand_a, make_key):
    first, _ = make_key(brand_a.organisation)
    second, _ = make_key(brand_a.organisation)
    assert api_key_used(first) is True
    assert api_key_used(first) is False
    assert api_key_used(second) is True


def test_a_failing_cache_records_nothing_and_fails_no_request(brand_a, make_key, monkeypatch, caplog):
    from django.core.cache import cache

    key, secret = make_key(brand_a.organisation)

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", broken)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is None
    assert "last use not recorded" in caplog.text


@pytest.mark.django_db
def test_a_session_request_marks_no_key(owner_a):
    client = APIClient()
    client.force_login(owner_a)
    assert client.get("/api/v1/me/").status_code == 200
    assert not ApiKey.objects.filter(last_used_at__isnull=False).exists()
