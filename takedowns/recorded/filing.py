"""Why a notice's line became an invalid item (``takedowns.notices.lines``): recorded as the item's
``invalid_reason`` in English, read on a page in the reader's language (``takedowns.recorded``); and why a
line was refused outright (``takedowns.notices.submit``), kept for the filer's receipt, a bulk import's
rows and the notice's audit entry, read the same way."""

from django.utils.translation import gettext_noop

from portal.forms import CONTROL_CHARACTER, CONTROL_CHARACTER_NAME, TEXT_TOO_LONG
from rights_holders.models import VerificationStatus
from takedowns.recorded.registry import label_lower, one_of, recorded_part, recorded_register

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

# Free text that cannot be stored (``portal.forms.text_problem``): a notice's own field (the filer's name),
# and a line's, by its field.
recorded_register(TEXT_TOO_LONG)
recorded_register(CONTROL_CHARACTER, name=one_of(CONTROL_CHARACTER_NAME))
_TEXT = one_of(TEXT_TOO_LONG, recorded_part(CONTROL_CHARACTER, name=one_of(CONTROL_CHARACTER_NAME)))
TEXT_PROBLEM = {
    "explanation": recorded_register(gettext_noop("the explanation: %(problem)s"), problem=_TEXT),
    "test_buy_report": recorded_register(gettext_noop("the test-buy report: %(problem)s"), problem=_TEXT),
    "test_buy_order_number": recorded_register(gettext_noop("the test-buy order number: %(problem)s"), problem=_TEXT),
}

# A line refused outright, named by its number (1-based) in the notice. ``listing`` is what the filer
# wrote, quoted as Python quotes it (``repr``): an invisible character in it shows.
LINE_LISTING_UNKNOWN = recorded_register(gettext_noop("Line %(line)s: no listing %(listing)s on the marketplace."))
LINE_ASSET_UNKNOWN = recorded_register(gettext_noop("Line %(line)s: choose one of your IP assets."))
LINE_TEXT_PROBLEM = {
    "explanation": recorded_register(gettext_noop("Line %(line)s: the explanation: %(problem)s"), problem=_TEXT),
    "test_buy_report": recorded_register(
        gettext_noop("Line %(line)s: the test-buy report: %(problem)s"), problem=_TEXT
    ),
    "test_buy_order_number": recorded_register(
        gettext_noop("Line %(line)s: the test-buy order number: %(problem)s"), problem=_TEXT
    ),
}
