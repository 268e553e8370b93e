"""The penalty ladder's words in the records: a store-level statement's facts and ground, and the public
register's reason for a closure (``takedowns.penalties.ladder`` writes them; ``takedowns.recorded`` reads them).
"""

from django.utils.translation import gettext_noop

from takedowns.models import InfringementType, RestrictionKind
from takedowns.recorded.registry import label_lower, recorded_register

# A store-level statement's facts, one line each: the upheld item and its points, how the store's points
# moved, the repeat-infringer count when it is reached, and what the restriction does.
ITEM_UPHELD = recorded_register(
    gettext_noop("Item %(item)s was upheld (%(type)s): %(points)s penalty points, expiring %(expires)s."),
    type=label_lower(InfringementType),
)
POINTS_WENT = recorded_register(gettext_noop("The store's live penalty points went from %(before)s to %(after)s."))
REPEAT_INFRINGER = recorded_register(
    gettext_noop(
        "This is the %(count)sth upheld counterfeit complaint about the same right within %(days)s days "
        "(repeat infringer)."
    )
)
RESTRICTION_TEXT = {
    RestrictionKind.STORE_WARNING: recorded_register(gettext_noop("The store receives a formal warning.")),
    RestrictionKind.STORE_RESTRICTED: recorded_register(
        gettext_noop("The store may not add new listings until %(ends)s.")
    ),
    RestrictionKind.STORE_CLOSED: recorded_register(
        gettext_noop("The store is closed and its security deposit of %(deposit)s is confiscated.")
    ),
    RestrictionKind.MERCHANT_BANNED: recorded_register(
        gettext_noop(
            "The merchant is permanently banned: its business licence, phone and payout accounts cannot open "
            "another store."
        )
    ),
}
# A store-level statement's ground: the item's (``takedowns.reasons``), then the ladder.
SANCTION_GROUND = recorded_register(
    gettext_noop(
        "%(ground)s Repeated infringements are sanctioned by the penalty ladder of the marketplace's terms of service."
    )
)

# The public register's reason for a closure.
CLOSED_FOR_COUNTERFEITING = recorded_register(
    gettext_noop(
        "Closed for counterfeiting: %(count)s upheld counterfeit complaints about the same right within %(days)s days."
    )
)
CLOSED_FOR_POINTS = recorded_register(
    gettext_noop(
        "Closed for repeated infringement of intellectual property rights: %(points)s penalty points within "
        "%(days)s days."
    )
)
CLOSED_FOR_POINTS_COUNTERFEITS = recorded_register(
    gettext_noop(
        "Closed for repeated infringement of intellectual property rights, counterfeits included: %(points)s "
        "penalty points within %(days)s days."
    )
)
