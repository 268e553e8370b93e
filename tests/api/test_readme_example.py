"""README's notices example, run as written against a live server: a key from the command, two items, polling."""

import io
import re
import shlex
import threading
import time
from pathlib import Path

import pytest
import requests
import urllib3
from django.core.management import call_command

from takedowns import lifecycle
from takedowns.models import NoticeItem
from tests import factories

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example():
    section = README.read_text().split("## Partner API: notices, items, counter-notices and Good Faith", 1)[1]
    command = re.search(r"```\n(python manage.py api_key_create [^\n]+)\n```", section).group(1)
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return command, code


def _request_threads_end(timeout=20):
    """Wait for the live server's request threads to finish: a kept-alive connection holds one, and with it a
    database session that would outlive the test database."""
    deadline = time.monotonic() + timeout
    while any("process_request_thread" in thread.name for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the live server's request threads did not end"
        threading.Event().wait(0.05)


@pytest.mark.django_db(transaction=True)
def test_the_readme_example_files_two_items_and_polls_them_to_the_end(live_server, world, monkeypatch, capsys):
    command, code = readme_example()
    # The README's command, with this test's organisation.
    args = shlex.split(command)[2:]
    args[args.index("--organisation") + 1] = world.brand.organisation.slug
    out = io.StringIO()
    call_command(*args, stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]

    monkeypatch.setenv("PORTAL_API", f"{live_server.url}/api/v1")
    monkeypatch.setenv("PORTAL_KEY", secret)
    monkeypatch.setenv("LISTINGS", ",".join(listing.external_id for listing in world.listings[:2]))
    owner = factories.member_of(world.brand.organisation, role="owner")
    polls = []

    def next_poll(seconds):
        # Instead of waiting for reviewers: the brand withdraws the items, and the next poll ends the loop.
        polls.append(seconds)
        for item in NoticeItem.objects.exclude(status="withdrawn"):
            lifecycle.notice_item_withdraw(item_id=item.pk, actor=owner, reason="Settled.")

    monkeypatch.setattr(time, "sleep", next_poll)
    # The live server keeps a thread (and its database session) per kept-alive connection: none here.
    session_init = requests.Session.__init__

    def session_without_keep_alive(self):
        session_init(self)
        self.headers["Connection"] = "close"
        # A connection the server just closed may still be picked from the pool once: try again on a new one
        # (a POST too: it carries its Idempotency-Key).
        retry = urllib3.Retry(total=3, connect=3, read=3, allowed_methods=None, raise_on_status=False)
        self.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry))

    monkeypatch.setattr(requests.Session, "__init__", session_without_keep_alive)
    namespace = {"__name__": "readme_example"}
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    finally:
        if "api" in namespace:
            namespace["api"].close()
        _request_threads_end()

    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("ntc_") and printed[0].count("itm_") == 2
    assert sum("pending_review received" in line for line in printed) == 2
    assert sum("withdrawn withdrawn withdrawn" in line for line in printed) == 2
    assert polls == [300]
    assert NoticeItem.objects.filter(notice__channel="api").count() == 2
