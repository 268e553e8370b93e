"""Which track a new item takes beyond partner vetting: the Good Faith programme's fast track.

``takedowns.notices.track_for`` (``takedowns/notices/track_choice.py``) has already sent items against a store on the
holder's authorised list, and partner-vetted items, their way; what is left
is membership. A rights holder that is an active Good Faith member for the
item's infringement type, or overall, has the listing taken down at once.
"""

from portal.i18n import in_records_language
from takedowns.models import InfringementType, Track
from takedowns.policies import policy
from takedowns.recorded import event_reasons

STANDARD_REASON = event_reasons.STANDARD_TRACK


def _active_memberships(rights_holder_id, infringement_types):
    # good_faith builds on takedowns: it answers through the policy it registered.
    return policy("memberships_active_for")(rights_holder_id=rights_holder_id, infringement_types=infringement_types)


def membership_reason(membership):
    """The fast track's reason for a member's item (a record: English, read anew on a page)."""
    if membership.infringement_type:
        label = in_records_language(InfringementType(membership.infringement_type).label).lower()
        scope = event_reasons.MEMBER_SCOPE_TYPE % {"type": label}
    else:
        scope = event_reasons.MEMBER_SCOPE_ALL
    if membership.override == "granted":
        how = event_reasons.MEMBER_GRANTED
    elif membership.member_since:
        how = event_reasons.MEMBER_SINCE % {"date": f"{membership.member_since:%Y-%m-%d}"}
    else:
        how = event_reasons.MEMBER_ACTIVE
    return event_reasons.GOOD_FAITH_MEMBER % {"scope": scope, "how": how, "membership": membership.pk}


def tracks_prepare(notice, infringement_types):
    """Ask the programme about every one of these types at once (one query) and keep the answers on the notice.

    The filing path calls it with all the types a notice names before it routes the items, so a
    notice of ten items of four types asks once, not once per type.
    """
    cache = notice.__dict__.setdefault("_good_faith_tracks", {})
    missing = sorted(set(infringement_types) - cache.keys())
    if not missing:
        return
    for infringement_type, membership in _active_memberships(notice.rights_holder_id, missing).items():
        if membership is None:
            cache[infringement_type] = (Track.STANDARD, STANDARD_REASON)
        else:
            cache[infringement_type] = (Track.FAST, membership_reason(membership))


def track_extension(notice, item):
    """Fast track for an active member's item, standard otherwise; with the reason the item history shows.

    The answer is kept on the notice per infringement type (``tracks_prepare``).
    """
    tracks_prepare(notice, [item.infringement_type])
    return notice.__dict__["_good_faith_tracks"][item.infringement_type]
