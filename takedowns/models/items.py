"""Notices, their items and the items' history (the lifecycle's record)."""

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listings.models import Listing
from portal import public_ids
from portal.i18n import record_label
from portal.models import Organisation
from portal.scoping import organisation_ids_of
from rights_holders.scoping import rights_holder_ids_visible_to


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    BULK = "bulk", _("Bulk file")
    API = "api", _("API")
    PROACTIVE = "proactive", _("Proactive screening")


class Track(models.TextChoices):
    STANDARD = "standard", _("Standard")
    FAST = "fast", _("Fast track")


class InfringementType(models.TextChoices):
    COUNTERFEIT = "counterfeit", _("Counterfeit")
    TRADEMARK_MISUSE = "trademark_misuse", _("Trademark misuse")
    COPYRIGHT = "copyright", _("Copyright")
    DESIGN = "design", _("Design")
    PATENT = "patent", _("Patent")
    OTHER = "other", _("Other")


class ItemStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    INVALID = "invalid", _("Invalid")
    PENDING_REVIEW = "pending_review", _("Waiting for review")
    REJECTED = "rejected", _("Rejected")
    AWAITING_COUNTER_NOTICE = "awaiting_counter_notice", _("Awaiting counter-notice")
    COUNTER_NOTICED = "counter_noticed", _("Counter-noticed")
    PENDING_ADJUDICATION = "pending_adjudication", _("Waiting for adjudication")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


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
    return holder_side_of(
        user,
        rights_holder_id=notice.rights_holder_id,
        partner_id=notice.partner_id,
        filer_organisation_id=notice.filer_organisation_id,
    )


def holder_side_of(user, *, rights_holder_id, partner_id, filer_organisation_id):
    """``holder_side_q`` for a notice known by these ids (a page that keeps them rather than the notice)."""
    if user is None or not user.is_authenticated:
        return False
    if rights_holder_id in rights_holder_ids_visible_to(user):
        return True
    return partner_id is not None and filer_organisation_id in organisation_ids_of(user)


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The holder's side sees its notices; merchants see notices naming their listings that reached them."""
        if user.is_platform_staff:
            return self
        # The merchant's side as a subquery of items, not a join: a join gives a notice once per item, and
        # the DISTINCT that folds them back compares every column of every row (the list's count and page).
        merchant_notices = NoticeItem.objects.filter(
            NoticeItem.objects.merchant_side_q(organisation_ids_of(user))
        ).values("notice_id")
        return self.filter(holder_side_q(user) | models.Q(pk__in=merchant_notices))


class Notice(models.Model):
    """A complaint: one filer, one rights holder, one or more items.

    The contact fields and declarations are what DMCA 512(c)(3) and DSA
    article 16 require of a notice.
    """

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the API shows (``ntc_…``): time-ordered, leaks no count (portal.public_ids).
    public_id = models.UUIDField(default=public_ids.uuid7, unique=True, editable=False)
    rights_holder = models.ForeignKey("rights_holders.RightsHolder", on_delete=models.PROTECT, related_name="notices")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="notices_filed"
    )
    # The organisation that filed: the holder itself, an agent, a partner; the marketplace for proactive notices.
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
        # The merchants' listings as a subquery: joined, every item of a brand's list would be joined to its
        # listing, store and merchant only to be OR-ed with the brand's side.
        listings = Listing.objects.filter(store__merchant__organisation_id__in=organisation_ids).values("pk")
        return models.Q(listing_id__in=listings, status__in=REACHED_MERCHANT_STATUSES)

    def of_merchants(self, organisation_ids):
        """Items naming these merchant organisations' listings, as the merchant's side sees them."""
        return self.filter(self.merchant_side_q(organisation_ids))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def review_queue(self):
        return self.filter(status__in=QUEUE_STATUSES).order_by("review_due_at", "id")


class NoticeItem(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    # What the API shows (``itm_…``).
    public_id = models.UUIDField(default=public_ids.uuid7, unique=True, editable=False)
    listing = models.ForeignKey("listings.Listing", on_delete=models.PROTECT, related_name="notice_items")
    ip_asset = models.ForeignKey("rights_holders.IPAsset", on_delete=models.PROTECT, related_name="notice_items")
    infringement_type = models.CharField(max_length=20, choices=InfringementType.choices)
    explanation = models.TextField()
    test_buy_order_number = models.CharField(max_length=100, blank=True)
    test_buy_report = models.TextField(blank=True)
    # A proactive item's screening result (its public id), kept for audit: one item per result and
    # asset, so filing the same findings again files nothing (takedowns.proactive). Blank otherwise.
    screening_reference = models.CharField(max_length=64, blank=True)

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
            # A screening result files once per asset, even after its first item was decided.
            models.UniqueConstraint(
                fields=["screening_reference", "ip_asset"],
                condition=~models.Q(screening_reference=""),
                name="notice_item_one_per_screening_result_asset",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "counter_notice_deadline"], name="item_cn_deadline_idx"),
            models.Index(fields=["status", "reply_deadline"], name="item_reply_deadline_idx"),
            models.Index(fields=["status", "review_due_at"], name="item_queue_idx"),
            # The reviewer queue's page: its waiting items in due order (takedowns.workbench.queue_page_rows).
            models.Index(
                fields=["review_due_at"],
                condition=models.Q(status__in=sorted(QUEUE_STATUSES)),
                name="item_queue_due_idx",
            ),
        ]

    def __str__(self):
        # Audit entries name an item alike whoever acts; and not get_status_display(), which rebuilds the
        # choices on every call: the sweep names every item.
        return f"Item {self.pk} ({record_label(ItemStatus, self.status)})"

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
