"""Telling an organisation's owners that one of its webhook subscriptions was disabled.

Through the portal's one notification mechanism (``takedowns.notifications``): an
in-app row per owner, written in the disabling transaction, e-mailed after commit.
"""

from django.utils.translation import gettext_lazy as _

from portal.i18n import text_later
from portal.models import Membership, MembershipRole
from portal.public_ids import encode
from takedowns.notifications.delivery import Message, notifications_write, path_or_blank
from takedowns.notifications.recipients import Recipient


def webhook_disabled_notify(subscription):
    owners = (
        Membership.objects.people()
        .filter(organisation_id=subscription.organisation_id, role=MembershipRole.OWNER, user__is_active=True)
        .select_related("user", "organisation")
        .order_by("user_id")
    )
    recipients = [Recipient(m.user, m.organisation) for m in owners]
    if not recipients:
        return []
    public_id = encode("whk", subscription.public_id)
    return notifications_write(
        [
            Message(
                template="webhook_disabled",
                subject=text_later(_("Webhook disabled: %(url)s"), url=subscription.url[:120]),
                recipients=recipients,
                extra={"subscription": subscription, "public_id": public_id, "reason": subscription.disabled_reason},
            )
        ],
        source=f"webhook-{subscription.pk}-disabled-{subscription.disabled_at:%Y%m%d%H%M%S%f}",
        url=path_or_blank("webhooks:detail", public_id),
    )
