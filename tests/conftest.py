import contextlib

import pytest
from django.contrib.auth.models import Group

from tests import factories
from tests.workers import RedisBroker, private_redis_broker, project_app_publishing_to


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled():
    """The Chinese pages need the compiled catalogue (`make install` builds it; the .mo is not committed):
    a plain `pytest` on a fresh checkout builds a missing or stale one the same way."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    from django.conf import settings

    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime) and shutil.which("msgfmt"):
            # Written aside and renamed: the other xdist worker may be reading (or building) the same .mo.
            built = mo.with_name(f"{mo.name}.{os.getpid()}")
            subprocess.run(["msgfmt", "--check-format", "-o", str(built), str(po)], check=True)
            os.replace(built, mo)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A page read by a Chinese user leaves Chinese active in the test's thread (LocaleMiddleware activates
    a request's language and nothing resets it, as each request sets its own): the next test starts in the
    default language and zone, whatever ran before it."""
    from django.utils import timezone, translation

    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Each test writes uploads to its own directory; nothing leaks between tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # pytest-django runs with DEBUG off; the demo world is wanted in the tests that seed it.
    settings.DEMO_SEED_ALLOWED = True
    # Argon2 is deliberately slow; tests create hundreds of users. tests/portal/test_settings.py
    # checks that the project itself hashes with Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Rate counters and "last used" marks start empty in every test (in-memory cache only).

    A Redis cache is never cleared: Django's clear() is FLUSHDB, and the database may be shared.
    """
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def _fresh_screener():
    """Each test screens against its own database's snapshot: a process keeps its compiled screener per
    snapshot version, and every test's database starts at version 0."""
    from screening.snapshot_build import screener_forget

    screener_forget()
    yield
    screener_forget()


@pytest.fixture(scope="session", autouse=True)
def _signed_in_sessions_pass_the_second_factor():
    """A test client's sign-in (force_login, login) is a verified session: the suite's pages work as before
    two-factor sign-in. Only tests that ask for ``unverified_sessions`` see the second factor's steps."""
    from django.test import Client

    from tests.services import SESSIONS_VERIFIED, session_second_factor_pass

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if SESSIONS_VERIFIED["on"] and not getattr(user, "is_api_principal", False):
            session_second_factor_pass(self, user)

    Client._login = _login
    yield
    Client._login = original


@pytest.fixture
def unverified_sessions():
    """Sign-ins in this test owe their second factor, as in production (see the fixture above)."""
    from tests.services import SESSIONS_VERIFIED

    SESSIONS_VERIFIED["on"] = False
    yield
    SESSIONS_VERIFIED["on"] = True


@pytest.fixture
def brand_a(db):
    return factories.RightsHolderFactory(legal_name="Brand A")


@pytest.fixture
def brand_b(db):
    return factories.RightsHolderFactory(legal_name="Brand B")


@pytest.fixture
def owner_a(brand_a):
    """A user of brand A (owner role)."""
    return factories.member_of(brand_a.organisation, role="owner")


@pytest.fixture
def user_b(brand_b):
    return factories.member_of(brand_b.organisation)


@pytest.fixture
def reviewer(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def _migrations_rows_restore():
    """Put back the rows the data migrations wrote (the staff groups, the canned reasons), as after `migrate`.

    `flush` empties every table, and Django's post_migrate brings back only content types and
    permissions. Every test starts from the migrated database: under xdist a worker's ordinary
    tests may come after its transactional ones, in any order.
    """
    import importlib

    from django.apps import apps

    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    importlib.import_module("takedowns.migrations.0002_canned_reasons").add_canned_reasons(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_triggers():
    """Transactional tests end with `flush`, a TRUNCATE the audit log's trigger refuses.

    Only the test harness may wipe it: wrap flush in pgtrigger.ignore here and
    nowhere in the project, so `manage.py flush` in production stays refused.
    The migrations' own rows are written again afterwards (_migrations_rows_restore).
    """
    import pgtrigger
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, *args, **options):
        with pgtrigger.ignore("portal.AuditLogEntry:audit_no_truncate", "portal.AuditLogEntry:audit_append_only"):
            result = original(self, *args, **options)
        _migrations_rows_restore()
        return result

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _celery_eager_unless_transactional(request):
    """Tasks sent after commit run in-process in ordinary tests.

    Transactional tests (``transaction=True``) are the ones that start real
    worker processes, which need committed rows and a real broker, so their
    tasks go through the configured broker as in production.
    """
    from portal.celery import app

    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    # The namespaced key is the one Celery reads when configured from Django settings.
    before = app.conf.task_always_eager
    app.conf.CELERY_TASK_ALWAYS_EAGER = not transactional
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER = before


@pytest.fixture(scope="session", autouse=True)
def _project_app_publishes_under_a_prefix_of_this_run():
    """Transactional tests publish their after-commit tasks through the project's app to the real broker.

    A Redis database may be shared with other test runs: this run publishes
    under a key prefix of its own (no other run's worker takes its messages)
    and deletes those keys at the end, so nothing piles up. FLUSHDB is never used.
    """
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        yield
        return
    import redis

    broker = RedisBroker.private(settings.CELERY_BROKER_URL)
    with project_app_publishing_to(broker):
        yield
    with contextlib.suppress(redis.ConnectionError):
        broker.delete_keys()


@pytest.fixture
def redis_broker():
    """A Redis broker of this test's own: a key prefix in the test Redis database, deleted afterwards.

    The project's app publishes to it too (the after-commit effects of the moves
    a test makes). Skips without Redis, or fails under REQUIRE_SERVICES=1.
    """
    with private_redis_broker() as broker:
        yield broker
