"""Health checks behind /health/: cheap and quiet for the public, thorough for staff.

Every check has a public form and, optionally, a detailed one:

* the public form answers a load balancer or compose probe: it writes nothing
  and is cheap enough to run on every unauthenticated call; the caller learns
  only "ok" or "unavailable" per check, never error text or timings;
* the detailed form (platform staff, or a caller presenting
  ``HEALTH_CHECK_TOKEN``) may do real work, such as the storage write-read-delete
  round trip, and its answer carries timings, error text and warnings.

A check is a callable that raises when the service is down and otherwise
returns None or a dict of figures to show in the detailed answer; a
``"warning"`` key with a non-empty text marks it as working but needing
attention (the status becomes "warning", still HTTP 200). Other apps add
their checks with ``health_check_register`` from ``AppConfig.ready``, so the
portal never imports them.
"""

import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection

log = logging.getLogger(__name__)

BROKER_TIMEOUT = 2  # seconds; a probe must answer fast, never retry
ERROR_TEXT_LIMIT = 300


@dataclass(frozen=True)
class HealthCheck:
    name: str
    public: Callable[[], dict | None] | None  # cheap, writes nothing; None: not run for the public
    detailed: Callable[[], dict | None] | None = None  # None: the public form serves both


_registry: dict[str, HealthCheck] = {}


def health_check_register(check):
    _registry[check.name] = check
    return check


def health_checks():
    return list(_registry.values())


def health_report(*, detailed):
    """Run the checks; return (status, {name: result}). status: "ok", "warning" or "unavailable"."""
    results, failed, warned = {}, False, False
    for check in health_checks():
        run = (check.detailed or check.public) if detailed else check.public
        if run is None:
            continue
        started = time.monotonic()
        try:
            figures = run() or {}
        except Exception as exc:  # a health probe reports, it never raises
            failed = True
            error = f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]
            log.warning("Health check %s failed: %s", check.name, error)
            results[check.name] = {"ok": False, "error": error} if detailed else {"ok": False}
            continue
        if not detailed:
            results[check.name] = {"ok": True}
            continue
        result = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), **figures}
        if result.get("warning"):
            warned = True
        else:
            result.pop("warning", None)
        results[check.name] = result
    status = "unavailable" if failed else ("warning" if warned else "ok")
    return status, results


# --- the portal's own checks -------------------------------------------------


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker():
    """Reach the configured broker directly, with a short timeout.

    kombu's ensure_connection retries with back-off and the SQLAlchemy
    transport builds an engine per connection, so the probe talks to the
    backing store itself instead. Nothing is written.
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


def _check_storage_writable_without_writing():
    """Local storage: the upload directory, or the first parent that exists, is a writable directory.

    The directory itself appears with the first upload, so a fresh install
    has only its parent. Remote storage (S3) is checked in the detailed form
    only: a request to the bucket per public probe would cost more than it tells.
    """
    if not isinstance(default_storage, FileSystemStorage):
        return
    path = Path(default_storage.location)
    while not path.exists() and path != path.parent:
        path = path.parent
    if not path.is_dir():
        raise RuntimeError(f"{path} is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise RuntimeError(f"{path} is not writable")


def _check_storage_round_trip():
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ok":
                raise RuntimeError("storage returned different bytes")
    finally:
        default_storage.delete(name)


health_check_register(HealthCheck("database", _check_database))
health_check_register(HealthCheck("broker", _check_broker))
health_check_register(HealthCheck("storage", _check_storage_writable_without_writing, _check_storage_round_trip))
