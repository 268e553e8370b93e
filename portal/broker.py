"""Housekeeping for the embedded broker (kombu SQLAlchemy transport on SQLite)."""

import sqlite3
from urllib.parse import urlsplit

from django.conf import settings


def embedded_broker_path():
    url = settings.CELERY_BROKER_URL
    # sqla+sqlite:////abs/path -> /abs/path
    return urlsplit(url.removeprefix("sqla+")).path.removeprefix("/")


def prune_consumed_messages(*, older_than):
    """Delete messages already consumed (visible=0) before `older_than`. Returns the count."""
    path = "/" + embedded_broker_path().lstrip("/")
    with sqlite3.connect(path, timeout=20) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'kombu_message%'")]
        deleted = 0
        for table in tables:
            cur = conn.execute(
                f'DELETE FROM "{table}" WHERE visible = 0 AND timestamp < ?',  # noqa: S608 (table names from sqlite_master)
                (older_than.replace(tzinfo=None).isoformat(sep=" "),),
            )
            deleted += cur.rowcount
    return deleted
