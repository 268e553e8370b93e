"""The lifecycle part of the demo world: notices in every state, with their full histories.

Everything here goes through the domain functions (``notice_submit``, the
lifecycle verbs, the appeals, the deadline sweep) with the clock moved back:
each step passes ``now=`` an instant in the last three weeks, and the steps
run in time order, with the sweeper run at every deadline that falls due in
between, exactly as the beat would have done. No status is written by hand.
Effects (delisting, penalties, notifications) are run synchronously after
each step so the next step sees the listing and the store as they would be.

Called by ``seed_demo`` inside its one transaction (all or nothing), after the rest of the demo
world exists. It runs once: the demo notices carry fixed filer e-mail
addresses, and if any notice with one of them exists, nothing is done.

Modules: ``cast`` (who files for which brand, the stores, the texts), ``actions``
(the steps' moves and the clock: ``DemoActions``), ``story`` (the scenarios in time
order: ``DemoLifecycle``), ``seed`` (run once, and what exists).
"""

from demo.lifecycle.actions import Step
from demo.lifecycle.cast import DECLARATIONS, DEMO_FILER_EMAILS, DEMO_MERCHANT_STORES
from demo.lifecycle.seed import Result, demo_lifecycle_seed, demo_lifecycle_seeded
from demo.lifecycle.story import DemoLifecycle

__all__ = [
    "DECLARATIONS",
    "DEMO_FILER_EMAILS",
    "DEMO_MERCHANT_STORES",
    "DemoLifecycle",
    "Result",
    "Step",
    "demo_lifecycle_seed",
    "demo_lifecycle_seeded",
]
