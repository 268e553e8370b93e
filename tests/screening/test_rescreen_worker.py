"""A re-screening job run by real Celery workers on Redis and PostgreSQL: its worker killed mid-way, the job is
taken over by beat's sweep and finishes on another worker from its last committed batch, each listing
screened once."""

import pytest
from django.db import transaction

from screening.models import RescreenJob, RescreenStatus, ScreeningAlert, ScreeningResult, ScreeningTrigger
from screening.rescreen import rescreen_jobs_request, rescreen_jobs_resume
from tests import factories
from tests.screening.imaging import encoded, text_image
from tests.screening.pipeline_world import brand_with_asset, image_add
from tests.services import needs_postgres
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LISTINGS = 48
BATCH = 3
# Each listing has a picture of its own with a caption: Tesseract reads each once, so a batch takes a moment.
WORKER_ENV = {"SCREENING_BATCH_SIZE": str(BATCH)}


def test_a_job_whose_worker_is_killed_mid_way_is_taken_over_and_screens_each_listing_once(
    redis_broker, tmp_path, settings
):
    needs_postgres()
    settings.SCREENING_BATCH_SIZE = BATCH
    settings.SCREENING_RESCREEN_STALE_SECONDS = 3
    holder, _ = brand_with_asset()
    store = factories.StoreFactory()
    # Made without announcements (no screening of their own is sent): the job is the only work.
    listings = [
        factories.ListingFactory(
            store=store, title=f"N0rthw1nd runners replica AAA {n}", price="15.00", category="Shoes"
        )
        if n % 4 == 0
        else factories.ListingFactory(store=store, title=f"Trainers lot {n}", category="Shoes")
        for n in range(LISTINGS)
    ]
    for n, listing in enumerate(listings):
        image_add(listing, encoded(text_image(n, [f"canvas runner {n}"])))
    job = None

    def seen():
        current = RescreenJob.objects.get(pk=job.pk)
        return (current.status, current.done, current.total, current.attempts, current.batches)

    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=WORKER_ENV, name="first") as first:
        with transaction.atomic():
            [job] = rescreen_jobs_request([holder.pk], reason="Keyword added")  # sent after this commit
        wait_for(
            lambda: RescreenJob.objects.filter(pk=job.pk, status=RescreenStatus.RUNNING, done__gte=2 * BATCH).exists(),
            timeout=300,
            interval=0.05,
            message="the first worker to finish two batches",
            seen=seen,
            worker=first,
        )
        first.hard_kill()
    killed_at = RescreenJob.objects.get(pk=job.pk)
    assert killed_at.status == RescreenStatus.RUNNING and killed_at.done < LISTINGS  # killed mid-way

    with celery_worker(redis_broker, var_dir=tmp_path / "var2", env_extra=WORKER_ENV, name="second") as second:
        # Beat's sweep, as it runs every minute: the job's heartbeat goes stale and it is taken over.
        wait_for(
            lambda: rescreen_jobs_resume()[0],
            timeout=120,
            interval=0.5,
            message="the sweep to take the job over",
            seen=seen,
        )
        wait_for(
            lambda: RescreenJob.objects.filter(pk=job.pk, status=RescreenStatus.DONE).exists(),
            timeout=600,
            interval=0.2,
            message="the second worker to finish the job",
            seen=seen,
            worker=second,
        )

    job.refresh_from_db()
    assert (job.done, job.total, job.attempts) == (LISTINGS, LISTINGS, 2)
    assert job.done >= killed_at.done and job.cursor == max(listing.pk for listing in listings)
    rescreened = ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN)
    per_listing = {listing.pk: 0 for listing in listings}
    for listing_id in rescreened.values_list("listing_id", flat=True):
        per_listing[listing_id] += 1
    assert set(per_listing.values()) == {1}  # each listing screened once, the batch in flight included
    # The disguised copies alert their brand, once each; the job counted what its batches raised (a batch
    # re-run after the kill finds its results written and raises nothing again).
    fakes = {listing.pk for n, listing in enumerate(listings) if n % 4 == 0}
    assert set(ScreeningAlert.objects.values_list("listing_id", flat=True)) == fakes
    assert 0 < job.alerts_raised <= len(fakes)
