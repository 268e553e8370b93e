"""The engine's own reasons for an item's moves: recorded in English (the records' language, as the API and
the DSA export give them), read on a page in the reader's language.

A move's reason is either a person's words (a reviewer's statement, a withdrawal's reason, an invalid
item's problem), which stay as written, or one of the fixed texts below, which the engine writes when no
person spoke. ``event_reason_read`` says a fixed text anew in the active language; a text with a value in
it (``VETTED_BY``) is matched by its shape, so the value is kept and only the words around it change.
"""

import re

from django.utils.translation import gettext, gettext_noop

NOTICE_RECEIVED = gettext_noop("Notice received.")
STANDARD_TRACK = gettext_noop("Standard track: a reviewer checks the notice first.")
AUTHORISED_STORE = gettext_noop("The store is on the rights holder's authorised list: a reviewer checks it.")
PROACTIVE = gettext_noop(
    "High-confidence proactive screening for a brand that opted in to proactive enforcement: "
    "detected and decided automatically, fast track."
)
FAST_TRACK = gettext_noop("Fast track: the listing is taken down at once.")
WAITING_FOR_REVIEWER = gettext_noop("Waiting for a reviewer.")
ACCEPTED = gettext_noop("The notice is complete and substantiated; the merchant may answer.")
COUNTER_NOTICED = gettext_noop("The merchant filed a counter-notice.")
REPLIED = gettext_noop("The rights holder replied.")
REPLY_LAPSED = gettext_noop("The rights holder did not reply in time.")
NO_COUNTER_NOTICE = gettext_noop("No counter-notice was filed within the window.")
WITHDRAWN = gettext_noop("Withdrawn by the rights holder.")
# With a value: recorded as ``VETTED_BY % {"partner": ...}``.
VETTED_BY = gettext_noop("Vetted by %(partner)s: fast track.")

FIXED = frozenset(
    {
        NOTICE_RECEIVED,
        STANDARD_TRACK,
        AUTHORISED_STORE,
        PROACTIVE,
        FAST_TRACK,
        WAITING_FOR_REVIEWER,
        ACCEPTED,
        COUNTER_NOTICED,
        REPLIED,
        REPLY_LAPSED,
        NO_COUNTER_NOTICE,
        WITHDRAWN,
    }
)


def _shape(message):
    """A pattern of ``message`` with each ``%(name)s`` a named group."""
    parts = re.split(r"%\((\w+)\)s", message)
    pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(f"^{pattern}$", re.DOTALL)


WITH_VALUES = [(_shape(message), message) for message in (VETTED_BY,)]


def event_reason_read(text):
    """``text`` (a move's recorded reason) in the active language if it is one of the engine's own."""
    if not text:
        return text
    if text in FIXED:
        return gettext(text)
    for shape, message in WITH_VALUES:
        found = shape.match(text)
        if found:
            return gettext(message) % found.groupdict()
    return text
