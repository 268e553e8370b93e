"""Thin tasks: take ids (or nothing), call one domain function (STYLE.md habit 4)."""

from celery import shared_task
from django.utils import timezone

DELIVERIES_PER_TASK = 100


@shared_task(name="api.tasks.idempotency_records_purge")
def idempotency_records_purge():
    """Delete Idempotency-Key records past their keeping period (beat, hourly). Returns how many went."""
    from api.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task
def webhooks_deliver_due():
    """Send due webhook deliveries (beat every few seconds, and after each commit that made some)."""
    from api.webhooks.delivery import deliveries_send_due

    sent = deliveries_send_due(limit=DELIVERIES_PER_TASK)
    if sent >= DELIVERIES_PER_TASK:
        # More may be due: another task lets a second worker share them.
        webhooks_deliver_due.delay()
    return sent
