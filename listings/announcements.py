"""What listings announces to a higher app: listings were created or their screened content changed.

``listings.catalogue.listings_apply`` (one listing from the services, a thousand from the API
ingest) and the Django admin call ``listings_changed`` once their transaction has committed
(``transaction.on_commit``), with the ids of the listings created or changed and why. The screening
app registers the answer in its ``AppConfig.ready``: it enqueues the screening of those listings.
No upward import (STYLE.md habit 15); a missing answer is an error (``portal.policies``).
"""

from django.db import transaction

from portal.policies import PolicyRegistry

# Why a listing is announced; screening records it as the result's trigger.
CREATED = "created"
CHANGED = "changed"
TRIGGERS = (CREATED, CHANGED)

ANNOUNCEMENTS = {
    # (listing_ids, trigger) -> None; called after the commit that wrote them.
    "listings_changed": "listing_ids, trigger -> None",
}

REGISTRY = PolicyRegistry(asker="listings", answerer="screening", policies=ANNOUNCEMENTS)
announcement_listener_register = REGISTRY.register


def listings_changed(listing_ids, trigger):
    """Announce listings created or changed (a committed change: call it from ``on_commit``)."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}; one of {', '.join(TRIGGERS)}")
    ids = sorted({int(i) for i in listing_ids})
    if ids:
        REGISTRY.get("listings_changed")(ids, trigger)


def listings_changed_on_commit(listing_ids, trigger):
    """``listings_changed`` once the current transaction commits (at once outside one); nothing if it rolls back."""
    ids = list(listing_ids)
    if ids:
        transaction.on_commit(lambda: listings_changed(ids, trigger))
