"""Filing a notice: checks the notice, then each item on its own; invalid items are kept with their reason.

A notice with one bad item among ten keeps the nine. Items that cannot be
recorded at all (an unknown listing or asset) are returned as refused lines
with their reason. Receipt is confirmed to the filer at once (a notification
effect of each item's first event, sent after commit).

Modules: ``notice`` (the notice as a whole: required fields, declarations,
suspensions, the receipt and audit entry), ``lines`` (what each line names and
its problem), ``track_choice`` (standard or fast track for a new item),
``submit`` (``notice_submit``: the filing itself, as a set or item by item; ``platform_notice_submit``:
the marketplace's own, for proactive screening).
"""

from takedowns.notices.lines import (
    LISTING_BY_EXTERNAL_ID,
    LISTING_BY_PUBLIC_ID,
    LISTING_BY_REF,
    ItemDraft,
    LineProblem,
)
from takedowns.notices.notice import (
    DECLARATIONS,
    FIELD_MESSAGES,
    NOTICE_FIELDS,
    Receipt,
    filing_suspension_among,
    filing_suspension_of,
    filing_suspension_refuse,
)
from takedowns.notices.submit import FILING_ATTEMPTS, notice_submit, platform_notice_submit
from takedowns.notices.track_choice import track_for, tracks_for

__all__ = [
    "DECLARATIONS",
    "FIELD_MESSAGES",
    "FILING_ATTEMPTS",
    "LISTING_BY_EXTERNAL_ID",
    "LISTING_BY_PUBLIC_ID",
    "LISTING_BY_REF",
    "NOTICE_FIELDS",
    "ItemDraft",
    "LineProblem",
    "Receipt",
    "filing_suspension_among",
    "filing_suspension_of",
    "filing_suspension_refuse",
    "notice_submit",
    "platform_notice_submit",
    "track_for",
    "tracks_for",
]
