"""Notification e-mails: claim, send, then mark sent; a killed sender's e-mail is sent again, never lost."""

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from takedowns.models import Notification
from takedowns.notifications import notification_email_send, notification_emails_send_pending
from tests import factories
from tests.workers import worker_database_url

SEND_IN_ANOTHER_PROCESS = (
    "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup(); "
    "from takedowns.notifications import notification_email_send; notification_email_send(int(sys.argv[1]))"
)


def _notification(user, **fields):
    return Notification.objects.create(
        recipient=user, source=f"test-{user.pk}", subject="Your notice", body="Item 1 was accepted.", **fields
    )


def _later(seconds):
    return timezone.now() + timedelta(seconds=seconds)


@pytest.fixture
def recipient(db):
    return factories.UserFactory()


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_between_sending_and_marking_sent_leaves_the_email_for_the_retry(recipient, tmp_path):
    row = _notification(recipient)
    spool = tmp_path / "spool.jsonl"
    env = {
        **os.environ,
        "DEBUG": "1",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": worker_database_url(),
        "EMAIL_BACKEND": "tests.mailbackends.SentThenKilledBackend",
        "TEST_MAIL_SPOOL": str(spool),
    }
    sender = subprocess.run(
        [sys.executable, "-c", SEND_IN_ANOTHER_PROCESS, str(row.pk)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sender.returncode == -signal.SIGKILL, sender.stderr
    assert [json.loads(line)["to"] for line in spool.read_text().splitlines()] == [[recipient.email]]

    row.refresh_from_db()
    assert row.emailed_at is None, "marked sent before it was known to be sent"
    assert row.email_claimed_until is not None

    claim_seconds = settings.NOTIFICATION_EMAIL_CLAIM_SECONDS
    # While the dead sender's claim lasts, no one sends (a live sender could still be mid-send).
    assert notification_emails_send_pending(now=_later(claim_seconds - 60)) == 0
    assert mail.outbox == []
    # Once it has expired, the periodic job sends it: at least once.
    assert notification_emails_send_pending(now=_later(claim_seconds + 60)) == 1
    assert [m.to for m in mail.outbox] == [[recipient.email]]
    row.refresh_from_db()
    assert row.emailed_at is not None and row.email_claimed_until is None
    assert notification_emails_send_pending(now=_later(claim_seconds * 3)) == 0
    assert len(mail.outbox) == 1


def test_a_row_is_marked_sent_only_after_the_mail_server_took_it(recipient):
    row = _notification(recipient)
    assert notification_email_send(row.pk) is True
    row.refresh_from_db()
    assert row.emailed_at is not None and row.email_claimed_until is None
    assert [m.to for m in mail.outbox] == [[recipient.email]]
    assert notification_email_send(row.pk) is False
    assert len(mail.outbox) == 1


def test_a_live_claim_keeps_a_second_sender_off_until_it_expires(recipient):
    row = _notification(recipient, email_claimed_until=_later(120))
    assert notification_email_send(row.pk) is False
    assert mail.outbox == []
    assert notification_email_send(row.pk, now=_later(121)) is True
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back_at_once(recipient, settings):
    row = _notification(recipient)
    settings.EMAIL_BACKEND = "tests.takedowns.test_notifications.BrokenBackend"
    assert notification_email_send(row.pk) is False
    row.refresh_from_db()
    assert row.emailed_at is None and row.email_claimed_until is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_email_send(row.pk) is True
    assert len(mail.outbox) == 1


def test_a_recipient_without_an_address_is_not_left_claimed(recipient):
    recipient.email = ""
    recipient.save(update_fields=["email"])
    row = _notification(recipient)
    assert notification_email_send(row.pk) is False
    row.refresh_from_db()
    assert row.emailed_at is None and row.email_claimed_until is None
