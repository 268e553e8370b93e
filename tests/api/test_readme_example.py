"""README's "Partner API in five minutes", run as written, so it cannot rot.

Every block marked ``<!-- example: partner-api -->`` in that section runs in order,
unchanged: the shell block in bash (``python manage.py api_key_create ...`` makes the
key), the Python blocks one after the other in one namespace, as a reader pastes them
into one session. Around them, what the reader has after ``make run``: the demo world
(``seed_demo``), gunicorn as production runs it (``DEBUG=0``) and a real Celery worker
that delivers the webhooks to the README's own receiver on 127.0.0.1. Only what the
README leaves to its environment differs: the server's address (``PORTAL_URL``), the
receiver's port (``RECEIVER_PORT=0``: any free one) and the polling interval.

The reviewer the README sends the reader to (``demo-reviewer``) is a thread here that
decides both items once they wait in the queue. The server allows one request a second
per key, and the README's handling of ``429`` is made to run whatever the machine's speed:
after the walkthrough, two calls through the README's own ``call()`` at the start of a
one-second window, so the second is refused and ``call()`` waits it out (``_refused_once``).
"""

import base64
import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from api.models import ApiKey
from api.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from portal.models import User
from portal.roles import ensure_platform_groups
from takedowns import lifecycle
from takedowns.models import ItemStatus, NoticeItem
from tests.services import needs_postgres
from tests.workers import celery_worker, wait_for, worker_database_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

README = Path(django_settings.BASE_DIR) / "README.md"
SECTION = "## Partner API in five minutes"
MARKED_BLOCK = re.compile(r"<!-- example: partner-api -->\n```(\w+)\n(.*?)```", re.S)
# Generous: a loaded machine is ten times slower than a quiet one.
WAIT = 300
WEBHOOK_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


def readme_example():
    """The marked blocks of the section, in order: [(language, code)]."""
    text = README.read_text()
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = MARKED_BLOCK.findall(section)
    assert [language for language, _ in blocks][:2] == ["sh", "python"], "the key first, then the client"
    assert section.count("<!-- example: partner-api -->") == len(blocks), "a marked block that is no code block"
    return blocks


def test_the_readme_example_is_whole():
    blocks = readme_example()
    code = "\n".join(code for _, code in blocks)
    for step in ("api_key_create", "/me/", "/webhooks/", "/listings/", "/notices/", "Idempotency-Key", "Retry-After"):
        assert step in code, f"the example lost its {step} step"
    assert "Webhook(webhook_secret).verify" in code and "def webhook_verify" in code


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(broker, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "CELERY_BROKER_KEY_PREFIX"}}
    env.update(
        DATABASE_URL=worker_database_url(),
        CELERY_BROKER_URL=broker.url,
        CELERY_BROKER_KEY_PREFIX=broker.key_prefix,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        # The README's receiver listens on 127.0.0.1, as `make run` allows.
        WEBHOOK_ALLOW_HTTP="1",
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",
        # One key for gunicorn (DEBUG=0 wants one), which stores the README's subscription, and the worker.
        WEBHOOK_SECRET_KEY=WEBHOOK_KEY,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    )
    return env


@contextlib.contextmanager
def gunicorn(env, tmp_path):
    """gunicorn as production runs it (DEBUG=0), one worker, its access log kept; yields (url, access log path)."""
    port = _free_port()
    access_log = tmp_path / "access.log"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "portal.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--access-logfile",
                str(access_log),
            ],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:

            def answers():
                assert process.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
                with contextlib.suppress(requests.RequestException):
                    return requests.get(f"{url}/api/v1/schema/", timeout=30).status_code == 200
                return False

            wait_for(answers, timeout=WAIT, interval=0.5, message="gunicorn to answer", seen=log_path.read_text)
            yield url, access_log
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _refused_once(namespace):
    """The README's call() meets a 429 and waits it out: two calls at the start of one of the server's one-second
    windows (API_BURST_LIMIT 1/s), the second inside the window the first used. GET /me/ takes milliseconds, a
    hundred on a machine ten times slower than a quiet one; should a whole second pass between the two checks,
    the pair is sent again, up to WAIT seconds. Returns the statuses the README's session received."""
    received = []
    namespace["api"].hooks["response"].append(lambda response, *args, **kwargs: received.append(response.status_code))
    deadline = time.monotonic() + WAIT
    while 429 not in received:
        assert time.monotonic() < deadline, f"no 429 in {WAIT} s of pairs of calls one window apart: {received}"
        time.sleep(1.01 - time.time() % 1)  # the server's windows are whole seconds of the same clock
        for _ in range(2):
            assert namespace["call"]("GET", "/me/").json()["key_prefix"], "call() gave up on its 429"
    return received


def _reviewer_decides_both_items(errors, stop):
    """The demo reviewer, in the queue: accepts the first item and rejects the second once both wait there."""
    try:
        reviewer = User.objects.get(username="demo-reviewer")

        def waiting():
            if stop.is_set():
                raise RuntimeError("the README example ended before its items reached the queue")
            items = list(
                NoticeItem.objects.filter(notice__channel="api", status=ItemStatus.PENDING_REVIEW).order_by("pk")
            )
            return items if len(items) == 2 else None

        first, second = wait_for(waiting, timeout=WAIT, interval=0.2, message="the README's two items in the queue")
        lifecycle.notice_item_accept(item_id=first.pk, actor=reviewer, reason="Counterfeit by its title and price.")
        lifecycle.notice_item_reject(item_id=second.pk, actor=reviewer, reason="The title alone does not show it.")
    except BaseException as exc:  # the test's thread reports back; the README's loop times out meanwhile
        errors.append(exc)
    finally:
        connection.close()


def test_the_readme_example_runs_as_written_against_the_demo_world(redis_broker, tmp_path, monkeypatch, capsys):
    needs_postgres()
    blocks = readme_example()
    ensure_platform_groups()  # a transactional test starts without the data migrations' rows
    call_command("seed_demo", stdout=io.StringIO())

    env = _environment(redis_broker, tmp_path)
    # 1. The key, from the README's shell block.
    (language, command), python_blocks = blocks[0], blocks[1:]
    assert language == "sh"
    made = subprocess.run(
        ["bash", "-c", f'set -euo pipefail\n{command}\nprintf "%s" "$PORTAL_KEY"'],
        cwd=django_settings.BASE_DIR,
        env={**env, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout
    assert secret.startswith("tdp_") and ApiKey.objects.get(name="five minutes").organisation.slug == (
        "northwind-athletics"
    )

    server_env = {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": "readme-example-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "API_BURST_LIMIT": "1/s",
    }
    worker_env = {
        "WEBHOOK_ALLOW_HTTP": "1",
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        "WEBHOOK_SECRET_KEY": WEBHOOK_KEY,
    }
    errors, stop = [], threading.Event()
    reviewer = threading.Thread(target=_reviewer_decides_both_items, args=(errors, stop), daemon=True)
    namespace = {"__name__": "readme_example"}
    with (
        celery_worker(redis_broker, var_dir=tmp_path / "worker", env_extra=worker_env) as worker,
        gunicorn(server_env, tmp_path) as (url, access_log),
    ):
        monkeypatch.setenv("PORTAL_URL", url)
        monkeypatch.setenv("PORTAL_KEY", secret)
        monkeypatch.setenv("RECEIVER_PORT", "0")
        monkeypatch.setenv("POLL_SECONDS", "1")
        reviewer.start()
        try:
            for number, (language, code) in enumerate(python_blocks, start=2):
                assert language == "python", f"block {number} is {language}"
                try:
                    exec(compile(code, f"README.md (example block {number})", "exec"), namespace)  # noqa: S102
                except Exception as exc:
                    raise AssertionError(f"README example block {number} failed; worker:\n{worker.log_tail()}") from exc
            received = _refused_once(namespace)
            reviewer.join(timeout=WAIT)
            assert not errors, errors
            # Whatever else the brand's subscription got, while the receiver still listens.
            deliveries = WebhookDelivery.objects.filter(subscription__organisation__slug="northwind-athletics")
            wait_for(
                lambda: deliveries.exists() and not deliveries.exclude(status=DeliveryStatus.DELIVERED).exists(),
                timeout=WAIT,
                message="every delivery delivered",
                seen=lambda: list(deliveries.values_list("status", "attempts")),
                worker=worker,
            )
        finally:
            stop.set()
            if "receiver" in namespace:
                namespace["receiver"].shutdown()
                namespace["receiver"].server_close()
            reviewer.join(timeout=WAIT)
        refused_429 = [line for line in access_log.read_text().splitlines() if '" 429 ' in line]

    printed = capsys.readouterr().out.splitlines()
    said = {line.split()[0]: line for line in printed}
    assert said["key"].startswith("key tdp_") and said["key"].endswith(
        "of Northwind Athletics may assets:read listings:read notices:read notices:write webhooks:manage"
    )
    assert re.fullmatch(r"subscribed whk_\w+ -> http://127\.0\.0\.1:\d+/webhooks", said["subscribed"])
    suspects = [line for line in printed if line.startswith("suspect ")]
    assert len(suspects) == 2 and all(
        re.match(r"suspect lst_\w+ DEMO-\d{6} (AAA Grade|Best Replica)", s) for s in suspects
    )
    assert re.fullmatch(
        r"filed ntc_\w+ \[\('/items/0', 'itm_\w+', 'standard'\), \('/items/1', 'itm_\w+', 'standard'\)\]", said["filed"]
    )
    assert said["retried"] == "retried true True"
    assert said["refused"] == "refused 400 [('/items/0/listing', 'invalid_id')]"
    items = [line for line in printed if line.startswith("item ")]
    assert [line.split()[2:] for line in items] == [["awaiting_counter_notice", "submitted"], ["rejected", "declined"]]

    # The webhooks: every move of both items, verified by both checks, each taken once.
    item_ids = [line.split()[1] for line in items]
    pushed = [line.split() for line in printed if line.startswith("webhook ")]
    moves = {(words[1], words[2]) for words in pushed}
    for item_id, decision in zip(item_ids, ("notice_item.accepted", "notice_item.rejected"), strict=True):
        assert {("notice_item.submitted", item_id), ("notice_item.queued", item_id), (decision, item_id)} <= moves
    assert len(pushed) == len(moves), "an event was taken twice"
    attempts = WebhookAttempt.objects.filter(delivery__in=deliveries)
    assert set(attempts.values_list("status_code", flat=True)) == {204}, "the receiver refused a delivery"
    assert attempts.count() == deliveries.count() == len(namespace["seen"]), "each delivery verified once"

    # call() took the 429 and sent the request again, which the next window let through.
    assert received[received.index(429) + 1] == 200, received
    assert refused_429, "gunicorn logged no 429"
    assert NoticeItem.objects.filter(notice__channel="api").count() == 2
