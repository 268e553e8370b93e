"""What one side of a complaint may read of the other (DOMAIN.md, "Who acts, and who sees what").

Both sides read an item's history, its counter-notice and its statements of
reasons, but not all of it: neither side sees the other's people or private
contact data, and the complainant sees the decision on its item and the facts
relied on, never the merchant's points or store sanctions. The item page and
the API ask these functions, so the two show exactly the same.
"""

from takedowns.models import AppealSide, InfringementType, RestrictionKind
from takedowns.recorded import actors

# Moves made by each side's people: the other side reads "the merchant" / "the rights holder".
MERCHANT_ACTIONS = frozenset({"counter_noticed"})
HOLDER_ACTIONS = frozenset({"submitted", "invalid", "withdrawn", "replied"})

# Statements about the listing itself; the others (warning, restriction, closure, ban) are the
# store's sanctions, for the merchant and staff only.
LISTING_RESTRICTIONS = frozenset(
    {RestrictionKind.LISTING_REMOVED, RestrictionKind.LISTING_RESTORED, RestrictionKind.NONE}
)


def event_actor_shown(event, side, is_staff):
    """Who made a move, as this viewer may see it: the other side's people are not named."""
    if is_staff or event.actor_id is None:
        return event.actor_label
    if event.action in MERCHANT_ACTIONS:
        return event.actor_label if side == AppealSide.MERCHANT else actors.THE_MERCHANT
    if event.action in HOLDER_ACTIONS:
        return event.actor_label if side == AppealSide.RIGHTS_HOLDER else actors.THE_RIGHTS_HOLDER
    return actors.A_PLATFORM_REVIEWER


def counter_notice_contact_visible(item, user, side):
    """The merchant's private contact data reaches the rights holder only where the law requires it.

    DMCA 512(g)(2)(C) has the platform pass a copyright counter-notice, contact details included, on to
    the complainant; for every other infringement type the holder reads the counter-notice without them.
    """
    if user.is_platform_staff or side == AppealSide.MERCHANT:
        return True
    return item.infringement_type == InfringementType.COPYRIGHT


def statements_for_complainant(statements):
    """The statements of reasons the complainant's side reads: those about the listing, none about the store."""
    return [s for s in statements if s.restriction in LISTING_RESTRICTIONS]


def statements_visible(statements, user, side):
    """The statements of reasons this viewer reads: the complainant's side only those about the listing."""
    if user.is_platform_staff or side == AppealSide.MERCHANT:
        return list(statements)
    return statements_for_complainant(statements)
