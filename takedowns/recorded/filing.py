"""Why a notice's line became an invalid item (``takedowns.notices.lines``): recorded as the item's
``invalid_reason`` in English, read on a page in the reader's language (``takedowns.recorded``)."""

from django.utils.translation import gettext_noop

from rights_holders.models import VerificationStatus
from takedowns.recorded.registry import label_lower, recorded_register

ASSET_FOREIGN = recorded_register(gettext_noop("The IP asset “%(asset)s” does not belong to %(holder)s."))
ASSET_EXPIRED = recorded_register(gettext_noop("The IP asset “%(asset)s” expired on %(date)s; renew it before filing."))
ASSET_NOT_VERIFIED = recorded_register(
    gettext_noop("The IP asset “%(asset)s” is %(status)s; only verified assets can back a notice."),
    status=label_lower(VerificationStatus),
)
LISTING_REMOVED = recorded_register(gettext_noop("Listing %(listing)s has already been removed from the marketplace."))
INFRINGEMENT_TYPE_INVALID = recorded_register(gettext_noop("Choose an infringement type (%(types)s)."))
EXPLANATION_REQUIRED = recorded_register(
    gettext_noop("Explain how the listing infringes the right (what you saw, what differs from the genuine product).")
)
DUPLICATE = recorded_register(
    gettext_noop(
        "An open complaint (item %(item)s) already exists for listing %(listing)s and this asset; "
        "follow it there instead of filing again."
    )
)
