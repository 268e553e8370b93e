"""Reads: an organisation's strikes, its measures, the open appeals."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from good_faith.models import MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from portal.scoping import organisation_ids_of
from takedowns.models import Channel, ItemStatus, NoticeItem


def misuse_strikes(*, organisation_id, now=None):
    """The organisation's strikes, oldest first, as (item id, decided_at, listing external id) rows."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.MISUSE_WINDOW_DAYS)
    last_lift = (
        MisuseMeasure.objects.filter(organisation_id=organisation_id, status=MisuseMeasureStatus.LIFTED)
        .order_by("-appeal_decided_at")
        .values_list("appeal_decided_at", flat=True)
        .first()
    )
    if last_lift is not None and last_lift > since:
        since = last_lift
    return list(
        NoticeItem.objects.filter(
            notice__filer_organisation_id=organisation_id,
            status=ItemStatus.REJECTED,
            manifestly_unfounded=True,
            decided_at__gte=since,
            decided_at__lte=now,
        )
        # The platform's own automated notices are not a filer's misuse (it would suspend the marketplace).
        .exclude(notice__channel=Channel.PROACTIVE)
        .order_by("decided_at", "id")
        .values_list("id", "decided_at", "listing__external_id")
    )


def measure_in_force(measure, now=None):
    """A suspension while it runs; a warning while it counts towards a suspension (the window)."""
    now = now or timezone.now()
    if measure.status == MisuseMeasureStatus.LIFTED:
        return False
    if measure.kind == MisuseMeasureKind.SUSPENSION:
        suspension = measure.suspension
        return suspension is not None and suspension.lifted_at is None and suspension.ends_at > now
    return measure.created_at > now - timedelta(days=settings.MISUSE_WINDOW_DAYS)


def misuse_measures_of(user):
    """Measures against the user's organisations, newest first, with their suspensions."""
    return (
        MisuseMeasure.objects.filter(organisation_id__in=organisation_ids_of(user))
        .select_related("organisation", "suspension")
        .order_by("-created_at", "-id")
    )


def misuse_measures_recent():
    """Every measure against any organisation, for platform staff (a list page filters, sorts and pages them)."""
    return MisuseMeasure.objects.select_related("organisation", "suspension")


def misuse_appeals_open():
    """Appealed measures waiting for a senior reviewer, oldest appeal first."""
    return (
        MisuseMeasure.objects.filter(status=MisuseMeasureStatus.APPEALED)
        .select_related("organisation", "suspension", "appealed_by")
        .order_by("appealed_at", "id")
    )


def misuse_decided_items(organisation_id, now):
    """Items of the organisation's notices decided in the window: the proportion DSA article 23(3) weighs."""
    since = now - timedelta(days=settings.MISUSE_WINDOW_DAYS)
    return (
        NoticeItem.objects.filter(
            notice__filer_organisation_id=organisation_id, decided_at__gte=since, decided_at__lte=now
        )
        .exclude(notice__channel=Channel.PROACTIVE)
        .count()
    )
