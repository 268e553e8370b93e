"""What screening answers to the apps below it (registered in ``ScreeningConfig.ready``).

- ``listings.announcements.listings_changed(ids, trigger)``, after the commit that created or
  changed listings: their screening is enqueued, ``SCREENING_BATCH_SIZE`` ids a task.
- ``rights_holders.announcements.ip_register_changed(holder_ids)``, in the writer's transaction:
  the snapshot's version moves on with it (``snapshot_build.ip_register_changed_answer``).
"""

from django.conf import settings


def listings_screen_enqueue(listing_ids, trigger):
    """Send ``screening.tasks.listings_screen`` for these listings, in chunks; returns the number of tasks."""
    from screening.tasks import listings_screen

    ids = sorted({int(i) for i in listing_ids})
    size = settings.SCREENING_BATCH_SIZE
    for start in range(0, len(ids), size):
        listings_screen.delay(ids[start : start + size], trigger)
    return -(-len(ids) // size)
