"""What screening answers to the apps below it (registered in ``ScreeningConfig.ready``).

- ``listings.announcements.listings_changed(ids, trigger)``, after the commit that created or
  changed listings: their screening is enqueued, ``SCREENING_BATCH_SIZE`` ids a task. A broker
  that refuses the message never fails the write that committed (the API ingest answers as
  usual): the failure is logged, and ``screening.tasks.listings_screen_missed`` (beat) finds the
  listings with no result for their current version and sends them again.
- ``rights_holders.announcements.ip_register_changed(holder_ids, reason=...)``, in the writer's
  transaction: the snapshot's version moves on with it, and each holder's re-screening job is queued
  (``snapshot_build.ip_register_changed_answer``, ``screening.rescreen``).
- ``takedowns.announcements.items_upheld_changed(item_ids)``, in the decision's transaction: the
  images of listings upheld as counterfeit join the known counterfeits, or leave them when the
  decision is reversed (``screening.counterfeits``).
"""

import logging

from django.conf import settings

log = logging.getLogger(__name__)


def listings_screen_enqueue(listing_ids, trigger):
    """Send ``screening.tasks.listings_screen`` for these listings, in chunks; returns the number of tasks sent."""
    from screening.tasks import listings_screen

    ids = sorted({int(i) for i in listing_ids})
    size = settings.SCREENING_BATCH_SIZE
    sent = 0
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            listings_screen.delay(chunk, str(trigger))
        except Exception:
            log.exception("Could not send the screening of %s listings; the sweep of missed listings will", len(chunk))
            continue
        sent += 1
    return sent
