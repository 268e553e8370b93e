"""The explanation the marketplace writes for a proactive item (``takedowns.proactive``): the merchant reads it
as the item's explanation and the statement of reasons quotes it as its facts. Recorded in English, read line by
line in the reader's language (``takedowns.recorded``); screening's signals, quoted from the listing, as written.
"""

from django.utils.translation import gettext_noop

from takedowns.recorded.registry import recorded_register

FOUND = recorded_register(
    gettext_noop(
        "The marketplace's automated screening found that this listing infringes %(holder)s's right "
        "(confidence %(score)s; screening result %(reference)s). Both the detection and the decision to take the "
        "listing down were automated: no person reviewed the listing first. %(holder)s has asked the marketplace "
        "to act on such findings for it (proactive enforcement)."
    )
)
WHAT_WAS_FOUND = recorded_register(gettext_noop("What screening found:"))
MORE_SIGNALS = recorded_register(gettext_noop("- and %(n)s more signal(s)."))
IF_GENUINE = recorded_register(
    gettext_noop(
        "If the listing is genuine, file a counter-notice with evidence of authenticity before the deadline: "
        "a successful counter-notice reinstates the listing. After a decision you may also appeal."
    )
)
