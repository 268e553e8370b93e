"""Housekeeping for the embedded broker (kombu SQLAlchemy transport on SQLite)."""

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings


def embedded_broker_path(url=None):
    """The broker file as SQLAlchemy reads the URL: sqla+sqlite:///rel or sqla+sqlite:////abs."""
    url = url or settings.CELERY_BROKER_URL
    # urlsplit("sqlite:////abs/path").path == "//abs/path" -> "/abs/path";
    # urlsplit("sqlite:///rel/path").path == "/rel/path" -> "rel/path".
    return urlsplit(url.removeprefix("sqla+")).path.removeprefix("/")


def prune_consumed_messages(*, older_than, url=None):
    """Delete messages already consumed (visible=0) before `older_than`. Returns the count.

    kombu's SQLAlchemy transport marks a message consumed by setting
    visible=0, which also stamps `timestamp` (an onupdate column) with the
    consumer's naive local ``datetime.now()``; rows never consumed keep a NULL
    timestamp and are never pruned. Django sets the process time zone from
    TIME_ZONE, so the cutoff is compared in that local time.
    """
    path = Path(embedded_broker_path(url))
    if not path.exists():
        return 0
    if older_than.tzinfo is not None:
        older_than = older_than.astimezone().replace(tzinfo=None)
    # SQLAlchemy stores SQLite DateTime as text in exactly this format.
    cutoff = older_than.strftime("%Y-%m-%d %H:%M:%S.%f")
    conn = sqlite3.connect(path, timeout=20)
    try:
        with conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'kombu_message%'"
                )
            ]
            deleted = 0
            for table in tables:
                cur = conn.execute(
                    f'DELETE FROM "{table}" WHERE visible = 0 AND timestamp IS NOT NULL AND timestamp < ?',  # noqa: S608 (table names from sqlite_master)
                    (cutoff,),
                )
                deleted += cur.rowcount
    finally:
        conn.close()
    return deleted
