"""Thin tasks: take ids, re-read state, call one domain function (STYLE.md habit 4)."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def evaluate_memberships():
    """The nightly Good Faith evaluation (beat). Safe to run twice: a second run finds nothing to change."""
    from good_faith.membership import memberships_evaluate

    return memberships_evaluate()


@shared_task
def send_membership_emails(notification_ids):
    """E-mail membership notifications after commit; each row is claimed before sending, so at most once."""
    from takedowns.notifications.delivery import notification_emails_send

    return notification_emails_send(notification_ids)
