"""The item state machine: the only place a notice item's status moves (STYLE.md habit 1).

* ``table``: the transition table (action -> source statuses -> target, who may
  take it, and its guard) and everything derived from it: the offered actions,
  the PostgreSQL trigger's pairs;
* ``moves``: ``_apply``, the one function that writes a move after checking it
  against the table, and the plans the set-based sweep and filing share with
  the verbs;
* ``rows``: a move's rows (item values, event, audit entry, statements,
  effects, listing), made by ``move_rows`` and inserted by ``rows_insert`` for
  one item or many: ``_apply``, the set filing and the sweep all write these;
* ``verbs``: ``notice_item_<verb>``, what views, tasks and services call.

Import from here: ``from takedowns.lifecycle import notice_item_accept``.
"""

from takedowns.lifecycle.moves import (
    Creation,
    Move,
    counter_notice_window,
    creation_plan,
    move_check,
    notice_item_create,
    reply_lapse_plan,
    route_plan,
    uphold_by_default_plan,
    uphold_effects,
    uphold_statement,
)
from takedowns.lifecycle.rows import (
    Rows,
    actor_label,
    creation_rows,
    move_audit_data,
    move_effects,
    move_in_memory,
    move_rows,
    rows_insert,
)
from takedowns.lifecycle.table import (
    ALLOWED_MOVES,
    AUDIT_REVERSIBLE,
    CREATIONS,
    REVERSALS,
    TRANSITION_PAIRS,
    TRANSITIONS,
    By,
    Transition,
    actions_available,
    transition_refusal,
)
from takedowns.lifecycle.verbs import (
    notice_item_accept,
    notice_item_audit_reverse,
    notice_item_counter_notice,
    notice_item_dismiss,
    notice_item_mark_invalid,
    notice_item_reject,
    notice_item_reply,
    notice_item_reply_lapse,
    notice_item_reverse,
    notice_item_route,
    notice_item_uphold,
    notice_item_uphold_by_default,
    notice_item_withdraw,
)

__all__ = [
    "ALLOWED_MOVES",
    "AUDIT_REVERSIBLE",
    "CREATIONS",
    "REVERSALS",
    "TRANSITIONS",
    "TRANSITION_PAIRS",
    "By",
    "Creation",
    "Move",
    "Rows",
    "Transition",
    "actions_available",
    "actor_label",
    "counter_notice_window",
    "creation_plan",
    "creation_rows",
    "move_audit_data",
    "move_check",
    "move_effects",
    "move_in_memory",
    "move_rows",
    "notice_item_accept",
    "notice_item_audit_reverse",
    "notice_item_counter_notice",
    "notice_item_create",
    "notice_item_dismiss",
    "notice_item_mark_invalid",
    "notice_item_reject",
    "notice_item_reply",
    "notice_item_reply_lapse",
    "notice_item_reverse",
    "notice_item_route",
    "notice_item_uphold",
    "notice_item_uphold_by_default",
    "notice_item_withdraw",
    "reply_lapse_plan",
    "route_plan",
    "rows_insert",
    "transition_refusal",
    "uphold_by_default_plan",
    "uphold_effects",
    "uphold_statement",
]
