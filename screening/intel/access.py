"""Who may feed a brand's intelligence: the people who act for it (its own staff and owners, agent firms
holding a valid letter: ``rights_holders.scoping.rights_holder_ids_visible_to``). Anyone else is told the
object does not exist (404), exactly as for a missing one."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from rights_holders.models import IPAsset, RightsHolder, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to


def holders_fed_by(user):
    """The rights holders whose intelligence ``user`` may read and add to."""
    return RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(user)).order_by("legal_name", "pk")


def holder_for(user, pk):
    return get_object_or_404(holders_fed_by(user), pk=pk)


def verified_assets_of(holder):
    return IPAsset.objects.filter(rights_holder=holder, verification_status=VerificationStatus.VERIFIED).order_by(
        "name", "pk"
    )


def actor_check(actor, rights_holder_id):
    """Services check again what the views checked: a caller that skips the view is refused."""
    if actor is None or rights_holder_id not in rights_holder_ids_visible_to(actor):
        raise PermissionDenied("Only the people who act for this brand may change what it tells screening.")
