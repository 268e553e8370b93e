"""Thin tasks: take ids, re-read state, call one domain function (STYLE.md habit 4)."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from screening.models import RescreenJob

log = logging.getLogger(__name__)

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


def _rescreen_continue(job_id, outcome_of):
    """Run one batch of a re-screening job (``outcome_of()``), then send the next under the same claim."""
    from screening.rescreen import rescreen_job_fail

    try:
        outcome = outcome_of()
    except (OperationalError, InterfaceError):
        raise  # transient: retried; a job whose retries run out is taken over by beat (its heartbeat goes stale)
    except Exception as exc:
        log.exception("Re-screening job %s failed", job_id)
        token = RescreenJob.objects.filter(pk=job_id).values_list("claim_token", flat=True).first()
        if token is not None:
            rescreen_job_fail(job_id, token, f"{type(exc).__name__}: {exc}")
        return {"state": "failed"}
    if outcome.next is not None:
        try:
            rescreen_job_step.delay(job_id, outcome.next)
        except Exception:
            log.exception("Could not send the next batch of re-screening job %s; beat's sweep will", job_id)
    return {"state": outcome.state, "screened": outcome.screened}


@shared_task(
    **SCREENING,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def rescreen_job_start(job_id):
    """Claim a queued re-screening job and run its first batch (``screening.rescreen``)."""
    from screening.rescreen import rescreen_job_start as start

    return _rescreen_continue(job_id, lambda: start(job_id))


@shared_task(
    **SCREENING,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def rescreen_job_step(job_id, token):
    """One batch of a running re-screening job under claim ``token``; a stale claim does nothing."""
    from screening.rescreen import rescreen_job_step as step

    return _rescreen_continue(job_id, lambda: step(job_id, token))


@shared_task(**SCREENING)
def rescreen_jobs_resume():
    """Beat: re-screening jobs whose worker died taken over; queued jobs whose message was lost sent again."""
    from screening.rescreen import rescreen_jobs_resume as resume

    taken, lost, failed = resume()
    return {"taken_over": len(taken), "sent_again": len(lost), "failed": failed}
