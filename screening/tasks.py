"""Thin tasks: take ids, re-read state, call one domain function (STYLE.md habit 4)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

# A worker that dies mid-task leaves the message unacknowledged: the broker redelivers it, and the
# pipeline skips the listings already screened at this version, so a second run writes nothing twice.
SCREENING = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(
    **SCREENING,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def listings_screen(listing_ids, trigger):
    """Screen a chunk of listings (``screening.pipeline.listings_screen``); retried on transient database errors."""
    from screening.pipeline import listings_screen as screen

    run = screen(listing_ids, trigger=trigger)
    return {"results": len(run.result_ids), "alerts": len(run.alert_ids), "skipped": run.skipped}


@shared_task(**SCREENING)
def listings_screen_missed():
    """Beat: send again the screening of listings changed lately that have no result for their version."""
    from screening.feeding import listings_screen_enqueue
    from screening.models import ScreeningTrigger
    from screening.pipeline import listings_missed

    created, changed = listings_missed()
    return listings_screen_enqueue(created, ScreeningTrigger.CREATED) + listings_screen_enqueue(
        changed, ScreeningTrigger.CHANGED
    )
