"""What the engine announces to the world outside (webhooks), named here and answered by a higher app.

The apps that change things (``takedowns``: every item move, for one item or a
set; appeal decisions; ``good_faith``: membership changes; ``screening``:
its alerts, created and decided) call ``events_announce(source, ids)`` with the ids of the
rows they have just written, in the same transaction. The ``api`` app, above
them all, registers in its ``AppConfig.ready`` what each announcement does
(``api.webhooks.fanout``: events and deliveries for the organisations that
subscribed, in that transaction). No lower app imports ``api``.

The announcement never blocks or undoes the change that made it: the answer
runs in a savepoint and a failure is logged, not raised; and it costs a single
indexed query when nobody subscribed to anything.
"""

import logging

from django.db import transaction

from portal.policies import PolicyRegistry

log = logging.getLogger(__name__)

SOURCES = {
    # Whether anyone listens at all (one indexed query): nothing else runs, not even a savepoint, when not.
    "events_wanted": "() -> bool",
    # takedowns.ItemEvent ids: every item's creation and move (the verbs, the set filing, the deadline sweep).
    "item_event": "ids -> None",
    # takedowns.Appeal ids, just decided (confirmed or reversed).
    "appeal_decision": "ids -> None",
    # good_faith.MembershipChange ids (the nightly run, staff grants, revocations and lifts).
    "membership_change": "ids -> None",
    # screening.ScreeningAlert ids, just created by the screening pipeline.
    "screening_alert": "ids -> None",
    # screening.ScreeningAlert ids, just decided in the alerts inbox (confirmed or dismissed).
    "screening_alert_decision": "ids -> None",
}

REGISTRY = PolicyRegistry(asker="portal.events", answerer="api", policies=SOURCES)
events_listener_register = REGISTRY.register


def events_announce(source, ids):
    """Tell the registered listener about ``source`` rows ``ids``, written in the current transaction."""
    if not ids or not REGISTRY.get("events_wanted")():
        return
    listener = REGISTRY.get(source)
    try:
        with transaction.atomic():
            listener(ids)
    except Exception:
        # The change stands; its webhooks are lost, and the log says so.
        log.exception("Could not announce %s %s rows; the change itself is kept", len(ids), source)
