"""What rights_holders announces to a higher app: the registered IP that screening reads has changed.

Screening (above this app) screens listings against a snapshot of the verified assets, their
keywords, categories, reference prices and images, the holders' authorised stores and screening
settings. Every write path here that changes one of those calls ``ip_register_changed`` with the
rights holders concerned, inside its transaction; the screening app registers the answer in its
``AppConfig.ready`` (``screening.snapshot_build``: the snapshot's version is bumped once the
transaction commits, so workers rebuild their screener; and the brand's live listings are
screened again by a background job, ``screening.rescreen``). No upward import is needed (STYLE.md habit 15).

A missing answer is an error, never a silent default (``portal.policies``): a portal without the
screening app would otherwise screen against stale IP without saying so.
"""

from portal.policies import PolicyRegistry

ANNOUNCEMENTS = {
    # rights_holder_ids (an iterable of RightsHolder ids), reason (which change, in words) -> None;
    # called in the writer's transaction, acts after its commit.
    "ip_register_changed": "rights_holder_ids, *, reason -> None",
}

REGISTRY = PolicyRegistry(asker="rights_holders", answerer="screening", policies=ANNOUNCEMENTS)
announcement_listener_register = REGISTRY.register


def ip_register_changed(rights_holder_ids, *, reason=""):
    """Tell the listener that the screened IP of these rights holders changed (in the current transaction).

    ``reason`` says which change in words ("Asset NORTHWIND verified"); the brand's re-screening job shows it.
    """
    ids = sorted({int(i) for i in rights_holder_ids if i is not None})
    if ids:
        REGISTRY.get("ip_register_changed")(ids, reason=reason or "The registered IP changed")
