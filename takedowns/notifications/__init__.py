"""Notifications to the parties at each step: an in-app row and an e-mail after commit.

``effect_notify`` is the handler of NOTIFY effects (``takedowns.effects``);
``notice_receipt_write`` confirms a whole notice to its filer. Each writes one
row per (recipient, source) and e-mails it once after commit.
"""

from takedowns.models import ItemEvent
from takedowns.notifications.delivery import (
    notification_email_send,
    notification_emails_send,
    notification_emails_send_later,
    notification_emails_send_pending,
    notifications_write,
    path_or_blank,
)
from takedowns.notifications.messages import event_messages, receipt_messages

__all__ = [
    "effect_notify",
    "notice_receipt_write",
    "notification_email_send",
    "notification_emails_send",
    "notification_emails_send_pending",
]


def effect_notify(effect):
    """Tell the parties about the event named in the effect. Runs inside effect_run's locked transaction."""
    event_id = (effect.payload or {}).get("event")
    if event_id is None:
        return []
    event = (
        ItemEvent.objects.select_related(
            "item__notice__rights_holder__organisation",
            "item__notice__filed_by",
            "item__notice__filer_organisation",
            "item__listing__store__merchant",
            "item__ip_asset",
        )
        .filter(pk=event_id)
        # No ORDER BY: a pk lookup needs none, and the default ordering made it a sort.
        .order_by()
        .first()
    )
    if event is None:
        return []
    item = event.item
    return notifications_write(
        event_messages(event),
        source=f"event-{event.pk}",
        item=item,
        url=path_or_blank("takedowns:item-detail", item.pk),
    )


def notice_receipt_write(notice, items=None):
    """The filer's receipt for the whole notice, written in the filing's own transaction.

    So the receipt exists exactly when the notice does: a filing rolled back leaves
    none, a committed one always has it (no process dying after commit can lose it).
    The notice was born in this transaction, so the rows go in with one insert
    (``fresh``), and their e-mails are handed to a worker after commit: the filer's
    request never waits on the mail server. ``items``: the notice's items as filed,
    with their listing and asset (read afresh when not given).
    """
    return notifications_write(
        receipt_messages(notice, items),
        source=f"notice-{notice.pk}-receipt",
        url=path_or_blank("takedowns:notice-detail", notice.pk),
        fresh=True,
        email=notification_emails_send_later,
    )
