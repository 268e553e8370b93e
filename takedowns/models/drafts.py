"""A notice in progress (the filing page's draft), and a merchant's counter-notice in progress: kept on the server
so they survive reloads and errors.

One draft per person and role (the organisation that files and the brand it files for). Its rows
name listings as the filer typed or picked them; nothing is checked until review, where the same
rules as the filing itself are asked (``takedowns.drafts``). Evidence files are stored with their
row at once, so a page that comes back with an error keeps them; removing a row, discarding the
draft, filing it, or its expiry (``NOTICE_DRAFT_EXPIRE_DAYS`` without a change) deletes the files.

A counter-notice in progress holds only its evidence files (the form's text comes back with the form): one
per person and item, deleted with its files when the counter-notice is filed, and by the hourly expiry when
it is left unchanged as long or its item no longer awaits a counter-notice (``takedowns.counter_notice_drafts``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Organisation
from rights_holders.models import IPAsset, RightsHolder
from takedowns.models.items import NoticeItem


class DraftFile(models.Model):
    """A file validated by portal.uploads (``upload_row_save``) and kept with a draft until it is filed or dropped."""

    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self):
        return self.original_name or self.file.name


class NoticeDraftQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(user_id=user.pk) if user.is_authenticated else self.none()


class NoticeDraft(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    rights_holder = models.ForeignKey(RightsHolder, on_delete=models.CASCADE, related_name="+")
    filer_name = models.CharField(max_length=200, blank=True)
    filer_address = models.CharField(max_length=400, blank=True)
    filer_phone = models.CharField(max_length=40, blank=True)
    filer_email = models.CharField(max_length=254, blank=True)
    signature = models.CharField(max_length=200, blank=True)
    good_faith_statement = models.BooleanField(default=False)
    accuracy_statement = models.BooleanField(default=False)
    authority_statement = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = NoticeDraftQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "rights_holder"], name="notice_draft_one_per_role")
        ]

    def __str__(self):
        return f"Draft of {self.user_id} for {self.rights_holder_id}"


class NoticeDraftItem(models.Model):
    draft = models.ForeignKey(NoticeDraft, on_delete=models.CASCADE, related_name="items")
    listing_ref = models.CharField(max_length=64, blank=True)
    ip_asset = models.ForeignKey(IPAsset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    infringement_type = models.CharField(max_length=30, blank=True)
    explanation = models.TextField(blank=True)
    test_buy_order_number = models.CharField(max_length=100, blank=True)
    test_buy_report = models.TextField(blank=True)
    # The filer saw that the listing's store is on the brand's authorised list and files anyway.
    authorised_store_confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Draft row {self.pk}: {self.listing_ref}"


class NoticeDraftEvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(item__draft__in=NoticeDraft.objects.visible_to(user))


class NoticeDraftEvidence(DraftFile):
    """Evidence of a draft row, until the notice is filed."""

    item = models.ForeignKey(NoticeDraftItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="notice-drafts/", max_length=255)

    objects = NoticeDraftEvidenceQuerySet.as_manager()

    class Meta(DraftFile.Meta):
        pass


class CounterNoticeDraftQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(user_id=user.pk) if user.is_authenticated else self.none()


class CounterNoticeDraft(models.Model):
    """A merchant's counter-notice in progress on ``item``: the evidence files it keeps (``evidence``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CounterNoticeDraftQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="counter_notice_draft_one_per_item"),
        ]

    def __str__(self):
        return f"Counter-notice draft of {self.user_id} on item {self.item_id}"


class CounterNoticeDraftEvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(draft__in=CounterNoticeDraft.objects.visible_to(user))


class CounterNoticeDraftEvidence(DraftFile):
    """Evidence kept for a counter-notice in progress: its uploader's own until the counter-notice is filed."""

    draft = models.ForeignKey(CounterNoticeDraft, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="counter-notice-drafts/", max_length=255)

    objects = CounterNoticeDraftEvidenceQuerySet.as_manager()

    class Meta(DraftFile.Meta):
        pass
