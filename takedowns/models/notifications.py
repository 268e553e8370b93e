"""In-app notifications (and their e-mails) to the people a decision concerns."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Organisation
from takedowns.models.items import NoticeItem


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
