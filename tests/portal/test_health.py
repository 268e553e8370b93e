"""/health/: a cheap probe that writes nothing and tells the public only ok or not; detail for staff or a token."""

import secrets
import time

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from portal import health as health_module
from portal.health import HealthCheck, health_check_register

TOKEN = secrets.token_urlsafe(32)


class RecordingStorage(FileSystemStorage):
    """Local storage that counts writes and deletes, so a probe that writes is seen even if it cleans up."""

    writes = 0
    deletes = 0

    def _save(self, name, content):
        type(self).writes += 1
        return super()._save(name, content)

    def delete(self, name):
        type(self).deletes += 1
        return super().delete(name)


@pytest.fixture
def recording_storage(settings, tmp_path):
    RecordingStorage.writes = RecordingStorage.deletes = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.RecordingStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }
    return RecordingStorage


@pytest.fixture
def token(settings):
    settings.HEALTH_CHECK_TOKEN = TOKEN
    return TOKEN


@pytest.fixture
def extra_check():
    """Register a check for one test and take it away afterwards."""
    added = []

    def add(check):
        added.append(check.name)
        return health_check_register(check)

    yield add
    for name in added:
        health_module._registry.pop(name, None)


def _get(client, **headers):
    started = time.monotonic()
    response = client.get(reverse("health"), headers=headers)
    return response, time.monotonic() - started


def _broken_storage(settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media"), "base_url": None},
        },
    }


# --- the public probe ------------------------------------------------------------


def test_public_probe_reports_each_service_ok_and_nothing_more(client, db):
    response, _ = _get(client)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == {
        "status": "ok",
        "checks": {"database": {"ok": True}, "broker": {"ok": True}, "storage": {"ok": True}},
    }


def test_public_probe_writes_nothing_to_storage(client, db, recording_storage):
    for _ in range(3):
        assert _get(client)[0].status_code == 200
    assert (recording_storage.writes, recording_storage.deletes) == (0, 0)


def test_public_probe_passes_on_a_fresh_install_whose_upload_directory_does_not_exist_yet(
    client, db, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "fresh" / "media"), "base_url": None},
        },
    }
    assert _get(client)[0].status_code == 200
    assert not (tmp_path / "fresh").exists()


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
def test_broken_broker_gives_503_quickly_without_telling_the_public_why(client, db, settings, url):
    settings.CELERY_BROKER_URL = url
    response, elapsed = _get(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": {"ok": True}, "broker": {"ok": False}, "storage": {"ok": True}}
    assert b"nonexistent-dir" not in response.content and b"Error" not in response.content
    assert elapsed < 5


def test_broken_storage_gives_503_to_the_public_probe(client, db, settings, tmp_path):
    _broken_storage(settings, tmp_path)
    response, _ = _get(client)
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False}
    assert b"not-a-dir" not in response.content


def test_health_rejects_post(client, db):
    assert client.post(reverse("health")).status_code == 405


# --- the detailed answer -------------------------------------------------------------


def test_staff_see_timings_and_the_storage_round_trip(client, reviewer, recording_storage):
    client.force_login(reviewer)
    response, _ = _get(client)
    assert response.status_code == 200
    body = response.json()
    assert body["detailed"] is True and body["status"] == "ok"
    assert all(isinstance(check["ms"], float) for check in body["checks"].values())
    assert (recording_storage.writes, recording_storage.deletes) == (1, 1)


def test_staff_see_the_error_text(client, reviewer, settings, tmp_path):
    _broken_storage(settings, tmp_path)
    settings.CELERY_BROKER_URL = "sqla+sqlite:////nonexistent-dir-for-health/broker.sqlite3"
    client.force_login(reviewer)
    response, _ = _get(client)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert "nonexistent-dir-for-health" in checks["broker"]["error"]
    assert checks["storage"]["ok"] is False and checks["storage"]["error"]


def test_a_signed_in_user_who_is_not_staff_gets_the_public_answer(client, owner_a, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    client.force_login(owner_a)
    body = _get(client)[0].json()
    assert "detailed" not in body and body["checks"]["broker"] == {"ok": False}


def test_the_token_opens_the_detail_and_a_wrong_token_does_not(client, db, token, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    right = _get(client, Authorization=f"Bearer {token}")[0].json()
    assert right["detailed"] is True and right["checks"]["broker"]["error"]
    for wrong in (f"Bearer {token[:-1]}x", f"Bearer {token}{token}", token, "Bearer ", f"Basic {token}"):
        body = _get(client, Authorization=wrong)[0].json()
        assert "detailed" not in body and body["checks"]["broker"] == {"ok": False}, wrong


def test_without_a_configured_token_no_bearer_opens_the_detail(client, db, settings):
    settings.HEALTH_CHECK_TOKEN = ""
    body = _get(client, Authorization="Bearer ")[0].json()
    assert "detailed" not in body


# --- checks other apps add ---------------------------------------------------------------


def test_a_registered_warning_shows_to_staff_and_keeps_the_probe_green(client, reviewer, extra_check):
    extra_check(HealthCheck("queue", public=None, detailed=lambda: {"count": 3, "warning": "3 jobs failed for good"}))
    public = _get(client)[0]
    assert public.status_code == 200 and public.json()["status"] == "ok"
    assert "queue" not in public.json()["checks"]

    client.force_login(reviewer)
    detailed = _get(client)[0]
    assert detailed.status_code == 200
    body = detailed.json()
    assert body["status"] == "warning"
    assert body["checks"]["queue"] | {"ms": 0} == {"ok": True, "ms": 0, "count": 3, "warning": "3 jobs failed for good"}


def test_a_registered_check_without_a_warning_is_plain_ok(client, reviewer, extra_check):
    extra_check(HealthCheck("queue", public=None, detailed=lambda: {"count": 0, "warning": ""}))
    client.force_login(reviewer)
    body = _get(client)[0].json()
    assert body["status"] == "ok"
    assert body["checks"]["queue"]["count"] == 0 and "warning" not in body["checks"]["queue"]
