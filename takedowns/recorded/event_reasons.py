"""The engine's own reasons for an item's moves, and the fixed lines it adds to a statement's facts.

Recorded in English, read in the reader's language (``takedowns.recorded``). A move's reason is otherwise a
person's words (a reviewer's statement, a withdrawal's reason), which stay as written.
"""

from django.utils.translation import gettext_noop

from takedowns.models import InfringementType
from takedowns.recorded.registry import label_lower, one_of, recorded_part, recorded_register

NOTICE_RECEIVED = recorded_register(gettext_noop("Notice received."))
STANDARD_TRACK = recorded_register(gettext_noop("Standard track: a reviewer checks the notice first."))
AUTHORISED_STORE = recorded_register(
    gettext_noop("The store is on the rights holder's authorised list: a reviewer checks it.")
)
PROACTIVE = recorded_register(
    gettext_noop(
        "High-confidence proactive screening for a brand that opted in to proactive enforcement: "
        "detected and decided automatically, fast track."
    )
)
FAST_TRACK = recorded_register(gettext_noop("Fast track: the listing is taken down at once."))
WAITING_FOR_REVIEWER = recorded_register(gettext_noop("Waiting for a reviewer."))
ACCEPTED = recorded_register(gettext_noop("The notice is complete and substantiated; the merchant may answer."))
COUNTER_NOTICED = recorded_register(gettext_noop("The merchant filed a counter-notice."))
REPLIED = recorded_register(gettext_noop("The rights holder replied."))
REPLY_LAPSED = recorded_register(gettext_noop("The rights holder did not reply in time."))
NO_COUNTER_NOTICE = recorded_register(gettext_noop("No counter-notice was filed within the window."))
WITHDRAWN = recorded_register(gettext_noop("Withdrawn by the rights holder."))
# The line an unanswered item's statement adds to the brand's explanation (its facts).
NO_ANSWER = recorded_register(gettext_noop("The merchant did not answer within the counter-notice window."))
# Recorded as ``VETTED_BY % {"partner": ...}``: the partner's name is kept.
VETTED_BY = recorded_register(gettext_noop("Vetted by %(partner)s: fast track."))

# The fast track of a Good Faith member (takedowns.tracks): which scope, since when, which membership.
MEMBER_SCOPE_TYPE = gettext_noop("for %(type)s")
MEMBER_SCOPE_ALL = gettext_noop("for all infringement types")
MEMBER_GRANTED = gettext_noop("granted by staff")
MEMBER_SINCE = gettext_noop("since %(date)s")
MEMBER_ACTIVE = gettext_noop("active")
GOOD_FAITH_MEMBER = recorded_register(
    gettext_noop("Good Faith member %(scope)s (%(how)s, membership %(membership)s): fast track."),
    scope=one_of(MEMBER_SCOPE_ALL, recorded_part(MEMBER_SCOPE_TYPE, type=label_lower(InfringementType))),
    how=one_of(MEMBER_GRANTED, MEMBER_SINCE, MEMBER_ACTIVE),
)
