"""Which track a new item takes: standard, or fast (an authorised store never; proactive screening; a vetting
partner; Good Faith)."""

from takedowns.models import Channel, Track
from takedowns.policies import policy
from takedowns.recorded import event_reasons
from takedowns.tracks import track_extension, tracks_prepare

PROACTIVE_REASON = event_reasons.PROACTIVE


def track_for(notice, item):
    """Standard or fast track for a new item, with the reason (Good Faith extends this)."""
    if item.authorised_store_flag:
        return Track.STANDARD, event_reasons.AUTHORISED_STORE
    if notice.channel == Channel.PROACTIVE:
        # Only the platform files on this channel (platform_notice_submit), for a holder that opted in.
        return Track.FAST, PROACTIVE_REASON
    if _partner_vetting_active(notice):
        return Track.FAST, event_reasons.VETTED_BY % {"partner": notice.partner}
    return track_extension(notice, item)


def tracks_for(notice, items):
    """``track_for`` of each item, the Good Faith programme asked once for all their infringement types."""
    asked = {item.infringement_type for item in items if not item.authorised_store_flag}
    if asked and notice.channel != Channel.PROACTIVE and not _partner_vetting_active(notice):
        tracks_prepare(notice, asked)
    return [track_for(notice, item) for item in items]


def _partner_vetting_active(notice):
    """An approved partner that still holds the privilege and vets this holder. Asked once per notice."""
    if not notice.partner_id:
        return False
    cached = notice.__dict__.get("_partner_vetting_active")
    if cached is None:
        partner = notice.partner
        cached = bool(
            policy("partner_privilege_active")(partner)
            and partner.vetted_rights_holders.filter(pk=notice.rights_holder_id).exists()
        )
        notice.__dict__["_partner_vetting_active"] = cached
    return cached
