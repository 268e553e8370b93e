"""/health/ reports database, broker and storage; a dead broker gives 503 quickly."""

import time

import pytest
from django.urls import reverse


def _get(client):
    started = time.monotonic()
    response = client.get(reverse("health"))
    return response, time.monotonic() - started


def test_health_ok_with_configured_services(client, db):
    response, _ = _get(client)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    for name in ("database", "broker", "storage"):
        assert body["checks"][name]["ok"] is True, body


def test_health_ok_with_embedded_broker(client, db, settings, tmp_path):
    settings.CELERY_BROKER_URL = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    response, _ = _get(client)
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["ok"] is True


def test_health_ok_with_default_relative_embedded_broker_url(client, db, settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings.CELERY_BROKER_URL = "sqla+sqlite:///broker.sqlite3"
    response, _ = _get(client)
    assert response.status_code == 200, response.content


def test_health_is_never_cached_and_needs_no_login(client, db):
    response, _ = _get(client)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:1/0",
        "sqla+sqlite:////nonexistent-dir-for-health/broker.sqlite3",
    ],
)
def test_broken_broker_gives_503_quickly(client, db, settings, url):
    settings.CELERY_BROKER_URL = url
    response, elapsed = _get(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"]["ok"] is True
    assert elapsed < 5


def test_broken_storage_gives_503(client, db, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media"), "base_url": None},
        },
    }
    response, _ = _get(client)
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_health_rejects_post(client, db):
    assert client.post(reverse("health")).status_code == 405
