"""Notices, their items, the item lifecycle's history, and every consequence as a row.

Status fields move only through ``takedowns.lifecycle`` (items) and
``takedowns.appeals``; consequences (delisting, penalties, reimbursements,
notifications) are ``Effect`` rows written in the decision's own transaction
and carried out by tasks afterwards, so a lost message cannot lose work.
"""

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Organisation
from portal.scoping import organisation_ids_of
from rights_holders.scoping import rights_holder_ids_visible_to


class Channel(models.TextChoices):
    WEB = "web", "Web form"
    BULK = "bulk", "Bulk file"
    API = "api", "API"
    PROACTIVE = "proactive", "Proactive screening"


class Track(models.TextChoices):
    STANDARD = "standard", "Standard"
    FAST = "fast", "Fast track"


class InfringementType(models.TextChoices):
    COUNTERFEIT = "counterfeit", "Counterfeit"
    TRADEMARK_MISUSE = "trademark_misuse", "Trademark misuse"
    COPYRIGHT = "copyright", "Copyright"
    DESIGN = "design", "Design"
    PATENT = "patent", "Patent"
    OTHER = "other", "Other"


class ItemStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    INVALID = "invalid", "Invalid"
    PENDING_REVIEW = "pending_review", "Waiting for review"
    REJECTED = "rejected", "Rejected"
    AWAITING_COUNTER_NOTICE = "awaiting_counter_notice", "Awaiting counter-notice"
    COUNTER_NOTICED = "counter_noticed", "Counter-noticed"
    PENDING_ADJUDICATION = "pending_adjudication", "Waiting for adjudication"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"
    WITHDRAWN = "withdrawn", "Withdrawn"


FINAL_STATUSES = frozenset(
    {ItemStatus.INVALID, ItemStatus.REJECTED, ItemStatus.UPHELD, ItemStatus.DISMISSED, ItemStatus.WITHDRAWN}
)
OPEN_STATUSES = frozenset(set(ItemStatus) - FINAL_STATUSES)
# Statuses a reviewer must act on; each is due SLA hours after it entered the queue.
QUEUE_STATUSES = frozenset({ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION})


# An item returned to the filer as invalid never reached the merchant: the merchant's side never sees it.
REACHED_MERCHANT_STATUSES = frozenset(set(ItemStatus) - {ItemStatus.INVALID})


def holder_side_q(user, notice_path=""):
    """Notices on whose rights-holder side the user stands (one rule for pages, verbs and appeals).

    The brand's own staff and agent firms holding a valid letter of authorisation for the brand; a
    partner's people for the notices the partner vetted and filed. Belonging to the organisation
    recorded as the filer is not enough on its own: without a letter it gives no authority.
    """
    p = notice_path
    return models.Q(**{f"{p}rights_holder_id__in": rights_holder_ids_visible_to(user)}) | models.Q(
        **{f"{p}partner__isnull": False, f"{p}filer_organisation_id__in": organisation_ids_of(user)}
    )


def notice_holder_side(notice, user):
    """``holder_side_q`` for one notice already in memory: no query beyond the user's cached memberships."""
    if user is None or not user.is_authenticated:
        return False
    if notice.rights_holder_id in rights_holder_ids_visible_to(user):
        return True
    return notice.partner_id is not None and notice.filer_organisation_id in organisation_ids_of(user)


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The holder's side sees its notices; merchants see notices naming their listings that reached them."""
        if user.is_platform_staff:
            return self
        return self.filter(
            holder_side_q(user)
            | models.Q(
                items__listing__store__merchant__organisation_id__in=organisation_ids_of(user),
                items__status__in=REACHED_MERCHANT_STATUSES,
            )
        ).distinct()


class Notice(models.Model):
    """A complaint: one filer, one rights holder, one or more items.

    The contact fields and declarations are what DMCA 512(c)(3) and DSA
    article 16 require of a notice.
    """

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rights_holder = models.ForeignKey("rights_holders.RightsHolder", on_delete=models.PROTECT, related_name="notices")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="notices_filed"
    )
    # The organisation that filed: the holder itself, an agent, a partner; empty for proactive notices.
    filer_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="notices_filed"
    )
    partner = models.ForeignKey(
        "rights_holders.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    track = models.CharField(max_length=20, choices=Track.choices, default=Track.STANDARD)
    track_reason = models.CharField(max_length=300, blank=True)

    filer_name = models.CharField(max_length=200)
    filer_address = models.CharField(max_length=400)
    filer_phone = models.CharField(max_length=40)
    filer_email = models.EmailField()
    signature = models.CharField(max_length=200, help_text="The filer's full name, typed as a signature.")
    signed_at = models.DateTimeField()
    good_faith_statement = models.BooleanField(
        default=False,
        help_text="The filer believes in good faith that the use is not authorised by the owner, its agent or law.",
    )
    accuracy_statement = models.BooleanField(default=False, help_text="The information in the notice is accurate.")
    authority_statement = models.BooleanField(
        default=False, help_text="Under penalty of perjury, the filer is authorised to act for the rights holder."
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"Notice {str(self.reference)[:8]} by {self.rights_holder}"


_ITEM_STATUS_LABELS = dict(ItemStatus.choices)


class NoticeItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The holder's side sees its items; a merchant sees the items naming its listings that reached it.

        A lookup by id uses this very rule, so an item a merchant's lists leave out answers 404 like a
        missing one.
        """
        if user.is_platform_staff:
            return self
        return self.filter(holder_side_q(user, "notice__") | self.merchant_side_q(organisation_ids_of(user)))

    @staticmethod
    def merchant_side_q(organisation_ids):
        return models.Q(
            listing__store__merchant__organisation_id__in=organisation_ids, status__in=REACHED_MERCHANT_STATUSES
        )

    def of_merchants(self, organisation_ids):
        """Items naming these merchant organisations' listings, as the merchant's side sees them."""
        return self.filter(self.merchant_side_q(organisation_ids))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def review_queue(self):
        return self.filter(status__in=QUEUE_STATUSES).order_by("review_due_at", "id")


class NoticeItem(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    listing = models.ForeignKey("listings.Listing", on_delete=models.PROTECT, related_name="notice_items")
    ip_asset = models.ForeignKey("rights_holders.IPAsset", on_delete=models.PROTECT, related_name="notice_items")
    infringement_type = models.CharField(max_length=20, choices=InfringementType.choices)
    explanation = models.TextField()
    test_buy_order_number = models.CharField(max_length=100, blank=True)
    test_buy_report = models.TextField(blank=True)

    # Moves only through takedowns.lifecycle.
    status = models.CharField(max_length=30, choices=ItemStatus.choices, default=ItemStatus.SUBMITTED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Bumped by every move; lets set-based code and tests see lost updates.
    version = models.PositiveIntegerField(default=0)
    track = models.CharField(max_length=20, choices=Track.choices, default=Track.STANDARD)
    # Set when the listing's store is on the holder's authorised list: flagged, reviewed, never fast-tracked.
    authorised_store_flag = models.BooleanField(default=False)
    invalid_reason = models.TextField(blank=True)
    # Absolute UTC instants (STYLE.md habit 13).
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the counter-notice window opened.")
    counter_notice_deadline = models.DateTimeField(null=True, blank=True)
    reply_deadline = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When it entered the reviewer queue.")
    review_due_at = models.DateTimeField(null=True, blank=True)
    # Whether the listing was taken down by this item (fast track or upheld): withdrawal reinstates it.
    took_down_listing = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When the item reached a final status.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="items_decided"
    )
    automated_decision = models.BooleanField(default=False)
    # Track-record facts (good_faith): a rejection a reviewer found manifestly unfounded (DSA
    # article 23), and a takedown later reversed against the filer (appeal or quality audit).
    manifestly_unfounded = models.BooleanField(default=False)
    reversed_against_filer = models.BooleanField(default=False)
    # Each final decision (the first, then one per appeal outcome) is a new generation;
    # effects are unique per (item, kind, generation).
    decision_generation = models.PositiveIntegerField(default=0)

    objects = NoticeItemQuerySet.as_manager()

    class Meta:
        ordering = ["notice", "id"]
        constraints = [
            # An item is open once per listing and asset; the validator points to the existing one.
            models.UniqueConstraint(
                fields=["listing", "ip_asset"],
                condition=models.Q(
                    status__in=[
                        "submitted",
                        "pending_review",
                        "awaiting_counter_notice",
                        "counter_noticed",
                        "pending_adjudication",
                    ]
                ),
                name="notice_item_one_open_per_listing_asset",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "counter_notice_deadline"], name="item_cn_deadline_idx"),
            models.Index(fields=["status", "reply_deadline"], name="item_reply_deadline_idx"),
            models.Index(fields=["status", "review_due_at"], name="item_queue_idx"),
        ]

    def __str__(self):
        # Not get_status_display(), which rebuilds the choices on every call: the sweep names every item.
        return f"Item {self.pk} ({_ITEM_STATUS_LABELS.get(self.status, self.status)})"

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES


@pgtrigger.register(
    pgtrigger.Protect(name="item_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class ItemEvent(models.Model):
    """One move of an item: who, when, why, from and to. Append-only; both sides read it."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "system" for the sweeper and tasks, "screening" for proactive notices, else the username.
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=60)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["item", "at", "id"]
        # The service-level report reads queue entries and exits by status and time.
        indexes = [models.Index(fields=["to_status", "at"], name="item_event_status_at_idx")]

    def __str__(self):
        return f"{self.action}: {self.from_status or '-'} -> {self.to_status}"


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(item__in=NoticeItem.objects.visible_to(user))


class Evidence(models.Model):
    """A file supporting a notice item (validated by portal.uploads)."""

    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="evidence/", max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EvidenceQuerySet.as_manager()

    def __str__(self):
        return self.original_name or self.file.name


class CounterNotice(models.Model):
    """The merchant's answer, inside the window. DMCA 512(g)(3) fields apply to copyright items."""

    item = models.OneToOneField(NoticeItem, on_delete=models.PROTECT, related_name="counter_notice")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField()
    signature = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    accuracy_statement = models.BooleanField(default=False)
    # Copyright (DMCA 512(g)(3)).
    good_faith_mistake_statement = models.BooleanField(
        default=False,
        help_text="Under penalty of perjury: the material was removed as a result of mistake or misidentification.",
    )
    consent_to_jurisdiction = models.BooleanField(default=False)
    consent_to_service = models.BooleanField(default=False)
    # Private contact data: shown to the rights holder only where the law requires it (copyright).
    contact_name = models.CharField(max_length=200)
    contact_address = models.CharField(max_length=400)
    contact_phone = models.CharField(max_length=40)
    contact_email = models.EmailField()
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Counter-notice on item {self.item_id}"


class CounterNoticeEvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(counter_notice__item__in=NoticeItem.objects.visible_to(user))


class CounterNoticeEvidence(models.Model):
    counter_notice = models.ForeignKey(CounterNotice, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="counter-evidence/", max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CounterNoticeEvidenceQuerySet.as_manager()

    def __str__(self):
        return self.original_name or self.file.name


class RightsHolderReply(models.Model):
    item = models.OneToOneField(NoticeItem, on_delete=models.PROTECT, related_name="reply")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Reply on item {self.item_id}"


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"
    REJECTED = "rejected", "Rejected"


class CannedReason(models.Model):
    """A reviewer picks one and edits it."""

    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    title = models.CharField(max_length=120)
    text = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["outcome", "title"]
        constraints = [models.UniqueConstraint(fields=["outcome", "title"], name="canned_reason_unique_title")]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.title}"


class RestrictionKind(models.TextChoices):
    """What was restricted; maps to the DSA Transparency Database's decision_* fields."""

    LISTING_REMOVED = "listing_removed", "Listing removed"
    LISTING_RESTORED = "listing_restored", "Listing restored"
    STORE_WARNING = "store_warning", "Warning to the store"
    STORE_RESTRICTED = "store_restricted", "Store may not add listings"
    STORE_CLOSED = "store_closed", "Store closed, deposit confiscated"
    MERCHANT_BANNED = "merchant_banned", "Merchant permanently banned"
    NONE = "none", "No restriction"


class StatementOfReasons(models.Model):
    """DSA article 17: every decision that restricts a listing or a store carries one."""

    puid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="statements")
    decision_generation = models.PositiveIntegerField(default=0)
    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="statements")
    restriction = models.CharField(max_length=30, choices=RestrictionKind.choices)
    restriction_ends_at = models.DateTimeField(null=True, blank=True)
    infringement_type = models.CharField(max_length=20, choices=InfringementType.choices)
    ground = models.TextField(help_text="The legal or contractual ground: which right, which infringement.")
    facts = models.TextField(help_text="The facts and circumstances relied on.")
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.BooleanField(default=False)
    redress = models.TextField()
    source_type = models.CharField(max_length=40, default="SOURCE_ARTICLE_16")
    content_created_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "decision_generation", "restriction"], name="statement_unique_per_decision"
            )
        ]

    def __str__(self):
        return f"Statement of reasons {str(self.puid)[:8]} ({self.get_restriction_display()})"


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


class FilingSuspension(models.Model):
    """A rights holder organisation barred from filing for a period (misuse, DSA article 23)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="filing_suspensions")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.organisation} suspended from filing until {self.ends_at:%Y-%m-%d}"


class AppealSide(models.TextChoices):
    RIGHTS_HOLDER = "rights_holder", "Rights holder"
    MERCHANT = "merchant", "Merchant"


class AppealStatus(models.TextChoices):
    OPEN = "open", "Waiting for a senior reviewer"
    CONFIRMED = "confirmed", "Decision confirmed"
    REVERSED = "reversed", "Decision reversed"
    MOOT = "moot", "Closed: the decision under appeal changed"


class Appeal(models.Model):
    """An internal complaint against a final decision (DSA article 20), open for six months."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="appeals")
    decision_generation = models.PositiveIntegerField()
    side = models.CharField(max_length=20, choices=AppealSide.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField()
    filed_at = models.DateTimeField(default=timezone.now)
    # Moves only through takedowns.appeals.
    status = models.CharField(max_length=20, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        constraints = [
            # One appeal per side per decision.
            models.UniqueConstraint(fields=["item", "decision_generation", "side"], name="appeal_unique_per_side"),
        ]

    def __str__(self):
        return f"Appeal by {self.get_side_display().lower()} on item {self.item_id} ({self.status})"


class Notification(models.Model):
    """An in-app notification; the same text goes out by e-mail after commit."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The event or effect that caused it: (recipient, source) is unique so a re-run sends nothing twice.
    source = models.CharField(max_length=80)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the mail server took the e-mail. A sender first claims the row until
    # email_claimed_until; a sender killed before marking leaves a claim that expires.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "source"], name="notification_unique_per_source"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.subject


# --- Penalties -------------------------------------------------------------


class Penalty(models.Model):
    """Points awarded to a store for one upheld item. At most one live penalty per item."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="penalties")
    decision_generation = models.PositiveIntegerField(default=0)
    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="penalties")
    ip_asset = models.ForeignKey("rights_holders.IPAsset", on_delete=models.PROTECT, related_name="+")
    infringement_type = models.CharField(max_length=20, choices=InfringementType.choices)
    points = models.PositiveSmallIntegerField()
    awarded_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # A reversed decision removes the penalty: its points and sanctions stop counting.
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "decision_generation"], name="penalty_once_per_decision"),
        ]
        indexes = [models.Index(fields=["store", "expires_at"], name="penalty_store_live_idx")]

    def __str__(self):
        return f"{self.points} points to {self.store} for item {self.item_id}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", "Warning"
    RESTRICTION = "restriction", "Listing restriction"
    CLOSURE = "closure", "Store closed, deposit confiscated"
    BAN = "ban", "Permanent ban of the merchant"


class Sanction(models.Model):
    """A step of the ladder reached by a store, caused by one penalty."""

    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="sanctions")
    penalty = models.ForeignKey(Penalty, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(max_length=20, choices=SanctionKind.choices)
    # Threshold reached (points), or "repeat" for the repeat-infringer rule.
    level = models.CharField(max_length=20)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    deposit_confiscated = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["penalty", "kind", "level"], name="sanction_once_per_penalty_level"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.store}"


class IdentityKind(models.TextChoices):
    LICENCE = "licence", "Business licence number"
    PHONE = "phone", "Contact phone"
    PAYOUT = "payout", "Payout account"


class BannedIdentity(models.Model):
    """A banned merchant's identifiers, as keyed hashes: re-registration with any of them is refused."""

    kind = models.CharField(max_length=10, choices=IdentityKind.choices)
    identity_hash = models.CharField(max_length=64)
    merchant = models.ForeignKey("listings.Merchant", on_delete=models.PROTECT, related_name="banned_identities")
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="banned_identities")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "identity_hash"],
                condition=models.Q(lifted_at__isnull=True),
                name="banned_identity_unique_live",
            ),
        ]

    def __str__(self):
        return f"Banned {self.get_kind_display().lower()} of {self.merchant}"


class PublicRegisterEntry(models.Model):
    """A store closed for counterfeiting, on the public register ("name and shame")."""

    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="register_entries")
    sanction = models.OneToOneField(Sanction, on_delete=models.PROTECT, related_name="register_entry")
    store_name = models.CharField(max_length=200)
    merchant_name = models.CharField(max_length=200)
    region = models.CharField(max_length=100)
    reason = models.TextField()
    listed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-listed_at"]
        verbose_name_plural = "public register entries"

    def __str__(self):
        return f"{self.store_name} (closed {self.listed_at:%Y-%m-%d})"


class Reimbursement(models.Model):
    """A buyer of an upheld counterfeit listing is owed the order amount."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="reimbursements")
    order = models.ForeignKey("listings.Order", on_delete=models.PROTECT, related_name="reimbursements")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(cancelled_at__isnull=True),
                name="reimbursement_once_per_order",
            ),
        ]

    def __str__(self):
        return f"Reimburse {self.amount} {self.currency} for order {self.order_id}"
