"""What every benchmark does first: a fresh PostgreSQL database from a migrated template, then Django."""

import logging
import os
import socket
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


def database_drop(server_url, name):
    """Drop database ``name`` whoever is still connected to it (this process's connections are closed first)."""
    import psycopg2
    from django.db import connections

    connections.close_all()
    admin = psycopg2.connect(with_database(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def redis_prefix_delete(redis_url, prefix):
    """Delete a run's keys: the cache's and the broker's carry ``prefix``, kombu's bindings after a name."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"*{prefix}*", count=1000):
        client.delete(key)


# --- Measuring: a free port, the CPU a process spends, percentiles --------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU seconds a process has used (Linux /proc), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def process_children(pid):
    """The pids whose parent is ``pid`` (gunicorn's workers)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                continue
    return out


def percentile(values, fraction):
    """The value at ``fraction`` of the sorted values (nearest rank on the 0..n-1 scale)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


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


# --- The trivial view: what the machine gives a request right now ------------------------

TRIVIAL_PATH = "bench/trivial/"
_BENCH_URLCONF = "benchmarks_trivial_urls"


def trivial_view_install():
    """The portal's URLs plus one trivial view, as this process's root URLconf (nothing else changes).

    The view is login-protected and answers "ok": the whole middleware stack, the session and
    the user, nothing else. Timed beside a benchmark's own work in the same run, it says how fast
    the machine is at that moment: the machine is shared, and a ratio to it survives the load
    where milliseconds do not.
    """
    import types

    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import clear_url_caches, include, path

    @login_required
    def trivial(request):
        return HttpResponse("ok", content_type="text/plain")

    module = types.ModuleType(_BENCH_URLCONF)
    module.urlpatterns = [path(TRIVIAL_PATH, trivial), path("", include(settings.ROOT_URLCONF))]
    sys.modules[_BENCH_URLCONF] = module
    settings.ROOT_URLCONF = _BENCH_URLCONF
    clear_url_caches()


def trivial_view_time(client):
    """One GET of the trivial view by a logged-in test client, in ms."""
    import time

    began = time.perf_counter()
    response = client.get("/" + TRIVIAL_PATH)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        raise SystemExit(f"trivial view answered HTTP {response.status_code}")
    return elapsed
