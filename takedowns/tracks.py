"""Which track a new item takes beyond partner vetting: the Good Faith programme's fast track.

``takedowns.notices.track_for`` has already sent items against a store on the
holder's authorised list, and partner-vetted items, their way; what is left
is membership. A rights holder that is an active Good Faith member for the
item's infringement type, or overall, has the listing taken down at once.
"""

from takedowns.models import InfringementType, Track
from takedowns.policies import policy

STANDARD_REASON = "Standard track: a reviewer checks the notice first."


def _active_membership(rights_holder_id, infringement_type):
    # good_faith builds on takedowns: it answers through the policy it registered.
    return policy("membership_active_for")(rights_holder_id=rights_holder_id, infringement_type=infringement_type)


def membership_reason(membership):
    scope = (
        f"for {InfringementType(membership.infringement_type).label.lower()}"
        if membership.infringement_type
        else "for all infringement types"
    )
    if membership.override == "granted":
        how = "granted by staff"
    elif membership.member_since:
        how = f"since {membership.member_since:%Y-%m-%d}"
    else:
        how = "active"
    return f"Good Faith member {scope} ({how}, membership {membership.pk}): fast track."


def track_extension(notice, item):
    """Fast track for an active member's item, standard otherwise; with the reason the item history shows.

    The answer is kept on the notice per infringement type: a notice of ten items asks once per type.
    """
    cache = notice.__dict__.setdefault("_good_faith_tracks", {})
    if item.infringement_type not in cache:
        membership = _active_membership(notice.rights_holder_id, item.infringement_type)
        if membership is None:
            cache[item.infringement_type] = (Track.STANDARD, STANDARD_REASON)
        else:
            cache[item.infringement_type] = (Track.FAST, membership_reason(membership))
    return cache[item.infringement_type]
