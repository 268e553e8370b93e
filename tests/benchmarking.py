"""What every benchmark does first: a fresh PostgreSQL database from a migrated template, then Django."""

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def database_prepare(server_url, name):
    """Recreate database ``name`` from ``<name>_template`` (migrated on first use). Returns its URL."""
    import psycopg2

    template = f"{name}_template"
    admin = psycopg2.connect(with_database(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{template}"')
    env = {**os.environ, "DATABASE_URL": with_database(server_url, template), "DEBUG": os.environ.get("DEBUG", "1")}
    # Migrating an up-to-date template is a no-op; a template from an older checkout catches up.
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    admin.close()
    return with_database(server_url, name)


def django_setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings

    # DEBUG keeps every query in memory; a benchmark of a million rows must not.
    settings.DEBUG = False
    logging.getLogger("celery").setLevel(logging.WARNING)
