"""/health/: database, broker and storage, for compose and load balancers."""

import sqlite3
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


BROKER_TIMEOUT = 2  # seconds; a probe must answer fast, never retry


def _check_broker():
    """Reach the configured broker directly, with a short timeout.

    kombu's ensure_connection retries with back-off and the SQLAlchemy
    transport builds an engine per connection, so the probe talks to the
    backing store itself instead.
    """
    url = settings.CELERY_BROKER_URL
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT)
        try:
            if not client.ping():
                raise RuntimeError("redis did not answer PING")
        finally:
            client.close()
    elif scheme == "sqla+sqlite":
        # sqla+sqlite:////abs/path -> /abs/path; sqla+sqlite:///rel -> rel
        path = urlsplit(url.removeprefix("sqla+")).path.removeprefix("/")
        if not path or path == ":memory:":
            return
        if not Path(path).parent.is_dir():
            raise RuntimeError(f"broker directory {Path(path).parent} does not exist")
        conn = sqlite3.connect(path, timeout=BROKER_TIMEOUT)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    elif scheme.startswith("sqla+"):
        import sqlalchemy

        engine = sqlalchemy.create_engine(
            url.removeprefix("sqla+"),
            connect_args={"connect_timeout": BROKER_TIMEOUT},
            poolclass=sqlalchemy.pool.NullPool,
        )
        try:
            with engine.connect() as conn:
                conn.execute(sqlalchemy.text("SELECT 1"))
        finally:
            engine.dispose()
    elif scheme != "memory":
        raise RuntimeError(f"unsupported broker scheme {scheme!r}")


def _check_storage():
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ok":
                raise RuntimeError("storage returned different bytes")
    finally:
        default_storage.delete(name)


CHECKS = {"database": _check_database, "broker": _check_broker, "storage": _check_storage}


@never_cache
@require_GET
def health(request):
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
            results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
        except Exception as exc:  # a health probe reports, it never raises
            healthy = False
            results[name] = {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}"[:300] if settings.DEBUG else type(exc).__name__,
            }
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results}, status=200 if healthy else 503
    )
