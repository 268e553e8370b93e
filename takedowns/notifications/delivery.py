"""Notification rows and their e-mails, each exactly once per (recipient, source).

The row is written in the caller's transaction with get_or_create, so a
re-run of the same step finds it instead of making a second one. The e-mail
goes out only after that transaction commits (an e-mail cannot be recalled
when the transaction rolls back), and each send first claims the row with a
conditional update of ``emailed_at``: two runs racing on one row cannot both
send. A send that fails gives the claim back, and
``notification_emails_send_pending`` (for a periodic job) retries it.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from takedowns.models import Notification

log = logging.getLogger(__name__)


@dataclass
class Message:
    """One kind of notification to a group of recipients.

    ``context`` is called once per recipient (deadlines are shown in each
    person's own time zone) and returns the template context.
    """

    template: str  # under templates/takedowns/email/, without ".txt"
    subject: str
    recipients: list
    context: object = None  # callable(user) -> dict
    extra: dict = field(default_factory=dict)


def path_or_blank(name, *args):
    """The path of a portal page, or '' while that page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def absolute_url(path):
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    return f"{base}{path}" if base and path else ""


def _tidy(text):
    # Template tags on their own lines leave runs of blank lines; plain text reads better without them.
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def notifications_write(messages, *, source, item=None, url=""):
    """Write each recipient's row once (inside the caller's transaction); e-mail new ones after commit.

    A recipient named by two messages gets the first one only: (recipient,
    source) is unique. Returns the rows, created or found.
    """
    rows = []
    to_email = []
    seen = set()
    for message in messages:
        for recipient in message.recipients:
            user = recipient.user
            if user.pk in seen:
                continue
            seen.add(user.pk)
            context = {
                "recipient": user,
                "site_name": settings.PORTAL_SITE_NAME,
                "page_url": absolute_url(url),
                "notifications_url": absolute_url(path_or_blank("takedowns:notifications")),
                **message.extra,
                **(message.context(user) if message.context else {}),
            }
            body = _tidy(render_to_string(f"takedowns/email/{message.template}.txt", context))
            row, _ = Notification.objects.get_or_create(
                recipient=user,
                source=source,
                defaults={
                    "organisation": recipient.organisation,
                    "item": item,
                    "subject": message.subject[:200],
                    "body": body,
                    "url": url,
                },
            )
            rows.append(row)
            if row.emailed_at is None and user.email:
                to_email.append(row.pk)
    if to_email:
        transaction.on_commit(lambda: notification_emails_send(to_email))
    return rows


def notification_emails_send(notification_ids):
    """Send the e-mails of these rows; each at most once. Returns how many this call sent."""
    return sum(1 for pk in notification_ids if notification_email_send(pk))


def notification_email_send(notification_id):
    now = timezone.now()
    # The claim: only one caller turns emailed_at from empty to set, and only that caller sends.
    if not Notification.objects.filter(pk=notification_id, emailed_at=None).update(emailed_at=now):
        return False
    row = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not row.recipient.email:
        return False
    body = row.body
    footer = render_to_string(
        "takedowns/email/footer.txt",
        {
            "site_name": settings.PORTAL_SITE_NAME,
            "notifications_url": absolute_url(path_or_blank("takedowns:notifications")),
        },
    ).strip()
    try:
        EmailMessage(
            subject=row.subject,
            body=f"{body}\n\n{footer}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.recipient.email],
        ).send()
    except Exception:
        # Give the claim back so the periodic retry sends it; the in-app row is there meanwhile.
        Notification.objects.filter(pk=notification_id, emailed_at=now).update(emailed_at=None)
        log.exception("Could not e-mail notification %s; it will be retried", notification_id)
        return False
    return True


def notification_emails_send_pending(*, older_than_seconds=300, limit=1000, now=None):
    """Send e-mails still unsent a while after their row was written (crash after commit, mail server down)."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            emailed_at=None, created_at__lt=now - timedelta(seconds=older_than_seconds), recipient__is_active=True
        )
        .exclude(recipient__email="")
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    return notification_emails_send(ids)
