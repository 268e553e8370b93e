"""Notification rows and their e-mails: one row per (recipient, source), each e-mail at least once.

The rows are written in the caller's transaction by an insert that leaves an
existing (recipient, source) row alone, so a re-run of the same step finds it
instead of making a second one; a batch of events writes all its rows with one
insert. The e-mail goes out only after that transaction commits (an e-mail
cannot be recalled when the transaction rolls back).

Sending is claim, send, then mark sent. The claim sets ``email_claimed_until``
on unsent, unclaimed rows it has locked (only one sender wins a row, so two runs
racing do not both send); ``emailed_at`` is written only after the mail server
accepted the message. A send that fails gives the claim back at once; a sender
killed between sending and marking leaves claims that expire after
``NOTIFICATION_EMAIL_CLAIM_SECONDS``, and ``notification_emails_send_pending``
(the periodic job) sends them again. That is at-least-once: a kill in that gap
can send the e-mails of its batch already sent twice, never lose one.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from portal.bulk_insert import bulk_insert
from portal.i18n import user_language, user_zone
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


def notification_rows(messages, *, source, item=None, url="", notifications_url=None):
    """The unsaved rows of ``messages``: one per recipient, its text rendered for that person.

    A recipient named by two messages gets the first one only: (recipient, source) is unique.
    ``notifications_url``: the notifications page's address, when the caller has it already.
    """
    rows = []
    seen = set()
    page_url = absolute_url(url)
    if notifications_url is None:
        notifications_url = absolute_url(path_or_blank("takedowns:notifications"))
    for message in messages:
        for recipient in message.recipients:
            user = recipient.user
            if user.pk in seen:
                continue
            seen.add(user.pk)
            # Each person reads it in their own language and time zone, whoever caused it.
            with translation.override(user_language(user)), timezone.override(user_zone(user)):
                context = {
                    "recipient": user,
                    "site_name": settings.PORTAL_SITE_NAME,
                    "page_url": page_url,
                    "notifications_url": notifications_url,
                    **message.extra,
                    **(message.context(user) if message.context else {}),
                }
                body = _tidy(render_to_string(f"takedowns/email/{message.template}.txt", context))
                subject = str(message.subject)[:200]
            rows.append(
                Notification(
                    recipient=user,
                    source=source,
                    organisation=recipient.organisation,
                    item=item,
                    subject=subject,
                    body=body,
                    url=url,
                )
            )
    return rows


def notifications_write(messages, *, source, item=None, url="", fresh=False, email=None):
    """Write each recipient's row once (inside the caller's transaction); e-mail new ones after commit.

    A recipient named by two messages gets the first one only: (recipient,
    source) is unique. Returns the rows, created or found.

    ``fresh``: the source was born in the caller's transaction (a notice filed
    in it), so no row can exist yet and nobody else can be writing one: the rows
    go in with a plain insert. ``email`` sends the new rows' e-mails after commit
    (default: here, in this process; the filing page hands them to a worker,
    ``notification_emails_send_later``).
    """
    return notifications_write_many([(messages, source, item, url)], fresh=fresh, email=email)


def notifications_write_many(batches, *, fresh=False, email=None):
    """``notifications_write`` for many sources at once: ``batches`` of (messages, source, item, url).

    Two statements for any number of rows: one insert that leaves alone a (recipient,
    source) row already written (by an earlier run of the same step, or a concurrent
    one), and one read of the rows as they now stand, so a row written before keeps its
    text and its e-mail state. Unsent ones are e-mailed after commit, in one call.
    """
    email = email or notification_emails_send
    notifications_url = absolute_url(path_or_blank("takedowns:notifications"))
    rows = [
        row
        for messages, source, item, url in batches
        for row in notification_rows(messages, source=source, item=item, url=url, notifications_url=notifications_url)
    ]
    if not rows:
        return []
    # Each row's recipient is the user object in hand: no query per row for the address.
    emails = {row.recipient_id: row.recipient.email for row in rows}
    if fresh:
        rows = bulk_insert(rows)
    else:
        bulk_insert(rows, ignore_conflicts=True)
        wanted = {(row.recipient_id, row.source): n for n, row in enumerate(rows)}
        # What deciding and e-mailing needs; the rest of a row (its text) is read when asked for.
        found = (
            Notification.objects.filter(
                recipient_id__in={row.recipient_id for row in rows}, source__in={row.source for row in rows}
            )
            .only("pk", "recipient_id", "source", "emailed_at")
            .order_by()
        )
        rows = sorted(
            (row for row in found if (row.recipient_id, row.source) in wanted),
            key=lambda row: wanted[row.recipient_id, row.source],
        )
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


def _unclaimed(now):
    return Q(emailed_at=None) & (Q(email_claimed_until=None) | Q(email_claimed_until__lte=now))


def notification_emails_send(notification_ids, *, now=None):
    """Send the e-mails of these rows that no one has sent or is sending. Returns how many this call sent.

    The rows are claimed together (one transaction; rows another sender holds are
    skipped), sent one by one over one connection to the mail server, and marked
    sent together once the server took them; those it did not take are given back
    at once. A sender killed before marking leaves its claims, which expire: at
    least once, never lost.
    """
    now = now or timezone.now()
    claim = now + timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_SECONDS)
    # The claim: one sender at a time. It expires, so a sender killed after sending still leaves the rows retryable.
    with transaction.atomic():
        claimed = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(_unclaimed(now), pk__in=list(notification_ids))
            .values_list("pk", flat=True)
        )
        if not claimed:
            return 0
        Notification.objects.filter(pk__in=claimed).update(email_claimed_until=claim)
    rows = list(Notification.objects.select_related("recipient").filter(pk__in=claimed).order_by("pk"))
    footer_context = {
        "site_name": settings.PORTAL_SITE_NAME,
        "notifications_url": absolute_url(path_or_blank("takedowns:notifications")),
    }
    footers = {}  # by language: each recipient's footer is in the language of their message

    def footer_for(user):
        language = user_language(user)
        if language not in footers:
            with translation.override(language):
                footers[language] = render_to_string("takedowns/email/footer.txt", footer_context).strip()
        return footers[language]

    sent, unsent = [], [row.pk for row in rows if not row.recipient.email]
    to_send = [row for row in rows if row.recipient.email]
    if to_send:
        connection = get_connection()
        try:
            connection.open()
        except Exception:
            # Give the claims back so the periodic retry sends them; the in-app rows are there meanwhile.
            log.exception(
                "Could not reach the mail server for %s notification e-mails; they will be retried", len(to_send)
            )
            unsent += [row.pk for row in to_send]
            to_send = []
        try:
            for row in to_send:
                try:
                    connection.send_messages(
                        [
                            EmailMessage(
                                subject=row.subject,
                                body=f"{row.body}\n\n{footer_for(row.recipient)}",
                                from_email=settings.DEFAULT_FROM_EMAIL,
                                to=[row.recipient.email],
                                connection=connection,
                            )
                        ]
                    )
                except Exception:
                    unsent.append(row.pk)
                    log.exception("Could not e-mail notification %s; it will be retried", row.pk)
                else:
                    sent.append(row.pk)
        finally:
            if to_send:
                connection.close()
    # Only now are they sent. Marked even if our claim ran out meanwhile: the mail server has them.
    if sent:
        Notification.objects.filter(pk__in=sent, emailed_at=None).update(
            emailed_at=timezone.now(), email_claimed_until=None
        )
    if unsent:
        _claims_give_back(unsent, claim)
    return len(sent)


def notification_email_send(notification_id, *, now=None):
    """Send one row's e-mail (``notification_emails_send`` of one). Returns True if this call sent it."""
    return notification_emails_send([notification_id], now=now) == 1


def _claims_give_back(notification_ids, claim):
    Notification.objects.filter(pk__in=notification_ids, emailed_at=None, email_claimed_until=claim).update(
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
