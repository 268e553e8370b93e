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


# Sessions that tests sign in (Client.force_login and Client.login, so browser_session_cookie too) have passed
# two-factor sign-in (portal/two_factor/): staff pages work as before. A test of the unverified path asks
# for the ``unverified_sessions`` fixture (tests/conftest.py), which turns this off.
SESSIONS_VERIFIED = {"on": True}


def session_second_factor_pass(client, user):
    """Mark ``client``'s session as verified for ``user``, with a confirmed authenticator made if none."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def signed_in_browsers(*users, **client_kwargs):
    """A test client for each of ``users``, signed in (``client_kwargs``: the clients' own, e.g. headers)."""
    from django.test import Client

    browsers = []
    for user in users:
        browser = Client(**client_kwargs)
        browser.force_login(user)
        browsers.append(browser)
    return browsers
