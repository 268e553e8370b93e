"""Notification rows and their e-mails: one row per (recipient, source), each e-mail at least once.

The row is written in the caller's transaction with get_or_create, so a
re-run of the same step finds it instead of making a second one. The e-mail
goes out only after that transaction commits (an e-mail cannot be recalled
when the transaction rolls back).

Sending is claim, send, then mark sent. The claim is a conditional update of
``email_claimed_until`` (only one sender wins a row, so two runs racing do not
both send); ``emailed_at`` is written only after the mail server accepted the
message. A send that fails gives the claim back at once; a sender killed
between sending and marking leaves a claim that expires after
``NOTIFICATION_EMAIL_CLAIM_SECONDS``, and ``notification_emails_send_pending``
(the periodic job) sends it again. That is at-least-once: a kill in exactly
that gap can send an e-mail twice, never lose it.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
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


def notifications_write(messages, *, source, item=None, url="", fresh=False, email=None):
    """Write each recipient's row once (inside the caller's transaction); e-mail new ones after commit.

    A recipient named by two messages gets the first one only: (recipient,
    source) is unique. Returns the rows, created or found.

    ``fresh``: the source was born in the caller's transaction (a notice filed
    in it), so no row can exist yet and nobody else can be writing one: the rows
    go in with one insert instead of a look-up and a savepoint each. ``email``
    sends the new rows' e-mails after commit (default: here, in this process;
    the filing page hands them to a worker, ``notification_emails_send_later``).
    """
    email = email or notification_emails_send
    rows = []
    new = []
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
            fields = {
                "organisation": recipient.organisation,
                "item": item,
                "subject": message.subject[:200],
                "body": body,
                "url": url,
            }
            if fresh:
                new.append(Notification(recipient=user, source=source, **fields))
                continue
            row, _ = Notification.objects.get_or_create(recipient=user, source=source, defaults=fields)
            rows.append(row)
    if new:
        rows = Notification.objects.bulk_create(new)
    # Each row's recipient is the user object in hand (created or found with it): no query per row.
    emails = {user.pk: user.email for message in messages for user in (r.user for r in message.recipients)}
    to_email = [row.pk for row in rows if row.emailed_at is None and emails[row.recipient_id]]
    if to_email:
        transaction.on_commit(lambda: email(to_email))
    return rows


def notification_emails_send_later(notification_ids):
    """Hand the e-mails of these rows to a worker (after commit), so a request never waits on the mail server.

    If the broker cannot take the message, the periodic job (``notification_emails_send_pending``)
    sends them a few minutes later: the rows are there, unsent.
    """
    from takedowns.tasks import send_notification_emails

    try:
        send_notification_emails.delay(list(notification_ids))
    except Exception:
        log.exception(
            "Could not hand %s notification e-mails to a worker; the periodic job will send them",
            len(notification_ids),
        )


def notification_emails_send(notification_ids, *, now=None):
    """Send the e-mails of these rows that no one has sent or is sending. Returns how many this call sent."""
    return sum(1 for pk in notification_ids if notification_email_send(pk, now=now))


def _unclaimed(now):
    return Q(emailed_at=None) & (Q(email_claimed_until=None) | Q(email_claimed_until__lte=now))


def notification_email_send(notification_id, *, now=None):
    now = now or timezone.now()
    claim = now + timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS)
    # The claim: one sender at a time. It expires, so a sender killed after sending still leaves the row retryable.
    if not Notification.objects.filter(_unclaimed(now), pk=notification_id).update(email_claimed_until=claim):
        return False
    row = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not row.recipient.email:
        _claim_give_back(notification_id, claim)
        return False
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
            body=f"{row.body}\n\n{footer}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.recipient.email],
        ).send()
    except Exception:
        # Give the claim back so the periodic retry sends it; the in-app row is there meanwhile.
        _claim_give_back(notification_id, claim)
        log.exception("Could not e-mail notification %s; it will be retried", notification_id)
        return False
    # Only now is it sent. Marked even if our claim ran out meanwhile: the mail server has it.
    Notification.objects.filter(pk=notification_id, emailed_at=None).update(
        emailed_at=timezone.now(), email_claimed_until=None
    )
    return True


def _claim_give_back(notification_id, claim):
    Notification.objects.filter(pk=notification_id, emailed_at=None, email_claimed_until=claim).update(
        email_claimed_until=None
    )


def notification_emails_send_pending(*, older_than_seconds=300, limit=1000, now=None):
    """Send e-mails still unsent a while after their row was written and not being sent now.

    That covers a crash after commit, a mail server outage, and a sender killed
    while it held the claim (once the claim has expired).
    """
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            _unclaimed(now), created_at__lt=now - timedelta(seconds=older_than_seconds), recipient__is_active=True
        )
        .exclude(recipient__email="")
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    return notification_emails_send(ids, now=now)
