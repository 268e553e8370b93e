"""The penalty ladder (DOMAIN.md "Penalties"): points, sanctions, bans, the public register, reimbursements.

Handlers of the PENALISE, REVERSE_PENALTY and REIMBURSE effects (takedowns.effects.PHASES),
each taking a batch of effects (one is a batch of one), and the beat job that lifts ended
restrictions; a store's live points (``points``) and the ban register (``bans``) for whoever asks.
"""

from takedowns.penalties.ladder import effect_penalise, effects_penalise
from takedowns.penalties.points import store_live_points, stores_live_points
from takedowns.penalties.reimbursements import effect_reimburse, effects_reimburse
from takedowns.penalties.reversal import effect_reverse_penalty, effects_reverse_penalty
from takedowns.penalties.stores import store_restrictions_lift, store_sanction_apply

__all__ = [
    "effect_penalise",
    "effect_reimburse",
    "effect_reverse_penalty",
    "effects_penalise",
    "effects_reimburse",
    "effects_reverse_penalty",
    "store_live_points",
    "store_restrictions_lift",
    "store_sanction_apply",
    "stores_live_points",
]
