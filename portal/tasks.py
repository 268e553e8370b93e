from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(name="portal.tasks.ping")
def ping(token):
    """Smoke task: records that a worker ran it (used by health checks and tests)."""
    from portal.audit import audit_log_record

    audit_log_record(action="portal.worker.ping", data={"token": token}, actor_label="worker")
    return token


@shared_task(name="portal.tasks.prune_embedded_broker")
def prune_embedded_broker():
    """kombu's SQLAlchemy transport never deletes consumed messages; prune them."""
    if not settings.CELERY_BROKER_IS_EMBEDDED:
        return 0
    from portal.broker import prune_consumed_messages

    return prune_consumed_messages(older_than=timezone.now() - timedelta(hours=settings.EMBEDDED_BROKER_KEEP_HOURS))


@shared_task(name="portal.tasks.record_delivery")
def record_delivery(token, seq):
    """Proof task: one audit row per execution, so tests can count deliveries."""
    from portal.audit import audit_log_record

    audit_log_record(action="portal.worker.delivery", data={"run": token, "seq": seq}, actor_label="worker")


@shared_task(name="portal.tasks.sleep_then_record", acks_late=True, reject_on_worker_lost=True)
def sleep_then_record(token, seconds):
    """Proof task for worker loss: records its start, sleeps, records its end."""
    import time

    from portal.audit import audit_log_record

    audit_log_record(action="portal.worker.sleep.started", data={"token": token}, actor_label="worker")
    time.sleep(seconds)
    audit_log_record(action="portal.worker.sleep.finished", data={"token": token}, actor_label="worker")


@shared_task(name="portal.tasks.password_reset_emails_send")
def password_reset_emails_send(*, email, base_url):
    """A reset request's e-mails: one to each account with the address, in its language (portal.passwords)."""
    from portal.passwords import password_reset_emails_send as send

    return send(email=email, base_url=base_url)


# Kept for messages sent before the request's task above replaced it (one account's e-mail).
@shared_task(name="portal.tasks.password_reset_email_send")
def password_reset_email_send(*, user_id, base_url):
    """The password reset e-mail of one account (portal.passwords), written in its language."""
    from portal.passwords import password_reset_email_send as send

    return send(user_id=user_id, base_url=base_url)
