from celery import shared_task
from django.utils import timezone


@shared_task(name="api.tasks.idempotency_records_purge")
def idempotency_records_purge():
    """Delete Idempotency-Key records past their keeping period (beat, hourly). Returns how many went."""
    from api.models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
