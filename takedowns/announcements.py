"""What takedowns announces to a higher app: decisions that screening reads.

An item upheld as counterfeit makes its listing's pictures known counterfeits for screening's
image index, and a reversed decision takes them out again. Every path that moves an item into or
out of ``upheld`` writes its rows through ``lifecycle.rows_insert`` (the verbs: adjudication,
reversal on appeal, a quality audit's reversal, the row-by-row sweep) or the set-based deadline
sweep (``takedowns.sweep``); both call ``items_upheld_changed`` with the ids of those items, in the
move's transaction. The screening app registers the answer in its ``AppConfig.ready``
(``screening.counterfeits``). No upward import (STYLE.md habit 15); a missing answer is an error
(``portal.policies``).
"""

from portal.policies import PolicyRegistry
from takedowns.models import ItemStatus

ANNOUNCEMENTS = {
    # item_ids (NoticeItem ids that just became upheld or stopped being upheld) -> None; called in the
    # move's transaction, the items' new status already written.
    "items_upheld_changed": "item_ids -> None",
}

REGISTRY = PolicyRegistry(asker="takedowns", answerer="screening", policies=ANNOUNCEMENTS)
announcement_listener_register = REGISTRY.register


def upheld_changed(from_status, to_status):
    """Whether a move from ``from_status`` to ``to_status`` enters or leaves ``upheld``."""
    return (from_status == ItemStatus.UPHELD) != (to_status == ItemStatus.UPHELD)


def items_upheld_changed(item_ids):
    """Tell the listener that these items became upheld or stopped being (in the current transaction)."""
    ids = sorted({int(i) for i in item_ids})
    if ids:
        REGISTRY.get("items_upheld_changed")(ids)
