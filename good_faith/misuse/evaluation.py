"""The warning or suspension an organisation's strikes call for, issued with its statement, audit entry and notifications."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from good_faith.misuse.notifications import measure_notify
from good_faith.misuse.selectors import measure_in_force, misuse_decided_items, misuse_strikes
from good_faith.misuse.statements import measure_statement, utc_text
from good_faith.models import MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from portal.audit import audit_log_record
from portal.i18n import text_later
from portal.models import Organisation
from takedowns.models import FilingSuspension


def misuse_evaluate(*, organisation_id, now=None):
    """Issue the warning or suspension the organisation's strikes call for; the new measure or None.

    Runs in the caller's transaction if there is one (``notice_item_reject`` calls it
    right after writing the rejection). The organisation row is locked first: two
    rejections committing at once queue here, and the second counts with the first's
    rejection and measure visible, so one threshold crossed makes one measure.
    """
    now = now or timezone.now()
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        strikes = misuse_strikes(organisation_id=organisation_id, now=now)
        count = len(strikes)
        if count < settings.MISUSE_WARNING_THRESHOLD:
            return None
        since = now - timedelta(days=settings.MISUSE_WINDOW_DAYS)
        standing = MisuseMeasure.objects.filter(organisation_id=organisation_id, created_at__gt=since).exclude(
            status=MisuseMeasureStatus.LIFTED
        )
        warning = standing.filter(kind=MisuseMeasureKind.WARNING).order_by("-created_at").first()
        if warning is None:
            return measure_issue(organisation, MisuseMeasureKind.WARNING, strikes, now=now)
        latest_strike_at = strikes[-1][1]
        # Escalation needs a strike after the warning: the same facts never warn and suspend at once.
        if count < settings.MISUSE_SUSPENSION_THRESHOLD or latest_strike_at <= warning.created_at:
            return None
        last_suspension = (
            standing.filter(kind=MisuseMeasureKind.SUSPENSION)
            .select_related("suspension")
            .order_by("-created_at")
            .first()
        )
        if last_suspension is not None and (
            measure_in_force(last_suspension, now) or latest_strike_at <= last_suspension.created_at
        ):
            return None
        return measure_issue(organisation, MisuseMeasureKind.SUSPENSION, strikes, now=now)


def measure_issue(organisation, kind, strikes, *, now):
    ends_at = now + timedelta(days=settings.MISUSE_SUSPENSION_DAYS) if kind == MisuseMeasureKind.SUSPENSION else None
    decided = misuse_decided_items(organisation.pk, now)
    statement = measure_statement(organisation, kind, strikes, now=now, ends_at=ends_at, decided=decided)
    figures = {
        "strikes": len(strikes),
        "decided": decided,
        "window_days": settings.MISUSE_WINDOW_DAYS,
        "warning_threshold": settings.MISUSE_WARNING_THRESHOLD,
        "suspension_threshold": settings.MISUSE_SUSPENSION_THRESHOLD,
        "items": [{"item": pk, "decided_at": at.isoformat()} for pk, at, _ in strikes],
    }
    suspension = None
    if ends_at is not None:
        suspension = FilingSuspension.objects.create(
            organisation=organisation,
            starts_at=now,
            ends_at=ends_at,
            reason=(
                f"{len(strikes)} notices rejected as manifestly unfounded within {settings.MISUSE_WINDOW_DAYS} days "
                "(EU DSA article 23). The statement of reasons and the appeal are on the Misuse page."
            ),
        )
        figures["ends_at"] = ends_at.isoformat()
    measure = MisuseMeasure.objects.create(
        organisation=organisation,
        kind=kind,
        created_at=now,
        figures=figures,
        statement=statement,
        suspension=suspension,
    )
    audit_log_record(
        action=f"good_faith.misuse.{kind}",
        actor=None,
        obj=measure,
        organisation=organisation,
        data={**figures, "suspension": suspension.pk if suspension else None},
    )
    if kind == MisuseMeasureKind.WARNING:
        subject = text_later(_("Warning: manifestly unfounded notices"))
    else:
        subject = text_later(
            _("Filing suspended until %(until)s: manifestly unfounded notices"), until=utc_text(ends_at)
        )
    # The statement of reasons is the measure's record: as written (English).
    measure_notify(measure, source="issued", subject=subject, body=statement)
    return measure
