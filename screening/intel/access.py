"""Who may see and who may feed a brand's intelligence.

The people who act for a brand (its own staff and owners, agent firms holding a valid letter:
``rights_holders.scoping.rights_holder_ids_visible_to``) read it and add to it. Platform staff read every
brand's, for audit, as they read every brand's screening page and precision report, but change none: what a
brand tells screening is the brand's word. Anyone else is told the object does not exist (404), exactly as
for a missing one; staff who try to change a brand's intelligence are refused (403).
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from rights_holders.models import IPAsset, RightsHolder, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to, rights_holders_readable_by

READ_ONLY_TEXT = gettext_lazy("Only the people who act for this brand may change what it tells screening.")


def holders_fed_by(user):
    """The rights holders whose intelligence ``user`` may read and add to."""
    return RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(user)).order_by("legal_name", "pk")


def holder_may_feed(user, holder):
    return holder.pk in rights_holder_ids_visible_to(user)


def holder_for_reading(user, pk):
    return get_object_or_404(rights_holders_readable_by(user), pk=pk)


def holder_for(user, pk):
    """The brand ``user`` changes the intelligence of: 404 for a brand they may not see, 403 for staff."""
    holder = holder_for_reading(user, pk)
    if not holder_may_feed(user, holder):
        raise PermissionDenied(READ_ONLY_TEXT)
    return holder


def verified_assets_of(holder):
    return IPAsset.objects.filter(rights_holder=holder, verification_status=VerificationStatus.VERIFIED).order_by(
        "name", "pk"
    )


def actor_check(actor, rights_holder_id):
    """Services check again what the views checked: a caller that skips the view is refused."""
    if actor is None or rights_holder_id not in rights_holder_ids_visible_to(actor):
        raise PermissionDenied(READ_ONLY_TEXT)
