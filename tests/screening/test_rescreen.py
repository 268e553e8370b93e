"""Re-screening a brand's live listings when its IP changes: jobs asked for by every change (coalesced),
their scope, batches by keyset with progress moved once, takeover of a job whose worker died."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.models import ListingStatus
from rights_holders.announcements import ip_register_changed
from rights_holders.models import VerificationStatus
from rights_holders.verification import ip_asset_verify
from screening import rescreen, snapshot_build
from screening.models import RescreenJob, RescreenStatus, ScreeningAlert, ScreeningResult, ScreeningTrigger
from screening.pipeline import listings_screen
from screening.rescreen import (
    SCOPE_ALL,
    SCOPE_BRAND,
    rescreen_job_progress,
    rescreen_job_start,
    rescreen_job_step,
    rescreen_jobs_request,
    rescreen_jobs_resume,
)
from tests import factories
from tests.portal.test_admin_audit import admin_client  # noqa: F401
from tests.screening.pipeline_world import brand_with_asset, listing_made

pytestmark = pytest.mark.django_db


def run_to_end(job, *, now=None):
    """Start a job and run its batches as the tasks would (each one sends the next under the same claim)."""
    outcome = rescreen_job_start(job.pk, now=now)
    steps = [outcome]
    while outcome.next is not None:
        outcome = rescreen_job_step(job.pk, outcome.next, now=now)
        steps.append(outcome)
    job.refresh_from_db()
    return steps


# --- Asking for jobs ---------------------------------------------------------------------------------


def test_an_asset_verified_queues_a_job_for_its_holder_named_by_the_change(
    reviewer, django_capture_on_commit_callbacks
):
    holder, _ = brand_with_asset()
    pending = factories.IPAssetFactory(
        rights_holder=holder, name="NW TRAIL", verification_status=VerificationStatus.PENDING
    )
    sent = []
    rescreen.rescreen_jobs_send, original = sent.extend, rescreen.rescreen_jobs_send
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ip_asset_verify(asset_id=pending.pk, actor=reviewer)
    finally:
        rescreen.rescreen_jobs_send = original

    job = RescreenJob.objects.get()
    assert (job.rights_holder_id, job.status, job.reason, job.requests) == (
        holder.pk,
        RescreenStatus.QUEUED,
        "Asset NW TRAIL verified",
        1,
    )
    assert sent == [job.pk]  # sent once the verification committed


def test_ten_changes_in_a_row_queue_one_job_that_counts_them():
    holder, _ = brand_with_asset()
    other, _ = brand_with_asset(name="Harbor")
    for n in range(10):
        ip_register_changed([holder.pk], reason=f"Keyword edit {n}")
    ip_register_changed([other.pk, holder.pk], reason="Both")

    jobs = {job.rights_holder_id: job for job in RescreenJob.objects.all()}
    assert len(jobs) == 2
    assert (jobs[holder.pk].requests, jobs[holder.pk].reason) == (11, "Both")
    assert jobs[other.pk].requests == 1


def test_a_holder_deleted_in_the_admin_queues_no_job_and_the_deletion_stands(admin_client):  # noqa: F811
    from django.urls import reverse

    holder = factories.RightsHolderFactory(legal_name="Short-lived Brand")
    response = admin_client.post(reverse("admin:rights_holders_rightsholder_delete", args=[holder.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not RescreenJob.objects.exists()
    assert not type(holder).objects.filter(pk=holder.pk).exists()


def test_a_change_while_a_job_runs_queues_a_new_one_which_supersedes_it_when_it_starts(settings):
    settings.SCREENING_BATCH_SIZE = 1
    holder, _ = brand_with_asset()
    store = factories.StoreFactory()
    for n in range(3):
        listing_made(store, f"S{n}", f"Northwind runner {n}")
    [first] = rescreen_jobs_request([holder.pk], reason="First")
    outcome = rescreen_job_start(first.pk)
    assert outcome.next is not None

    [second] = rescreen_jobs_request([holder.pk], reason="Keyword added")
    assert second.pk != first.pk and second.status == RescreenStatus.QUEUED
    run_to_end(second)

    first.refresh_from_db()
    assert first.status == RescreenStatus.SUPERSEDED and first.finished_at is not None
    # The older job's next batch finds it superseded: it screens nothing and sends nothing.
    assert rescreen_job_step(first.pk, outcome.next).state == "superseded"
    assert (second.status, second.done, second.total) == (RescreenStatus.DONE, 3, 3)


# --- Running a job -----------------------------------------------------------------------------------


def test_a_job_screens_every_live_listing_in_batches_by_keyset_and_counts_its_alerts(settings):
    settings.SCREENING_BATCH_SIZE = 2
    holder, asset = brand_with_asset()
    store = factories.StoreFactory()
    fakes = [listing_made(store, f"F{n}", f"N0rthw1nd runners replica AAA {n}", price="15.00") for n in range(3)]
    plain = [listing_made(store, f"P{n}", f"Canvas trainers {n}", price="35.00") for n in range(2)]
    removed = listing_made(store, "R1", "Northwind replica", price="10.00")
    removed.status = ListingStatus.REMOVED
    removed.save(update_fields=["status"])
    [job] = rescreen_jobs_request([holder.pk], reason="Keywords edited")

    with CaptureQueriesContext(connection) as queries:
        steps = run_to_end(job)

    assert [step.state for step in steps] == ["batch", "batch", "batch", "done"]
    assert [step.screened for step in steps] == [2, 2, 1, 0]
    assert (job.status, job.scope, job.done, job.total, job.percent) == (RescreenStatus.DONE, SCOPE_ALL, 5, 5, 100)
    assert job.alerts_raised == 3 and job.notices_filed == 0 and job.batches == 3
    assert job.cursor == max(listing.pk for listing in fakes + plain)
    assert job.started_at is not None and job.finished_at is not None and job.snapshot_version is not None
    results = ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN)
    assert sorted(results.values_list("listing_id", flat=True)) == sorted(x.pk for x in fakes + plain)
    assert ScreeningAlert.objects.filter(asset=asset).count() == 3
    # Keyset pagination, never OFFSET.
    assert not [q["sql"] for q in queries.captured_queries if " OFFSET " in q["sql"].upper() and "listing" in q["sql"]]


def test_a_job_run_again_writes_nothing_twice_and_a_stale_claim_does_nothing():
    holder, _ = brand_with_asset()
    store = factories.StoreFactory()
    listing_made(store, "F1", "N0rthw1nd replica AAA", price="15.00")
    [job] = rescreen_jobs_request([holder.pk], reason="Edit")
    outcome = rescreen_job_start(job.pk)

    # The same batch delivered twice (a message redelivered): the claim moved on with the cursor.
    job.refresh_from_db()
    assert rescreen_job_start(job.pk).state == "not_queued"
    assert rescreen_job_step(job.pk, "00000000-0000-0000-0000-000000000000").state == "lost"
    assert ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN).count() == 1
    assert rescreen_job_step(job.pk, outcome.next).state == "done"
    job.refresh_from_db()
    assert (job.done, job.total, job.alerts_raised) == (1, 1, 1)


def test_a_batch_screened_but_not_counted_is_screened_once_when_the_job_is_taken_over(settings):
    """A worker dies after the pipeline committed a batch and before the progress moved: beat takes over."""
    settings.SCREENING_BATCH_SIZE = 2
    settings.SCREENING_RESCREEN_STALE_SECONDS = 60
    holder, _ = brand_with_asset()
    store = factories.StoreFactory()
    listings = [listing_made(store, f"F{n}", f"Northwind runner {n}") for n in range(4)]
    [job] = rescreen_jobs_request([holder.pk], reason="Edit")
    first = rescreen_job_start(job.pk)
    job.refresh_from_db()
    assert job.done == 2
    # The next batch screened by the worker that then died: results written, progress not moved.
    listings_screen([listings[2].pk, listings[3].pk], trigger=ScreeningTrigger.RESCREEN)

    later = timezone.now() + datetime.timedelta(seconds=61)
    sent = []
    from screening import tasks

    original = tasks.rescreen_job_step.delay
    tasks.rescreen_job_step.delay = lambda job_id, token: sent.append((job_id, token))
    try:
        assert rescreen_jobs_resume(now=timezone.now())[0] == []  # still fresh: left alone
        taken, lost, failed = rescreen_jobs_resume(now=later)
    finally:
        tasks.rescreen_job_step.delay = original
    assert [job_id for job_id, _ in taken] == [job.pk] and sent == taken and (lost, failed) == ([], 0)
    [(_, token)] = taken
    assert rescreen_job_step(job.pk, first.next).state == "lost"  # the dead worker's claim is void
    assert rescreen_job_step(job.pk, token).state == "batch"
    assert rescreen_job_step(job.pk, token).state == "done"
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == (RescreenStatus.DONE, 4, 4, 2)
    for listing in listings:
        assert listing.screening_results.filter(trigger=ScreeningTrigger.RESCREEN).count() == 1


def test_a_job_whose_worker_keeps_dying_fails_with_a_reason(settings):
    settings.SCREENING_RESCREEN_STALE_SECONDS = 60
    holder, _ = brand_with_asset()
    listing_made(factories.StoreFactory(), "F1", "Northwind runner")
    [job] = rescreen_jobs_request([holder.pk], reason="Edit")
    rescreen_job_start(job.pk)
    RescreenJob.objects.filter(pk=job.pk).update(status=RescreenStatus.RUNNING, attempts=rescreen.RESCREEN_MAX_ATTEMPTS)
    taken, _, failed = rescreen_jobs_resume(now=timezone.now() + datetime.timedelta(seconds=61))
    job.refresh_from_db()
    assert (taken, failed, job.status) == ([], 1, RescreenStatus.FAILED)
    assert "stopped 5 times" in job.error


def test_a_queued_job_whose_message_was_lost_is_sent_again(settings):
    settings.SCREENING_RESCREEN_STALE_SECONDS = 60
    holder, _ = brand_with_asset()
    [job] = rescreen_jobs_request([holder.pk], reason="Edit")
    sent = []
    original = rescreen.rescreen_jobs_send
    rescreen.rescreen_jobs_send = sent.extend
    try:
        assert rescreen_jobs_resume()[1] == []
        assert rescreen_jobs_resume(now=timezone.now() + datetime.timedelta(seconds=61))[1] == [job.pk]
    finally:
        rescreen.rescreen_jobs_send = original
    assert sent == [job.pk]


# --- Scope ---------------------------------------------------------------------------------------------


def _step_by_step(job):
    """Run a job as its tasks would, noting after each call its phase, done and total, and what it screened."""
    seen = []

    def note(outcome):
        job.refresh_from_db()
        screened = set(
            ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN).values_list("listing_id", flat=True)
        )
        seen.append((outcome.state, job.phase, job.done, job.total, screened))

    outcome = rescreen_job_start(job.pk)
    note(outcome)
    while outcome.next is not None:
        outcome = rescreen_job_step(job.pk, outcome.next)
        note(outcome)
    return seen


def test_a_catalogue_above_the_limit_is_screened_whole_the_brands_likely_listings_first(settings):
    settings.SCREENING_RESCREEN_ALL_MAX = 3
    settings.SCREENING_BATCH_SIZE = 2
    holder, _ = brand_with_asset(keywords=("northwind", "nwrun"), categories=("Shoes",))
    store = factories.StoreFactory()
    # Keys interleaved: the likely listings are not simply the first ones.
    unrelated = listing_made(store, "U1", "Harbor view poster", category="Posters")
    in_category = listing_made(store, "C1", "Runners", category="Shoes")
    disguised_elsewhere = listing_made(store, "D1", "N0rthw1nd mug", category="Kitchen")
    under_category = listing_made(store, "C2", "Trail runners", category="shoes > Trail")
    keyword_elsewhere = listing_made(store, "K1", "Poster with NWRUN logo", category="Posters")
    named_before = listing_made(store, "N1", "Mug", category="Kitchen")
    removed = listing_made(store, "R1", "Northwind replica", category="Shoes")
    removed.status = ListingStatus.REMOVED
    removed.save(update_fields=["status"])
    ScreeningResult.objects.create(
        listing=named_before,
        rights_holder=holder,
        outcome="alert",
        score="0.6",
        snapshot_version=0,
        trigger="created",
        listing_updated_at=named_before.updated_at,
    )
    ip_register_changed([holder.pk], reason="Keyword added")  # the snapshot moves on, a job is queued
    job = RescreenJob.objects.get()

    seen = _step_by_step(job)

    likely = {in_category.pk, under_category.pk, keyword_elsewhere.pk, named_before.pk}
    rest = {unrelated.pk, disguised_elsewhere.pk}
    assert (job.scope, job.likely_total) == (SCOPE_BRAND, 4)
    # Two batches of likely listings, then the rest (the switch costs no call of its own), then done; the total
    # is every live listing from the start, and the progress moves by what was screened.
    assert [(state, phase, done, total) for state, phase, done, total, _ in seen] == [
        ("batch", "likely", 2, 6),
        ("batch", "likely", 4, 6),
        ("batch", "rest", 6, 6),
        ("done", "rest", 6, 6),
    ]
    assert seen[1][4] == likely and seen[2][4] == likely | rest
    assert (job.status, job.percent) == (RescreenStatus.DONE, 100)
    # Every live listing once, the disguised name outside the brand's categories too; the removed one not.
    screened = list(
        ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN).values_list("listing_id", flat=True)
    )
    assert sorted(screened) == sorted(likely | rest) and removed.pk not in screened


def test_the_page_says_which_pass_a_large_catalogues_job_is_in(settings):
    settings.SCREENING_RESCREEN_ALL_MAX = 1
    settings.SCREENING_BATCH_SIZE = 1
    holder, _ = brand_with_asset(categories=("Shoes",))
    store = factories.StoreFactory()
    listing_made(store, "C1", "Runners", category="Shoes")
    listing_made(store, "U1", "Harbor view poster", category="Posters")
    [job] = rescreen_jobs_request([holder.pk], reason="Edit")
    token = rescreen_job_start(job.pk).next
    job.refresh_from_db()
    progress = rescreen_job_progress(job)
    assert progress["phase_text"] == "First the 1 listing its IP most likely changes, then the rest of the catalogue"
    assert progress["summary"] == "1 of 2 listings screened (50%)"
    rescreen_job_step(job.pk, token)
    job.refresh_from_db()
    assert rescreen_job_progress(job)["phase_text"] == (
        "Now the rest of the catalogue (the 1 listing its IP most likely changes done first)"
    )
    rescreen_job_step(job.pk, token)
    job.refresh_from_db()
    assert job.status == RescreenStatus.DONE
    assert (
        rescreen_job_progress(job)["phase_text"] == "Every live listing, the 1 listing its IP most likely changes first"
    )


def test_a_listing_screened_since_against_a_newer_snapshot_counts_without_being_screened_again(settings):
    settings.SCREENING_BATCH_SIZE = 1
    holder, _ = brand_with_asset()
    store = factories.StoreFactory()
    first, edited, current = (listing_made(store, f"L{n}", f"Northwind runner {n}") for n in range(3))
    [job] = rescreen_jobs_request([holder.pk], reason="Edit")
    token = rescreen_job_start(job.pk).next
    # Another brand's change moves the snapshot on; its screening reaches two listings before this job does,
    # and one of them is edited afterwards (its own screening still to come). Then a third brand's change:
    # the pipeline alone (same snapshot, same listing) would screen them all again.
    snapshot_build.snapshot_version_bump()
    listings_screen([edited.pk, current.pk], trigger=ScreeningTrigger.CHANGED)
    type(edited).objects.filter(pk=edited.pk).update(updated_at=timezone.now() + datetime.timedelta(seconds=1))
    snapshot_build.snapshot_version_bump()

    steps = [rescreen_job_step(job.pk, token), rescreen_job_step(job.pk, token), rescreen_job_step(job.pk, token)]

    assert [(step.state, step.screened) for step in steps] == [("batch", 1), ("batch", 0), ("done", 0)]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (RescreenStatus.DONE, 3, 3)
    again = ScreeningResult.objects.filter(trigger=ScreeningTrigger.RESCREEN)
    assert sorted(again.values_list("listing_id", flat=True)) == sorted([first.pk, edited.pk])


# --- Progress --------------------------------------------------------------------------------------------


def test_progress_says_done_total_percent_and_time_left():
    holder, _ = brand_with_asset()
    now = timezone.now()
    job = RescreenJob.objects.create(
        rights_holder=holder,
        reason="Edit",
        status=RescreenStatus.RUNNING,
        total=400,
        done=100,
        started_at=now - datetime.timedelta(seconds=60),
    )
    progress = rescreen_job_progress(job, now=now)
    assert (progress["done"], progress["total"], progress["percent"]) == (100, 400, 25)
    assert (progress["eta_seconds"], progress["eta_text"]) == (180, "about 3 minutes left")
    assert progress["status_label"] == "Running" and progress["open"] is True
    assert progress["summary"] == "100 of 400 listings screened (25%)"
    job.status = RescreenStatus.QUEUED
    assert rescreen_job_progress(job, now=now)["summary"] == "Waiting for a worker to start it"
