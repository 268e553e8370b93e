"""An organisation's appeal against a measure, once, and a senior reviewer's decision on it."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from good_faith.misuse.notifications import measure_notify
from good_faith.misuse.selectors import measure_in_force
from good_faith.misuse.statements import utc_text
from good_faith.models import MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from portal.actors import actor_label
from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.i18n import lower_later, text_later
from portal.roles import user_is_senior_reviewer
from portal.scoping import organisation_ids_of
from portal.transactions import durable_atomic
from takedowns.models import FilingSuspension


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
        raise InvalidInput(gettext("Explain why the measure should be lifted."), code="statement_required")
    with durable_atomic():
        measure = _lock_measure(measure_id)
        if actor is None or measure.organisation_id not in organisation_ids_of(actor):
            raise PermissionDenied(gettext("Only a member of the organisation concerned can appeal this measure."))
        if measure.status != MisuseMeasureStatus.IN_FORCE:
            raise TransitionError(
                gettext("This %(kind)s is already %(status)s; a measure can be appealed once.")
                % {"kind": measure.get_kind_display().lower(), "status": measure.get_status_display().lower()},
                code="already_appealed",
            )
        if not measure_in_force(measure, now):
            raise TransitionError(
                gettext("This %(kind)s is no longer in force; there is nothing to appeal.")
                % {"kind": measure.get_kind_display().lower()},
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
        kind = lower_later(MisuseMeasureKind(measure.kind).label)
        measure_notify(
            measure,
            source="appealed",
            subject=text_later(_("Your appeal against the %(kind)s was received"), kind=kind),
            body=text_later(
                _(
                    "%(who)s appealed the %(kind)s of %(issued)s on %(on)s. A senior reviewer will decide; the measure "
                    "stays in force meanwhile.\n\nThe appeal:\n%(statement)s"
                ),
                who=actor_label(actor),
                kind=kind,
                issued=utc_text(measure.created_at),
                on=utc_text(now),
                statement=measure.appeal_statement,
            ),
        )
        return measure


def misuse_appeal_decide(*, measure_id, actor, lift, reason, now=None):
    """A senior reviewer lifts the measure (a suspension ends now) or confirms it."""
    now = now or timezone.now()
    if actor is None or not user_is_senior_reviewer(actor):
        raise PermissionDenied(gettext("Only senior reviewers decide appeals against misuse measures."))
    if not (reason or "").strip():
        raise InvalidInput(gettext("Give the organisation the reasons for the decision."), code="reason_required")
    with durable_atomic():
        measure = _lock_measure(measure_id)
        if measure.status != MisuseMeasureStatus.APPEALED:
            raise TransitionError(
                gettext("This %(kind)s is %(status)s; only an appealed measure can be decided.")
                % {"kind": measure.get_kind_display().lower(), "status": measure.get_status_display().lower()},
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
        kind = lower_later(MisuseMeasureKind(measure.kind).label)
        if lift and measure.suspension_id:
            outcome = text_later(
                _("The %(kind)s is lifted on appeal. You may file notices again from %(since)s."),
                kind=kind,
                since=utc_text(now),
            )
        elif lift:
            outcome = text_later(_("The %(kind)s is lifted on appeal."), kind=kind)
        elif measure.suspension_id and measure_in_force(measure, now):
            outcome = text_later(
                _("The %(kind)s is confirmed on appeal. Filing stays suspended until %(until)s."),
                kind=kind,
                until=utc_text(measure.suspension.ends_at),
            )
        else:
            outcome = text_later(_("The %(kind)s is confirmed on appeal."), kind=kind)
        measure_notify(
            measure,
            source="decided",
            subject=text_later(
                _("Appeal against the %(kind)s: lifted") if lift else _("Appeal against the %(kind)s: confirmed"),
                kind=kind,
            ),
            body=text_later(
                _(
                    "%(outcome)s\n\nReasons: %(reasons)s\n\nYou may still refer the matter to a certified "
                    "out-of-court dispute settlement body (DSA article 21) or seek judicial redress before the "
                    "competent court."
                ),
                outcome=outcome,
                reasons=measure.appeal_reason,
            ),
        )
        return measure
