"""An organisation's appeal against a measure, once, and a senior reviewer's decision on it."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from good_faith.misuse.notifications import measure_notify
from good_faith.misuse.selectors import measure_in_force
from good_faith.misuse.statements import utc_text
from good_faith.models import MisuseMeasure, MisuseMeasureStatus
from portal.actors import actor_label
from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
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
        raise InvalidInput("Explain why the measure should be lifted.", code="statement_required")
    with durable_atomic():
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
        measure_notify(
            measure,
            source="appealed",
            subject=f"Your appeal against the {measure.get_kind_display().lower()} was received",
            body=(
                f"{actor_label(actor)} appealed the {measure.get_kind_display().lower()} of "
                f"{utc_text(measure.created_at)} on {utc_text(now)}. A senior reviewer will decide; the measure stays in "
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
    with durable_atomic():
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
                outcome += f" You may file notices again from {utc_text(now)}."
        else:
            outcome = f"The {kind} is confirmed on appeal."
            if measure.suspension_id and measure_in_force(measure, now):
                outcome += f" Filing stays suspended until {utc_text(measure.suspension.ends_at)}."
        measure_notify(
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
