"""Misuse measures (EU DSA article 23): a warning, then a filing suspension, for manifestly unfounded notices.

Who answers for a notice: the organisation that filed it (``Notice.filer_organisation``):
the brand itself, its agent (a law firm) or a vetting partner. The filer signed the
declarations of good faith and accuracy, so a brand whose law firm misuses the system is
not struck itself; the firm is. ``takedowns.notices.notice_submit`` refuses a suspended
filer organisation, and also anyone filing for a suspended brand's organisation, so a
brand suspended for its own notices cannot file through an agent meanwhile. Proactive
notices have no filer organisation and never count.

The rules (settings ``MISUSE_*``):

- a *strike* is an item a reviewer rejected as manifestly unfounded that is still
  rejected (a rejection reopened on appeal no longer counts), decided within the
  window, and after the organisation's last measure lifted on appeal: lifting clears
  the slate, otherwise the very strikes behind the lifted measure would bring it back
  with the next rejection;
- at ``MISUSE_WARNING_THRESHOLD`` strikes: a warning, unless one issued within the window
  still stands;
- at ``MISUSE_SUSPENSION_THRESHOLD`` strikes, once warned: a filing suspension of
  ``MISUSE_SUSPENSION_DAYS``. Article 23(2) asks for a prior warning, so a count that
  jumps past both thresholds at once gets the warning first and the suspension at the
  next strike. No suspension while one is in force, and none without a strike newer than
  the last warning and the last suspension: evaluating again never escalates on the same
  strikes.

Each measure carries a statement of reasons (facts, ground, duration, redress), an audit
entry, and an in-app notification to every member of the organisation, e-mailed after
commit. Measures move only through the services here.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from good_faith.models import MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.models import Membership, Organisation
from portal.roles import user_is_senior_reviewer
from portal.scoping import organisation_ids_of
from takedowns.models import FilingSuspension, ItemStatus, NoticeItem, Notification
from takedowns.notifications.delivery import absolute_url, notification_emails_send, path_or_blank

# The statement lists the strikes one by one up to this many; a longer list is summarised.
LISTED_STRIKES = 20
GROUND = (
    "EU Digital Services Act article 23(2): a provider shall, for a reasonable period and after a prior "
    "warning, suspend the processing of notices from those who frequently submit notices that are manifestly "
    "unfounded; and the portal's terms of use, under which notices must be filed in good faith and be accurate."
)


def _fmt(instant):
    return f"{instant:%Y-%m-%d %H:%M} UTC"


def misuse_redress_text():
    return (
        "You may appeal this measure once, while it is in force, from the Misuse page of the portal "
        f"({path_or_blank('good_faith:misuse') or '/good-faith/misuse/'}): explain why the notices were not "
        "manifestly unfounded; a senior reviewer decides and may lift the measure. You may also appeal each "
        f"rejection on its item page within {settings.TAKEDOWN_APPEAL_DAYS} days (a rejection reversed on appeal no "
        "longer counts), refer the matter to a certified out-of-court dispute settlement body (DSA article 21), "
        "or seek judicial redress before the competent court."
    )


# --- Reads -----------------------------------------------------------------------------


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


def misuse_measures_recent(*, limit=50):
    """The newest measures against any organisation, for platform staff."""
    return MisuseMeasure.objects.select_related("organisation", "suspension").order_by("-created_at", "-id")[:limit]


def misuse_appeals_open():
    """Appealed measures waiting for a senior reviewer, oldest appeal first."""
    return (
        MisuseMeasure.objects.filter(status=MisuseMeasureStatus.APPEALED)
        .select_related("organisation", "suspension", "appealed_by")
        .order_by("appealed_at", "id")
    )


# --- Evaluation --------------------------------------------------------------------------


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
            return _measure_issue(organisation, MisuseMeasureKind.WARNING, strikes, now=now)
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
        return _measure_issue(organisation, MisuseMeasureKind.SUSPENSION, strikes, now=now)


def _decided_items(organisation_id, now):
    """Items of the organisation's notices decided in the window: the proportion DSA article 23(3) weighs."""
    since = now - timedelta(days=settings.MISUSE_WINDOW_DAYS)
    return NoticeItem.objects.filter(
        notice__filer_organisation_id=organisation_id, decided_at__gte=since, decided_at__lte=now
    ).count()


def _statement(organisation, kind, strikes, *, now, ends_at, decided):
    window = settings.MISUSE_WINDOW_DAYS
    lines = [
        f"- item {strike_id}, listing {listing}, rejected {_fmt(at)}"
        for strike_id, at, listing in strikes[:LISTED_STRIKES]
    ]
    if len(strikes) > LISTED_STRIKES:
        lines.append(f"- and {len(strikes) - LISTED_STRIKES} more")
    if kind == MisuseMeasureKind.WARNING:
        measure = (
            "A warning. Nothing is restricted now; "
            f"at {settings.MISUSE_SUSPENSION_THRESHOLD} manifestly unfounded notices within {window} days, "
            f"{organisation.name} will be suspended from filing notices for {settings.MISUSE_SUSPENSION_DAYS} days."
        )
        duration = f"The warning counts for {window} days, until {_fmt(now + timedelta(days=window))}."
    else:
        measure = f"{organisation.name} may not file notices (on the web pages or the API) while suspended."
        duration = (
            f"{settings.MISUSE_SUSPENSION_DAYS} days, from {_fmt(now)} until {_fmt(ends_at)}; notices may be "
            "filed again after that."
        )
    return "\n".join(
        [
            f"Measure: {measure}",
            "",
            f"Facts: in the {window} days up to {_fmt(now)}, reviewers rejected {len(strikes)} items of notices "
            f"filed by {organisation.name} as manifestly unfounded, out of {decided} items decided in that time "
            f"(warning at {settings.MISUSE_WARNING_THRESHOLD}, filing suspension at "
            f"{settings.MISUSE_SUSPENSION_THRESHOLD}):",
            *lines,
            "",
            f"Ground: {GROUND}",
            "",
            f"Duration: {duration}",
            "",
            "Automation: each rejection was decided by a reviewer; the measure followed automatically when the "
            "count reached the threshold.",
            "",
            f"Redress: {misuse_redress_text()}",
        ]
    )


def _measure_issue(organisation, kind, strikes, *, now):
    ends_at = now + timedelta(days=settings.MISUSE_SUSPENSION_DAYS) if kind == MisuseMeasureKind.SUSPENSION else None
    decided = _decided_items(organisation.pk, now)
    statement = _statement(organisation, kind, strikes, now=now, ends_at=ends_at, decided=decided)
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
    label = "Warning" if kind == MisuseMeasureKind.WARNING else f"Filing suspended until {_fmt(ends_at)}"
    _notify(measure, source="issued", subject=f"{label}: manifestly unfounded notices", body=statement)
    return measure


# --- Appeals -----------------------------------------------------------------------------


def _lock_measure(measure_id):
    return (
        MisuseMeasure.objects.select_for_update(of=("self",))
        .select_related("organisation", "suspension")
        .get(pk=measure_id)
    )


def misuse_measure_appeal(*, measure_id, actor, statement, now=None):
    """A member of the organisation appeals a measure, once, while it is in force."""
    now = now or timezone.now()
    if not (statement or "").strip():
        raise InvalidInput("Explain why the measure should be lifted.", code="statement_required")
    with transaction.atomic():
        measure = _lock_measure(measure_id)
        if actor is None or measure.organisation_id not in organisation_ids_of(actor):
            raise PermissionDenied("Only a member of the organisation concerned can appeal this measure.")
        if measure.status != MisuseMeasureStatus.IN_FORCE:
            raise TransitionError(
                f"This {measure.get_kind_display().lower()} is already "
                f"{measure.get_status_display().lower()}; a measure can be appealed once.",
                code="already_appealed",
            )
        if not measure_in_force(measure, now):
            raise TransitionError(
                f"This {measure.get_kind_display().lower()} is no longer in force; there is nothing to appeal.",
                code="not_in_force",
            )
        measure.status = MisuseMeasureStatus.APPEALED
        measure.appeal_statement = statement.strip()
        measure.appealed_at = now
        measure.appealed_by = actor
        measure.save(update_fields=["status", "appeal_statement", "appealed_at", "appealed_by"])
        audit_log_record(
            action="good_faith.misuse.appealed",
            actor=actor,
            obj=measure,
            organisation=measure.organisation,
            data={"statement": measure.appeal_statement},
        )
        _notify(
            measure,
            source="appealed",
            subject=f"Your appeal against the {measure.get_kind_display().lower()} was received",
            body=(
                f"{actor.get_username()} appealed the {measure.get_kind_display().lower()} of "
                f"{_fmt(measure.created_at)} on {_fmt(now)}. A senior reviewer will decide; the measure stays in "
                f"force meanwhile.\n\nThe appeal:\n{measure.appeal_statement}"
            ),
        )
        return measure


def misuse_appeal_decide(*, measure_id, actor, lift, reason, now=None):
    """A senior reviewer lifts the measure (a suspension ends now) or confirms it."""
    now = now or timezone.now()
    if actor is None or not user_is_senior_reviewer(actor):
        raise PermissionDenied("Only senior reviewers decide appeals against misuse measures.")
    if not (reason or "").strip():
        raise InvalidInput("Give the organisation the reasons for the decision.", code="reason_required")
    with transaction.atomic():
        measure = _lock_measure(measure_id)
        if measure.status != MisuseMeasureStatus.APPEALED:
            raise TransitionError(
                f"This {measure.get_kind_display().lower()} is {measure.get_status_display().lower()}; only an "
                "appealed measure can be decided.",
                code="not_appealed",
            )
        lifted_suspension = False
        if lift and measure.suspension_id:
            # Conditional, like the admin's "lift now": a lift there first is kept, not overwritten.
            lifted_suspension = bool(
                FilingSuspension.objects.filter(pk=measure.suspension_id, lifted_at__isnull=True).update(lifted_at=now)
            )
        measure.status = MisuseMeasureStatus.LIFTED if lift else MisuseMeasureStatus.UPHELD_ON_APPEAL
        measure.appeal_decided_by = actor
        measure.appeal_decided_at = now
        measure.appeal_reason = reason.strip()
        measure.save(update_fields=["status", "appeal_decided_by", "appeal_decided_at", "appeal_reason"])
        audit_log_record(
            action="good_faith.misuse.lifted" if lift else "good_faith.misuse.upheld_on_appeal",
            actor=actor,
            obj=measure,
            organisation=measure.organisation,
            data={"reason": measure.appeal_reason, "suspension_lifted": lifted_suspension},
        )
        kind = measure.get_kind_display().lower()
        if lift:
            outcome = f"The {kind} is lifted on appeal."
            if measure.suspension_id:
                outcome += f" You may file notices again from {_fmt(now)}."
        else:
            outcome = f"The {kind} is confirmed on appeal."
            if measure.suspension_id and measure_in_force(measure, now):
                outcome += f" Filing stays suspended until {_fmt(measure.suspension.ends_at)}."
        _notify(
            measure,
            source="decided",
            subject=f"Appeal against the {kind}: {'lifted' if lift else 'confirmed'}",
            body=(
                f"{outcome}\n\nReasons: {measure.appeal_reason}\n\nYou may still refer the matter to a certified "
                "out-of-court dispute settlement body (DSA article 21) or seek judicial redress before the "
                "competent court."
            ),
        )
        return measure


# --- Notifications -----------------------------------------------------------------------


def _notify(measure, *, source, subject, body):
    """Every active member of the organisation: the measure concerns all who file for it.

    Rows are written in the caller's transaction, once per (member, source); e-mails go
    out after commit through the takedowns delivery, which claims each row before sending.
    """
    url = path_or_blank("good_faith:misuse")
    page = absolute_url(url)
    text = f"{body}\n\n{page}" if page else body
    to_email = []
    memberships = Membership.objects.filter(organisation_id=measure.organisation_id, user__is_active=True)
    for membership in memberships.select_related("user").order_by("user_id"):
        row, _ = Notification.objects.get_or_create(
            recipient=membership.user,
            source=f"misuse-{measure.pk}-{source}",
            defaults={"organisation_id": measure.organisation_id, "subject": subject[:200], "body": text, "url": url},
        )
        if row.emailed_at is None and membership.user.email:
            to_email.append(row.pk)
    if to_email:
        transaction.on_commit(lambda: notification_emails_send(to_email))


__all__ = [
    "measure_in_force",
    "misuse_appeal_decide",
    "misuse_appeals_open",
    "misuse_evaluate",
    "misuse_measure_appeal",
    "misuse_measures_of",
    "misuse_strikes",
    "misuse_redress_text",
]
