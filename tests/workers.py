"""Real Celery worker processes for tests (no mocks).

    with celery_worker(redis_broker, var_dir=tmp_path) as worker:
        with broker_sender(redis_broker) as sender:
            sender.send_task("portal.tasks.ping", args=["token"])
        wait_for(lambda: ..., timeout=120, message="...", seen=lambda: ...)

The worker shares the test database (use
``@pytest.mark.django_db(transaction=True)`` so its rows and yours are
committed). ``broker=None`` means the embedded broker: kombu's SQLAlchemy
transport on ``<var_dir>/broker.sqlite3``, exactly as portal/settings.py
builds it when CELERY_BROKER_URL is unset.

A Redis broker is always a ``RedisBroker``: a key prefix of its own inside a
Redis database that other test runs may use at the same time (CI beside
``make test``, two developers, two helpers). Nothing here runs FLUSHDB; each
test deletes only the keys under its own prefix.

Waits poll for a condition with a generous bound (a loaded machine can be ten
times slower than a quiet one) and, when they give up, say what they waited
for, what they last saw and what the worker logged.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from celery import Celery
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY_BIN = str(Path(sys.executable).with_name("celery"))
# Seconds a worker may take to start on a loaded machine (about 3 s on a quiet one).
WORKER_READY_TIMEOUT = 180
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


def wait_for(predicate, *, timeout, interval=0.1, message, seen=None, worker=None):
    """Poll `predicate` until it returns a truthy value (returned); fail after `timeout` s.

    message: what was expected. seen: a callable describing the current state,
    shown when the wait fails, as is the end of `worker`'s log.
    """
    started = time.monotonic()
    deadline = started + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            lines = [f"timed out after {time.monotonic() - started:.0f}s waiting for {message}"]
            if seen is not None:
                lines.append(f"last seen: {seen()}")
            if worker is not None:
                lines.append(f"end of the worker log:\n{worker.log_tail()}")
            raise AssertionError("\n".join(lines))
        time.sleep(interval)


@dataclass(frozen=True)
class RedisBroker:
    """A Redis broker private to one test: its own key prefix in a database others may share.

    The worker gets the prefix as CELERY_BROKER_KEY_PREFIX (kombu's
    ``global_keyprefix``), so queues, unacked messages, bindings and pidbox
    channels all live under it; another run's worker never takes this test's
    messages, nor restores its unacked ones, and this test's clean-up deletes
    only these keys.
    """

    url: str
    key_prefix: str

    @classmethod
    def private(cls, url):
        return cls(url, f"test-{uuid.uuid4().hex}:")

    @property
    def transport_options(self):
        return {"global_keyprefix": self.key_prefix}

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def own_keys(self):
        with self.client() as client:
            return sorted(k.decode() for k in client.scan_iter(match=f"{self.key_prefix}*", count=1000))

    def delete_keys(self):
        """Delete this broker's keys (and nobody else's)."""
        with self.client() as client:
            keys = list(client.scan_iter(match=f"{self.key_prefix}*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        return len(keys)


class WorkerProcess:
    def __init__(self, process, log_path, broker_url):
        self.process = process
        self.log_path = log_path
        self.broker_url = broker_url
        self.ready_at = None  # time.monotonic() when the worker said it was ready

    @property
    def pid(self):
        return self.process.pid

    def log(self):
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines=40):
        return "\n".join(self.log().splitlines()[-lines:])

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
def celery_worker(broker=None, *, var_dir, env_extra=None, ready_timeout=WORKER_READY_TIMEOUT, name="worker"):
    """Start `celery -A portal worker` (prefork, concurrency 2) and yield a WorkerProcess once ready.

    broker: a RedisBroker, or None for the embedded broker in var_dir.
    var_dir: PORTAL_VAR_DIR of the worker (its embedded broker file lives there).
    env_extra: more environment variables for the worker (override the defaults).
    The worker runs in its own session so it and its pool children are
    signalled as one group; on exit it is stopped (SIGTERM, then SIGKILL).
    """
    if broker is not None and not isinstance(broker, RedisBroker):
        raise TypeError(f"celery_worker() takes a RedisBroker (a key prefix of its own) or None, not {broker!r}")
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy()
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_BROKER_KEY_PREFIX", None)
    env.update(
        DEBUG="1",
        PORTAL_VAR_DIR=str(var_dir),
        DATABASE_URL=worker_database_url(),
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONUNBUFFERED="1",
    )
    if broker is not None:
        env.update(CELERY_BROKER_URL=broker.url, CELERY_BROKER_KEY_PREFIX=broker.key_prefix)
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
    worker = WorkerProcess(process, log_path, broker.url if broker else embedded_broker_url(var_dir))
    try:
        started = time.monotonic()
        while " ready." not in worker.log():
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode} before ready:\n{worker.log()}")
            if time.monotonic() - started > ready_timeout:
                raise RuntimeError(f"celery worker not ready after {ready_timeout}s:\n{worker.log()}")
            time.sleep(0.1)
        worker.ready_at = time.monotonic()
        yield worker
    finally:
        try:
            worker.stop()
        finally:
            log_file.close()


@contextmanager
def broker_sender(broker):
    """A bare Celery app that publishes to `broker` (the test process's own settings are not used).

    broker: a RedisBroker, or the URL of an embedded broker (``worker.broker_url``).
    """
    if isinstance(broker, RedisBroker):
        url, transport_options = broker.url, broker.transport_options
    elif broker.startswith("sqla+"):
        from kombu.transport import sqlalchemy as sqla_transport

        sqla_transport.Transport.polling_interval = settings.CELERY_BROKER_POLLING_INTERVAL
        url, transport_options = broker, settings.EMBEDDED_BROKER_TRANSPORT_OPTIONS
    else:
        raise TypeError(f"broker_sender() takes a RedisBroker (a key prefix of its own) or an embedded URL: {broker!r}")
    sender = Celery("test-sender", broker=url, set_as_current=False)
    # Celery lets the environment variable CELERY_BROKER_URL override any
    # configured broker_url (celery.app.utils.Settings.broker_url), so a test
    # run with CELERY_BROKER_URL=redis://... would publish there. The explicit
    # read/write URLs win over it (unless CELERY_BROKER_{READ,WRITE}_URL are set).
    for name in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        if os.environ.get(name):
            raise RuntimeError(f"unset {name}: it would override the broker of broker_sender()")
    sender.conf.broker_read_url = sender.conf.broker_write_url = url
    sender.conf.broker_transport_options = transport_options
    sender.conf.task_serializer = "json"
    sender.conf.broker_connection_retry_on_startup = True
    try:
        yield sender
    finally:
        sender.close()


def _pools_detach(app):
    """The app forgets its broker pools (made again from its configuration on the next publish)."""
    pools = app._pool, app.amqp._producer_pool
    app._pool = None
    app.amqp._producer_pool = None
    return pools


def _pools_discard(pools):
    """Close these pools after taking them out of kombu's global registry (``kombu.pools``).

    The registry hands a pool to whoever asks for the same connection (URL and transport options); a
    pool closed but left in it is handed out again, and every publish through it fails with
    "Acquire on closed pool". So a pool is closed only once nobody can get it from there.
    """
    from kombu import pools as registry

    pools = [pool for pool in pools if pool is not None]
    for group in (registry.producers, registry.connections):
        for key, pool in list(group.items()):
            if any(pool is ours for ours in pools):
                dict.__delitem__(group, key)  # the stored key is already the connection's hash
    for pool in pools:
        pool.force_close_all()


@contextmanager
def project_app_publishing_to(broker):
    """Make the project's Celery app (used by effects_dispatch after commit) publish to `broker`.

    The app is configured from Django settings under the CELERY namespace, so
    the namespaced keys are the ones it reads. The pools it used before stay
    open (in kombu's registry, which gives them back once the configuration is
    restored); the pools made for `broker` are closed and forgotten on the way out.
    """
    from portal.celery import app

    keys = ("CELERY_BROKER_WRITE_URL", "CELERY_BROKER_TRANSPORT_OPTIONS")
    previous = {key: app.conf.get(key) for key in keys}

    app.conf.CELERY_BROKER_WRITE_URL = broker.url
    app.conf.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **broker.transport_options}
    _pools_detach(app)
    try:
        yield
    finally:
        for key, value in previous.items():
            app.conf[key] = value
        _pools_discard(_pools_detach(app))


@contextmanager
def private_redis_broker():
    """A RedisBroker of this test's own; the project's app publishes to it; its keys deleted afterwards."""
    from tests.services import redis_url

    broker = RedisBroker.private(redis_url())
    try:
        with project_app_publishing_to(broker):
            yield broker
    finally:
        broker.delete_keys()
