"""The ``data`` of each event: small, public ids only, read from rows that never change.

Every source row is append-only or final (an ``ItemEvent``, a decided
``Appeal``, a ``MembershipChange``; a screening alert's listing, asset and score,
and once decided its decision) and public ids never change, so the body
rendered at the first attempt is what the change said; ``delivery.event_body``
stores it and sends those very bytes on every later attempt. No evidence,
contact data, actor names or anything of the other side's that the pages do
not show both sides.
"""

from datetime import UTC

from api.fields import PREFIXES
from good_faith.models import MembershipChange
from portal.public_ids import encode
from screening.models import AlertStatus, ScreeningAlert
from takedowns.models import Appeal, CounterNotice, ItemEvent

REASON_CHARS = 1000


def instant(value):
    """ISO 8601 in UTC with a ``Z``, as the API writes instants."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ids(item):
    return {
        "item": encode(PREFIXES["item"], item.public_id),
        "notice": encode(PREFIXES["notice"], item.notice.public_id),
        "listing": encode(PREFIXES["listing"], item.listing.public_id),
    }


def _item_event(event):
    row = ItemEvent.objects.select_related("item__notice", "item__listing").get(pk=event.source_id)
    data = {
        **_ids(row.item),
        "action": row.action,
        "from_status": row.from_status or None,
        "to_status": row.to_status,
        "reason": row.reason[:REASON_CHARS],
    }
    if row.action == "counter_noticed":
        counter_notice = CounterNotice.objects.filter(item_id=row.item_id).values_list("public_id", flat=True).first()
        if counter_notice is not None:
            data["counter_notice"] = encode(PREFIXES["counter_notice"], counter_notice)
    return data


def _appeal_decision(event):
    appeal = Appeal.objects.select_related("item__notice", "item__listing").get(pk=event.source_id)
    return {
        **_ids(appeal.item),
        "appealed_by": appeal.side,
        "outcome": appeal.status,
        "reason": appeal.decision_reason[:REASON_CHARS],
        "decided_at": instant(appeal.decided_at) if appeal.decided_at else None,
    }


def _membership_change(event):
    change = MembershipChange.objects.select_related("membership").get(pk=event.source_id)
    return {
        "infringement_type": change.membership.infringement_type or None,  # None: the whole record
        "from_status": change.from_status or None,
        "to_status": change.to_status,
        "cause": change.cause,
        "reason": change.reason[:REASON_CHARS],
    }


def alert_data(alert, *, decided):
    """An alert as its webhooks tell it (the API's ``Alert`` in short). ``alert.created`` says ``open`` even
    when the alert was decided before the first attempt: the event is the alert's raising."""
    notice = alert.notice.public_id if decided and alert.notice_id else None
    return {
        "alert": encode(PREFIXES["alert"], alert.public_id),
        "listing": encode(PREFIXES["listing"], alert.listing.public_id),
        "asset": encode(PREFIXES["asset"], alert.asset.public_id),
        "rights_holder": encode(PREFIXES["rights_holder"], alert.rights_holder.public_id),
        "score": float(alert.result.score),
        "status": alert.status if decided else AlertStatus.OPEN.value,
        "created_at": instant(alert.created_at),
        "decided_at": instant(alert.decided_at) if decided and alert.decided_at else None,
        "dismissal_reason": (alert.dismissal_reason or None) if decided else None,
        "notice": encode(PREFIXES["notice"], notice) if notice else None,
    }


def _alert(event, *, decided):
    alert = ScreeningAlert.objects.select_related("listing", "asset", "rights_holder", "result", "notice").get(
        pk=event.source_id
    )
    return alert_data(alert, decided=decided)


RENDERERS = {
    "item_event": _item_event,
    "appeal_decision": _appeal_decision,
    "membership_change": _membership_change,
    "screening_alert": lambda event: _alert(event, decided=False),
    "screening_alert_decision": lambda event: _alert(event, decided=True),
    "test": lambda event: event.data,
}


def event_data(event):
    return RENDERERS[event.source](event)
