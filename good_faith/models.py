"""The Good Faith programme: membership from a proven record, quality audits, misuse measures.

Membership is held per subject (a rights holder, or a vetting partner) and per
scope: the whole record (``infringement_type`` empty) or one infringement
type, so a holder can be fast-tracked for counterfeits and not for patents.
Status moves only through ``good_faith.membership``; every change is a
``MembershipChange`` row with the figures that caused it.
"""

from functools import reduce
from operator import or_

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import WorkClaim
from takedowns.models import InfringementType

OVERALL = ""


class MembershipStatus(models.TextChoices):
    NOT_MEMBER = "not_member", _("Not a member")
    MEMBER = "member", _("Member")
    SUSPENDED = "suspended", _("Suspended (fell below the bar)")


class ManualOverride(models.TextChoices):
    NONE = "", _("None")
    GRANTED = "granted", _("Granted by staff")
    REVOKED = "revoked", _("Revoked by staff")


class _Is:
    """A condition on a membership row: ``field`` equals ``value``."""

    def __init__(self, field, value):
        self.field, self.value = field, value

    def holds(self, row):
        return getattr(row, self.field) == self.value

    def q(self):
        return Q(**{self.field: self.value})


class _JudgedOnItsOwn:
    """The last nightly run judged this scope on enough decided items of its own (GOOD_FAITH_MIN_DECIDED)."""

    def holds(self, row):
        return (row.last_figures or {}).get("decided", 0) >= settings.GOOD_FAITH_MIN_DECIDED

    def q(self):
        return Q(last_figures__decided__gte=settings.GOOD_FAITH_MIN_DECIDED)


# What one membership row says, read top down, the first condition that holds deciding
# (DOMAIN.md "Good Faith programme": a staff override holds until lifted; otherwise the
# nightly status). ``Membership.is_active`` / ``.withholds`` read these tables in Python and
# ``MembershipQuerySet.active()`` / ``.withholding()`` in SQL, so a page, the filing path and
# the queue cannot answer differently. How rows combine for one item (a type's own row, then
# the overall one; a partner's overall row) is ``good_faith.selectors``.
#
# Active: this row grants the fast track for its scope.
ROW_ACTIVE = (
    (_Is("override", ManualOverride.GRANTED), True),
    (_Is("override", ManualOverride.REVOKED), False),
    (_Is("status", MembershipStatus.MEMBER), True),
)
# Withholds: this row says no, so the overall membership does not cover its type (and a
# partner's overall row takes its vetting privilege away): revoked by staff, suspended
# (cooling off), or judged on enough items of its own and not qualifying. A row not judged
# yet says nothing: a type with too few items of its own rides on the overall record.
ROW_WITHHOLDS = (
    (_Is("override", ManualOverride.REVOKED), True),
    (_Is("override", ManualOverride.GRANTED), False),
    (_Is("status", MembershipStatus.MEMBER), False),
    (_Is("status", MembershipStatus.SUSPENDED), True),
    (_JudgedOnItsOwn(), True),
)


def _row_answer(rules, row):
    for condition, answer in rules:
        if condition.holds(row):
            return answer
    return False


def _rows_answering_yes(rules):
    """The Q that selects exactly the rows for which ``_row_answer(rules, row)`` is True."""
    yes, earlier = [], Q()
    for condition, answer in rules:
        if answer:
            yes.append(earlier & condition.q())
        earlier &= ~condition.q()
    return reduce(or_, yes)


class MembershipQuerySet(models.QuerySet):
    def active(self):
        """Rows that grant the fast track for their scope (``Membership.is_active`` in SQL)."""
        return self.filter(_rows_answering_yes(ROW_ACTIVE))

    def withholding(self):
        """Rows that say no for their scope (``Membership.withholds`` in SQL)."""
        return self.filter(_rows_answering_yes(ROW_WITHHOLDS))


class Membership(models.Model):
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    partner = models.ForeignKey(
        "rights_holders.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    # Empty: the whole record; else one infringement type.
    infringement_type = models.CharField(
        max_length=20, choices=[(OVERALL, "All types"), *InfringementType.choices], blank=True, default=OVERALL
    )
    # Moves only through good_faith.membership.
    status = models.CharField(max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.NOT_MEMBER)
    status_changed_at = models.DateTimeField(default=timezone.now)
    member_since = models.DateTimeField(null=True, blank=True)
    # A subject that fell out may qualify again only after this instant.
    cooling_off_until = models.DateTimeField(null=True, blank=True)
    # A staff decision holds across nightly runs until staff lift it.
    override = models.CharField(max_length=10, choices=ManualOverride.choices, blank=True, default=ManualOverride.NONE)
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    last_figures = models.JSONField(default=dict, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["rights_holder", "partner", "infringement_type"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rights_holder__isnull=False, partner__isnull=True)
                | models.Q(rights_holder__isnull=True, partner__isnull=False),
                name="membership_one_subject",
            ),
            models.UniqueConstraint(
                fields=["rights_holder", "infringement_type"],
                condition=models.Q(rights_holder__isnull=False),
                name="membership_unique_holder_scope",
            ),
            models.UniqueConstraint(
                fields=["partner", "infringement_type"],
                condition=models.Q(partner__isnull=False),
                name="membership_unique_partner_scope",
            ),
        ]

    def __str__(self):
        subject = self.rights_holder or self.partner
        scope = InfringementType(self.infringement_type).label if self.infringement_type else "all types"
        return f"{subject} ({scope}): {self.get_status_display()}"

    @property
    def is_active(self):
        """Whether this row grants the fast track for its scope now (``ROW_ACTIVE``)."""
        return _row_answer(ROW_ACTIVE, self)

    @property
    def withholds(self):
        """Whether this row says no for its scope (``ROW_WITHHOLDS``)."""
        return _row_answer(ROW_WITHHOLDS, self)


@pgtrigger.register(
    pgtrigger.Protect(name="membership_change_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class MembershipChange(models.Model):
    """Why a membership moved: the nightly figures, or a staff decision with its reason. Append-only."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    cause = models.CharField(max_length=20)  # nightly, granted, revoked, override_lifted
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    figures = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["membership", "at", "id"]

    def __str__(self):
        return f"{self.membership}: {self.from_status or '-'} -> {self.to_status} ({self.cause})"


class QualityAuditStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a reviewer")
    CONFIRMED = "confirmed", _("Takedown confirmed")
    REVERSED = "reversed", _("Takedown reversed")


class QualityAudit(models.Model):
    """A fast-track takedown drawn at random for a reviewer to check afterwards."""

    item = models.OneToOneField("takedowns.NoticeItem", on_delete=models.PROTECT, related_name="quality_audit")
    selected_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    # Moves only through good_faith.audits.
    status = models.CharField(max_length=20, choices=QualityAuditStatus.choices, default=QualityAuditStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="quality_audit_queue_idx")]

    def __str__(self):
        return f"Audit of item {self.item_id} ({self.get_status_display().lower()})"


class QualityAuditClaim(WorkClaim):
    """A reviewer's claim on a quality audit while deciding it (``good_faith.audits``, through ``portal.claims``)."""

    audit = models.OneToOneField(QualityAudit, on_delete=models.CASCADE, related_name="claim")

    def __str__(self):
        return f"Claim on the audit {self.audit_id} by {self.reviewer_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class MisuseMeasureKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    SUSPENSION = "suspension", _("Filing suspension")


class MisuseMeasureStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    APPEALED = "appealed", _("Appealed, waiting for a senior reviewer")
    UPHELD_ON_APPEAL = "upheld_on_appeal", _("Confirmed on appeal")
    LIFTED = "lifted", _("Lifted on appeal")


class MisuseMeasure(models.Model):
    """A warning or a filing suspension for manifestly unfounded notices (DSA article 23)."""

    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="misuse_measures")
    kind = models.CharField(max_length=20, choices=MisuseMeasureKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField(default=dict, blank=True)
    # The statement of reasons (DSA article 17/23): facts, ground, duration, redress.
    statement = models.TextField()
    suspension = models.OneToOneField(
        "takedowns.FilingSuspension", on_delete=models.PROTECT, null=True, blank=True, related_name="misuse_measure"
    )
    status = models.CharField(max_length=20, choices=MisuseMeasureStatus.choices, default=MisuseMeasureStatus.IN_FORCE)
    appeal_statement = models.TextField(blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.organisation}"
