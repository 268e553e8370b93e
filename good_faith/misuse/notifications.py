"""A measure's in-app notifications to every member of the organisation, e-mailed after commit."""

from django.db import transaction
from django.utils import translation

from portal.i18n import user_language
from portal.models import Membership
from takedowns.models import Notification
from takedowns.notifications.delivery import absolute_url, notification_emails_send, path_or_blank


def measure_notify(measure, *, source, subject, body):
    # ``subject`` and ``body`` may be lazy (portal.i18n.text_later): each member reads them in their language.
    """Every active member of the organisation (persons, not API keys): the measure concerns all who file for it.

    Rows are written in the caller's transaction, once per (member, source); e-mails go
    out after commit through the takedowns delivery, which claims each row before sending.
    """
    url = path_or_blank("good_faith:misuse")
    page = absolute_url(url)
    to_email = []
    memberships = Membership.objects.people().filter(organisation_id=measure.organisation_id, user__is_active=True)
    for membership in memberships.select_related("user").order_by("user_id"):
        with translation.override(user_language(membership.user)):
            subject_text, text = str(subject)[:200], str(body)
        row, _ = Notification.objects.get_or_create(
            recipient=membership.user,
            source=f"misuse-{measure.pk}-{source}",
            defaults={
                "organisation_id": measure.organisation_id,
                "subject": subject_text,
                "body": f"{text}\n\n{page}" if page else text,
                "url": url,
            },
        )
        if row.emailed_at is None and membership.user.email:
            to_email.append(row.pk)
    if to_email:
        transaction.on_commit(lambda: notification_emails_send(to_email))
