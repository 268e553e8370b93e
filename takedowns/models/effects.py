"""Consequences of a decision as rows, carried out after commit by tasks."""

from django.db import models
from django.utils import timezone

from takedowns.models.items import NoticeItem


class EffectKind(models.TextChoices):
    DELIST = "delist", "Take the listing down"
    REINSTATE = "reinstate", "Reinstate the listing"
    MARK_UNDER_COMPLAINT = "mark_under_complaint", "Mark the listing under complaint"
    PENALISE = "penalise", "Apply the penalty ladder"
    REVERSE_PENALTY = "reverse_penalty", "Remove the penalty"
    REIMBURSE = "reimburse", "Record buyer reimbursements"
    NOTIFY = "notify", "Notify the parties"


class EffectStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    # A dead letter: every attempt failed; it waits for a person (admin or staff page "retry").
    FAILED = "failed", "Failed (gave up; waiting for a retry by staff)"


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
    # behind is a worker that died mid-effect, counted as a failed attempt (takedowns.effects._claim).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set after a failed attempt: not run again before then. Empty: due now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # When it was given up (status FAILED).
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "kind", "key"], name="effect_unique_item_kind_key")]
        indexes = [models.Index(fields=["status", "dispatched_at"], name="effect_pending_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} for item {self.item_id} ({self.status})"
