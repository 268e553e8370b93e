"""Real PostgreSQL and Redis for tests: skip on a laptop, fail under REQUIRE_SERVICES=1."""

import os

import pytest
from django.conf import settings
from django.db import connection


def require_services():
    return os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes", "on"}


def _missing(reason):
    if require_services():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def needs_postgres():
    if connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL: set DATABASE_URL=postgres://...")


def redis_url():
    url = os.environ.get("TEST_REDIS_URL") or (
        settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL.startswith("redis") else "redis://127.0.0.1:6379/5"
    )
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        _missing(f"this test needs Redis at {url}: {exc}")
    return url


CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing in the background: the only requests are the pages' own.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def needs_chromium():
    """Debian's Chromium (``make test`` installs it as root) and Playwright to drive it; the path to the browser."""
    import importlib.util
    from pathlib import Path

    if importlib.util.find_spec("playwright") is None:
        _missing("this test needs Playwright: pip install -r requirements-dev.txt")
    if not Path(CHROMIUM).exists():
        _missing(f"this test needs Chromium at {CHROMIUM}: apt-get install -y chromium")
    return CHROMIUM


def browser_session_cookie(live_server, user):
    """A session cookie of ``user`` signed in, for a browser context against ``live_server`` (no sign-in form)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
