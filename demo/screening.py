"""The demo world's listings screened: the world's listings are inserted in bulk (``world.py``), not through
``listings_apply``, so nothing announces them; every listing without a screening result is sent to the
screening pipeline once the world is committed (a worker screens them: ``make run`` starts one). Run again,
it sends only those still unscreened; the pipeline skips any screened meanwhile."""

from django.db import transaction

from listings.models import Listing
from screening.feeding import listings_screen_enqueue
from screening.models import ScreeningTrigger


def demo_screening_seed():
    """Sends the unscreened listings to screening after the commit; returns how many."""
    ids = list(Listing.objects.filter(screening_results__isnull=True).order_by("pk").values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: listings_screen_enqueue(ids, ScreeningTrigger.CREATED))
    return len(ids)
