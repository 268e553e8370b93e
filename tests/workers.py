"""Real Celery worker processes for tests (no mocks).

    with celery_worker(broker_url, var_dir=tmp_path) as worker:
        with broker_sender(broker_url) as sender:
            sender.send_task("portal.tasks.ping", args=["token"])
        wait_for(lambda: ..., timeout=30)

The worker shares the test database (use
``@pytest.mark.django_db(transaction=True)`` so its rows and yours are
committed). ``broker_url=None`` means the embedded broker: kombu's
SQLAlchemy transport on ``<var_dir>/broker.sqlite3``, exactly as
portal/settings.py builds it when CELERY_BROKER_URL is unset.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from celery import Celery
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY_BIN = str(Path(sys.executable).with_name("celery"))
WORKER_ARGS = [
    "-A",
    "portal",
    "worker",
    "--pool=prefork",
    "--concurrency=2",
    "--without-gossip",
    "--without-mingle",
    "--loglevel=INFO",
]


def embedded_broker_url(var_dir):
    """The embedded broker URL a process with PORTAL_VAR_DIR=var_dir uses."""
    return f"sqla+sqlite:///{Path(var_dir).resolve() / 'broker.sqlite3'}"


def worker_database_url():
    """DATABASE_URL pointing a subprocess at the test database of this test run."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(s["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("an in-memory SQLite test database cannot be shared with a worker process")
        return f"sqlite:///{Path(name).resolve()}"  # absolute path -> sqlite:////abs
    if connection.vendor == "postgresql":
        user = quote(s.get("USER") or "", safe="")
        password = quote(s.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{quote(s['NAME'], safe='')}"
    raise RuntimeError(f"no worker database URL for {connection.vendor}")


def wait_for(predicate, *, timeout, interval=0.1, message="condition"):
    """Poll `predicate` until it returns a truthy value (returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class WorkerProcess:
    def __init__(self, process, log_path, broker_url):
        self.process = process
        self.log_path = log_path
        self.broker_url = broker_url

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        return self.log_path.read_text(errors="replace")

    def hard_kill(self):
        """SIGKILL the whole process group (main process and pool children), like an OOM kill."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # Pool children are reaped by init; make sure none outlive the test.
        _kill_group_quietly(self.process.pid)

    def stop(self, timeout=15):
        """Warm shutdown (SIGTERM), then SIGKILL the group if it does not exit in time."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group_quietly(self.process.pid)
                self.process.wait(timeout=10)
        _kill_group_quietly(self.process.pid)


def _kill_group_quietly(pgid):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@contextmanager
def celery_worker(broker_url=None, *, var_dir, env_extra=None, ready_timeout=30, name="worker"):
    """Start `celery -A portal worker` (prefork, concurrency 2) and yield a WorkerProcess once ready.

    broker_url: a redis:// URL, or None for the embedded broker in var_dir.
    var_dir: PORTAL_VAR_DIR of the worker (its embedded broker file lives there).
    env_extra: more environment variables for the worker (override the defaults).
    The worker runs in its own session so it and its pool children are
    signalled as one group; on exit it is stopped (SIGTERM, then SIGKILL).
    """
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy()
    env.pop("CELERY_BROKER_URL", None)
    env.update(
        DEBUG="1",
        PORTAL_VAR_DIR=str(var_dir),
        DATABASE_URL=worker_database_url(),
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONUNBUFFERED="1",
    )
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    env.update(env_extra or {})
    log_path = var_dir / f"{name}-{time.monotonic_ns()}.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 (closed in finally)
    process = subprocess.Popen(
        [CELERY_BIN, *WORKER_ARGS, f"--hostname={name}@%h"],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = WorkerProcess(process, log_path, broker_url or embedded_broker_url(var_dir))
    try:
        deadline = time.monotonic() + ready_timeout
        while " ready." not in worker.log():
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode} before ready:\n{worker.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery worker not ready after {ready_timeout}s:\n{worker.log()}")
            time.sleep(0.1)
        yield worker
    finally:
        try:
            worker.stop()
        finally:
            log_file.close()


@contextmanager
def broker_sender(broker_url):
    """A bare Celery app that publishes to `broker_url` (the test process's own settings are not used)."""
    if broker_url.startswith("sqla+"):
        from kombu.transport import sqlalchemy as sqla_transport

        sqla_transport.Transport.polling_interval = settings.CELERY_BROKER_POLLING_INTERVAL
    sender = Celery("test-sender", broker=broker_url, set_as_current=False)
    # Celery lets the environment variable CELERY_BROKER_URL override any
    # configured broker_url (celery.app.utils.Settings.broker_url), so a test
    # run with CELERY_BROKER_URL=redis://... would publish there. The explicit
    # read/write URLs win over it (unless CELERY_BROKER_{READ,WRITE}_URL are set).
    for name in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        if os.environ.get(name):
            raise RuntimeError(f"unset {name}: it would override the broker of broker_sender()")
    sender.conf.broker_read_url = sender.conf.broker_write_url = broker_url
    sender.conf.task_serializer = "json"
    sender.conf.broker_connection_retry_on_startup = True
    try:
        yield sender
    finally:
        sender.close()
