"""Consequences of a decision as rows, carried out after commit by tasks."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.models.items import NoticeItem


class EffectKind(models.TextChoices):
    DELIST = "delist", _("Take the listing down")
    REINSTATE = "reinstate", _("Reinstate the listing")
    MARK_UNDER_COMPLAINT = "mark_under_complaint", _("Mark the listing under complaint")
    PENALISE = "penalise", _("Apply the penalty ladder")
    REVERSE_PENALTY = "reverse_penalty", _("Remove the penalty")
    REIMBURSE = "reimburse", _("Record buyer reimbursements")
    NOTIFY = "notify", _("Notify the parties")


class EffectStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    # A dead letter: every attempt failed; it waits for a person (admin or staff page "retry").
    FAILED = "failed", _("Failed (gave up; waiting for a retry by staff)")


class Effect(models.Model):
    """A consequence of a move, written in the move's transaction, carried out by a task.

    The sweeper re-sends pending effects whose task was lost. Unique per
    (item, kind, key): re-running a move or a task cannot make a second one.
    A failed attempt counts in ``attempts`` and waits until ``next_attempt_at``
    (exponential back-off); after ``TAKEDOWN_EFFECT_MAX_ATTEMPTS`` it is FAILED.
    """

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="effects")
    kind = models.CharField(max_length=30, choices=EffectKind.choices)
    # Distinguishes effects of the same kind for one item: the decision generation, or the event id
    # for notifications.
    key = models.CharField(max_length=60, default="")
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=EffectStatus.choices, default=EffectStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A dispatch in flight: the sweeper re-sends only effects not dispatched recently.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim, committed before the handler runs and cleared when the attempt ends: one left
    # behind is a worker that died mid-effect, counted as a failed attempt (takedowns.effects.runner._claim).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set after a failed attempt: not run again before then. Empty: due now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # When it was given up (status FAILED).
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "kind", "key"], name="effect_unique_item_kind_key")]
        # Partial: each holds the few rows one query looks for (pending ones with a time, the dead
        # letters), never the done effects that make up nearly all of the table. None of them
        # serves a batch's claim, which goes by item (the item index): with statistics taken when
        # few effects were pending (before a sweep wrote a hundred thousand), the planner would
        # otherwise pick an index of all pending rows and read every one of them for each claim.
        indexes = [
            # Re-sending: never sent and not backing off, by age (effects_resend_stale).
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending", dispatched_at__isnull=True, next_attempt_at__isnull=True),
                name="effect_unsent_idx",
            ),
            # Re-sending: sent, by when.
            models.Index(
                fields=["dispatched_at"],
                condition=Q(status="pending", dispatched_at__isnull=False),
                name="effect_sent_idx",
            ),
            # Re-sending: backing off after a failed attempt, by when it is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending", next_attempt_at__isnull=False),
                name="effect_retry_idx",
            ),
            # Dead letters: the staff page (newest first), the admin and /health/.
            models.Index(fields=["failed_at"], condition=Q(status="failed"), name="effect_failed_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for item {self.item_id} ({self.status})"
