"""Notifications to the parties at each step: an in-app row and an e-mail after commit.

``effects_notify`` is the handler of NOTIFY effects (``takedowns.effects``), for a batch;
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
    notifications_write_many,
    path_or_blank,
)
from takedowns.notifications.messages import EventLookups, event_messages, receipt_messages

__all__ = [
    "effect_notify",
    "effects_notify",
    "notice_receipt_write",
    "notification_email_send",
    "notification_emails_send",
    "notification_emails_send_pending",
]


def effects_notify(effects):
    """Tell the parties about the events named in these effects (the runner's transaction). Returns the rows.

    One query for the events, the ``EventLookups`` of all of them, one insert and one
    read of the rows: the same few statements for one effect or a batch.
    """
    event_ids = [event_id for event_id in ((effect.payload or {}).get("event") for effect in effects) if event_id]
    events = list(
        ItemEvent.objects.select_related(
            "item__notice__rights_holder__organisation",
            "item__notice__filed_by",
            "item__notice__filer_organisation",
            "item__listing__store__merchant",
            "item__ip_asset",
        )
        .filter(pk__in=event_ids)
        .order_by("pk")
        if event_ids
        else ()
    )
    if not events:
        return []
    lookups = EventLookups(events)
    return notifications_write_many(
        [
            (
                event_messages(event, lookups),
                f"event-{event.pk}",
                event.item,
                path_or_blank("takedowns:item-detail", event.item_id),
            )
            for event in events
        ]
    )


def effect_notify(effect):
    """Tell the parties about the event named in one effect (``effects_notify`` of one)."""
    return effects_notify([effect])


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
