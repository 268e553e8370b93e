"""What the parties put forward: the filer's evidence, the merchant's counter-notice and the holder's reply."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal import public_ids
from takedowns.models.items import NoticeItem


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
    # What the API shows (``cnt_…``).
    public_id = models.UUIDField(default=public_ids.uuid7, unique=True, editable=False)
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
