"""Delivering webhooks: claim a due delivery exactly once, sign, send, record, retry or give up.

A delivery is due when it is pending, its ``next_attempt_at`` has come and its
subscription is active. ``delivery_claim`` takes one due delivery with ``FOR
UPDATE SKIP LOCKED`` and, in the same transaction, gives it the next attempt
number and pushes ``next_attempt_at`` past the longest the request can take: no
other worker can take it meanwhile, so two workers never send one delivery at
once (STYLE.md habit 3). The request is made outside any transaction; its
outcome is recorded only by the holder of that attempt number, so a worker that
outlived its claim (killed, or slower than the claim) changes nothing but the
log. A worker killed mid-request leaves a claim that runs out and the delivery
is tried again: at least once, with the same ``webhook-id``, which receivers
use to drop a repeat (the specification's idempotency key).

At most ``WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT`` attempts to one subscription are
under way at once, however many workers run: a slow receiver cannot hold them
all. Each claim leases its delivery (``claimed_until``, the claim's own end, so
a killed worker's lease runs out when its delivery is due again) and the holder's
record ends the lease. Claims for one subscription take turns (an advisory lock
of the claim's transaction, keyed by the subscription) and count its live leases
after taking it, so two workers cannot both take its last free place; a
subscription at its limit is passed over and its due deliveries wait, still
due, for a place: no attempt is counted, nothing fails.

After a failed attempt the next one waits ``WEBHOOK_RETRY_SCHEDULE[n - 1]`` (5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), or longer when the endpoint's
``Retry-After`` asks for it (429, 503); after the last wait it is given up.
A ``410 Gone`` disables the subscription at once. A subscription whose attempts
have all failed for ``WEBHOOK_DISABLE_AFTER_HOURS`` is disabled and its owners are
notified (in-app and e-mail). Attempts are dated when they started.
"""

import http.client
import json
import logging
import time
from datetime import UTC, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Q
from django.utils import timezone

from api.webhooks import outbound, payloads
from api.webhooks.models import (
    AttemptOutcome,
    DeliveryStatus,
    DisabledBy,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from api.webhooks.secret_storage import SecretUnreadable, secret_decrypt
from api.webhooks.signing import signature_header
from portal import public_ids
from portal.audit import audit_log_record
from portal.i18n import in_records_language
from portal.transactions import durable_atomic

log = logging.getLogger(__name__)

# The first key of the claims' advisory locks (the second is the subscription's id): arbitrary, fixed.
CLAIM_LOCK_CLASS = 71_061_771
# Beyond the request's own bound (connect, send, each read), what a claim allows for the rest.
CLAIM_MARGIN_SECONDS = 30
ERROR_CHARS = 300


def _claim_seconds():
    return 3 * settings.WEBHOOK_TIMEOUT_SECONDS + CLAIM_MARGIN_SECONDS


def due_q(now):
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True)


def deliveries_dispatch():
    """After commit, start sending what is due. A broker failure is logged: the beat job sends it anyway."""

    def send():
        from api.tasks import webhooks_deliver_due

        try:
            webhooks_deliver_due.delay()
        except Exception:
            log.exception("Could not start webhook deliveries; the next beat run sends them")

    transaction.on_commit(send)


def _in_flight(now):
    """Deliveries with an attempt under way (a lease not yet run out)."""
    return WebhookDelivery.objects.filter(claimed_until__gt=now)


def _subscriptions_full(now, limit):
    """The subscriptions with ``limit`` attempts or more under way, as a subquery (few rows: leases only)."""
    return (
        _in_flight(now)
        .values("subscription_id")
        .annotate(under_way=Count("pk"))
        .filter(under_way__gte=limit)
        .values("subscription_id")
    )


def _claims_serialise(subscription_id):
    """Claims for one subscription take turns until their transaction ends; other subscriptions' go on.

    A PostgreSQL advisory lock (a transaction's, keyed by the subscription) rather than the
    subscription's row: recording an attempt locks that row, and claims must not wait for
    records (nor for a change's transaction writing new deliveries). SQLite runs one writing
    transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CLAIM_LOCK_CLASS, subscription_id & 0x7FFFFFFF])


def delivery_claim(*, now=None):
    """Claim the most overdue due delivery of a subscription below its limit of attempts under way.

    Returns (delivery, attempt number), or None when nothing is due or every subscription
    with due deliveries is at its limit (those wait for a place: deferred, not attempted).
    """
    now = now or timezone.now()
    limit = settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT
    passed_over = set()
    with durable_atomic():
        while True:
            subscription_id = (
                WebhookDelivery.objects.filter(due_q(now))
                .exclude(subscription_id__in=_subscriptions_full(now, limit))
                .exclude(subscription_id__in=passed_over)
                .order_by("next_attempt_at", "id")
                .values_list("subscription_id", flat=True)
                .first()
            )
            if subscription_id is None:
                return None
            _claims_serialise(subscription_id)
            # Counted in this statement, after the lock: a place taken since the first read is seen.
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due_q(now), subscription_id=subscription_id)
                .exclude(Exists(_subscriptions_full(now, limit).filter(subscription_id=subscription_id)))
                .order_by("next_attempt_at", "id")
                .first()
            )
            if delivery is None:
                passed_over.add(subscription_id)  # its last place, or its due deliveries, taken meanwhile
                continue
            delivery.attempts += 1
            delivery.next_attempt_at = delivery.claimed_until = now + timedelta(seconds=_claim_seconds())
            delivery.save(update_fields=["attempts", "next_attempt_at", "claimed_until"])
            return delivery, delivery.attempts


def message_id(event):
    """The ``webhook-id``: the event's public id, the same on every attempt and every endpoint of its organisation."""
    return public_ids.encode("evt", event.public_id)


def event_body(event):
    """The exact JSON sent for ``event``: rendered from its source once, then read back unchanged."""
    if event.body:
        return event.body
    body = json.dumps(
        {
            "type": event.type,
            "timestamp": payloads.instant(event.occurred_at),
            "data": payloads.event_data(event),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    if not WebhookEvent.objects.filter(pk=event.pk, body="").update(body=body):
        # Another worker rendered it first (the same bytes, from the same rows): send what it stored.
        body = WebhookEvent.objects.values_list("body", flat=True).get(pk=event.pk)
    event.body = body
    return body


def secrets_in_use(subscription, now):
    """The subscription's ``whsec_`` secrets that sign now (decrypted): its own, and the old one while it overlaps."""
    stored = [subscription.secret_encrypted]
    previous, until = subscription.previous_secret_encrypted, subscription.previous_secret_until
    if previous and until and now < until:
        stored.append(previous)
    return [secret_decrypt(value) for value in stored]


def delivery_attempt(delivery_id, number):
    """Make attempt ``number`` of a claimed delivery and record it. Returns the outcome."""
    delivery = WebhookDelivery.objects.select_related("event", "subscription").filter(pk=delivery_id).first()
    if delivery is None:
        return None  # its subscription was deleted since the claim
    subscription, event = delivery.subscription, delivery.event
    body = event_body(event)
    started = timezone.now()
    try:
        signing = secrets_in_use(subscription, started)
    except SecretUnreadable:
        # Our keys are wrong, not the endpoint: nothing is sent or recorded against it. The claim runs
        # out and the delivery is tried again once the keys are right; /health/ shows it overdue.
        log.exception("Webhook delivery %s not sent: its subscription's secret cannot be decrypted", delivery_id)
        return None
    msg_id = message_id(event)
    timestamp = int(started.timestamp())
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(signing, msg_id=msg_id, timestamp=timestamp, body=body),
    }
    answer, error, refused = None, "", False
    try:
        target = outbound.target_resolve(subscription.url)
        answer = outbound.post(target, body=body.encode(), headers=headers)
    except outbound.UrlRefused as exc:
        error, refused = in_records_language(exc.message), True  # a record: English, as the API shows it
    except (OSError, http.client.HTTPException) as exc:
        error = _error_text(exc)
    return _attempt_record(
        delivery_id, subscription.pk, number, started=started, answer=answer, error=error, refused=refused
    )


def _error_text(exc):
    if isinstance(exc, TimeoutError):
        return f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS} s."
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:ERROR_CHARS]


def retry_delay(attempt_number, retry_after=None):
    """How long to wait after failed attempt ``attempt_number``, or None when the schedule is spent."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempt_number > len(schedule):
        return None
    seconds = schedule[attempt_number - 1]
    if retry_after is not None:
        # The endpoint knows its load best; bounded by the schedule's longest wait.
        seconds = max(seconds, min(retry_after, max(schedule)))
    return timedelta(seconds=seconds)


def _attempt_record(delivery_id, subscription_id, number, *, started, answer, error, refused):
    now = timezone.now()
    status = answer.status if answer else None
    with durable_atomic():
        # Subscription first, then delivery: the order every writer of both takes. NO KEY: the transaction
        # of a change writing this subscription's new deliveries (their foreign key) does not hold it up.
        subscription = WebhookSubscription.objects.select_for_update(no_key=True).filter(pk=subscription_id).first()
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if subscription is None or delivery is None:
            return None  # deleted while the request was out: nothing left to record
        ours = delivery.attempts == number and delivery.status == DeliveryStatus.PENDING
        if answer is not None and 200 <= status < 300:
            outcome, next_at = AttemptOutcome.DELIVERED, None
        elif status == 410:
            outcome, next_at = AttemptOutcome.GONE, None
        else:
            delay = None if delivery.manual else retry_delay(number, answer.retry_after if answer else None)
            next_at = now + delay if delay is not None else None
            if next_at is not None:
                outcome = AttemptOutcome.REFUSED if refused else AttemptOutcome.RETRY
            else:
                outcome = AttemptOutcome.FAILED
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            status_code=status,
            latency_ms=answer.latency_ms if answer else None,
            response_excerpt=answer.excerpt if answer else "",
            error=error[:ERROR_CHARS] if error else ("" if status is None or status < 300 else f"HTTP {status}"),
            outcome=outcome,
            next_attempt_at=next_at if ours else None,
        )
        if not ours:
            # Another worker claimed it after our claim ran out, or it was redelivered: its outcome decides.
            return outcome
        delivery.last_status_code = status
        delivery.claimed_until = None  # its place is free for the subscription's next delivery
        if outcome == AttemptOutcome.DELIVERED:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        elif next_at is None:
            delivery.status, delivery.next_attempt_at, delivery.failed_at = DeliveryStatus.FAILED, None, now
        else:
            delivery.next_attempt_at = next_at
        delivery.save(
            update_fields=[
                "last_status_code",
                "claimed_until",
                "status",
                "delivered_at",
                "failed_at",
                "next_attempt_at",
            ]
        )
        _subscription_follow(subscription, outcome, started=started, now=now)
    return outcome


def _subscription_follow(subscription, outcome, *, started, now):
    """A success ends a failing streak; a 410 or a day of failures disables the subscription."""
    if outcome == AttemptOutcome.DELIVERED:
        if subscription.failing_since is not None:
            subscription.failing_since = None
            subscription.save(update_fields=["failing_since"])
        return
    if not subscription.active:
        return
    if outcome == AttemptOutcome.GONE:
        subscription_disable(subscription, reason="The endpoint answered 410 Gone.", by=DisabledBy.GONE, now=now)
        return
    if subscription.failing_since is None:
        subscription.failing_since = started
        subscription.save(update_fields=["failing_since"])
    if now - subscription.failing_since >= timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS):
        since = subscription.failing_since.astimezone(UTC)
        subscription_disable(
            subscription,
            reason=f"Every attempt has failed since {since:%Y-%m-%d %H:%M} UTC "
            f"({settings.WEBHOOK_DISABLE_AFTER_HOURS} hours or more).",
            by=DisabledBy.FAILING,
            now=now,
        )


def subscription_disable(subscription, *, reason, by, now):
    """Turn a locked subscription off for ``reason``, audited, and tell its organisation's owners."""
    from api.webhooks.notifications import webhook_disabled_notify

    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = reason[:300]
    subscription.disabled_by = by
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason", "disabled_by"])
    audit_log_record(
        action="api.webhook.disabled",
        obj=subscription,
        organisation_id=subscription.organisation_id,
        data={"url": subscription.url, "reason": reason},
    )
    webhook_disabled_notify(subscription)


def deliveries_send_due(*, limit=100, seconds=50):
    """Claim and send due deliveries one at a time until none is due, ``limit`` are sent or time is up.

    Returns how many were attempted. Several workers run this at once and share the work.
    """
    ended = time.monotonic() + seconds
    sent = 0
    while sent < limit and time.monotonic() < ended:
        claimed = delivery_claim()
        if claimed is None:
            break
        delivery, number = claimed
        try:
            delivery_attempt(delivery.pk, number)
        except Exception:
            # Its claim runs out and it is tried again; the others still go.
            log.exception("Webhook delivery %s attempt %s failed to run", delivery.pk, number)
        sent += 1
    return sent
