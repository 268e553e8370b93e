"""The deadline sweeper (beat, every minute). Row-by-row for now; see issue 4 for the set-based sweep."""

from django.utils import timezone

from takedowns.effects import effects_resend_stale
from takedowns.lifecycle import notice_item_reply_lapse, notice_item_uphold_by_default
from takedowns.models import ItemStatus, NoticeItem


def deadlines_sweep(*, now=None):
    now = now or timezone.now()
    upheld = 0
    for item_id in NoticeItem.objects.filter(
        status=ItemStatus.AWAITING_COUNTER_NOTICE, counter_notice_deadline__lte=now
    ).values_list("pk", flat=True):
        upheld += bool(notice_item_uphold_by_default(item_id=item_id, now=now))
    lapsed = 0
    for item_id in NoticeItem.objects.filter(status=ItemStatus.COUNTER_NOTICED, reply_deadline__lte=now).values_list(
        "pk", flat=True
    ):
        lapsed += bool(notice_item_reply_lapse(item_id=item_id, now=now))
    resent = effects_resend_stale(now=now)
    return {"upheld": upheld, "reply_lapsed": lapsed, "effects_resent": resent}
