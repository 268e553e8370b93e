"""Re-screening a brand's live listings when its registered IP changes: a background job with its progress.

**When.** Every change of what the snapshot reads for a rights holder (``rights_holders.announcements.
ip_register_changed``: an asset verified, rejected or expired, its keywords, categories, price or
reference images edited, an authorised store, the opt-in, the brand's thresholds; the images of a
listing upheld as counterfeit, ``screening.counterfeits``) asks for a job (``rescreen_jobs_request``)
in the writer's transaction; its task is sent after the commit. Coalesced: a queued job of the holder
takes the new change (``requests`` counts them, ``reason`` names the latest) instead of a second job,
and the database keeps one queued job per holder, so ten keyword edits in a row run once. A change
made while a job runs queues a new one; when it starts, the running one stops at its next batch
(``superseded``): the new one screens against the newer snapshot, every listing in scope. Staff and
the brand's owners also start one from the brand's screening page (``screening.views``).

**Which listings.** Every live listing, always: any listing may name any brand, in disguise
("N0rthw1nd") or only in a picture, and only screening itself can say it does not. A listing
already screened against a snapshot at least as new as the job's (another brand's job, its own
change) counts as done without being screened again, so jobs of several brands share the work.
The order depends on the catalogue's size:

* at most ``SCREENING_RESCREEN_ALL_MAX`` live listings (scope ``all``): in key order, one pass;
* above it (scope ``brand``), two passes, so that the listings the change most likely affects are
  current first: (1) phase ``likely`` (``rescreen_scope``): the listings in one of the brand's
  categories or under one (where an ordinary-word brand counts, and where disguised names and
  image-only copies of it mostly sit), every listing a result ever named the holder's brand for (it
  may clear now: a keyword or asset gone, a store authorised; or become a notice: the opt-in), and
  those whose title or description holds one of the holder's keywords or asset names as plain
  text, found in SQL as the job walks the catalogue; then (2) phase ``rest``: every other live
  listing. The page says which phase a job is in and how many likely listings it put first
  (``likely_total``); its total and progress count both passes.

A listing that joins the likely set while the job walks the rest (a result naming the brand) was
just screened, which is how it joined.

**How it runs.** ``rescreen_job_start`` (the task sent after the commit) claims the queued job
(a conditional update: one worker wins), records the snapshot version and how many listings are in
scope, and runs the first batch; each batch (``rescreen_job_step``) takes the next
``SCREENING_BATCH_SIZE`` listing ids above the job's ``cursor`` (keyset pagination by primary key,
never OFFSET), screens them through the pipeline (``listings_screen``, trigger ``rescreen``), then
moves the progress with one conditional update (the cursor it read, the claim it holds) and sends
the next batch (at the end of the likely phase, the same update moves the job to the rest and its
cursor back to 0). A batch whose progress update finds another cursor or claim counts nothing and sends
nothing; the pipeline itself skips listings already screened at this snapshot and listing version
(under a row lock), so a batch run twice writes its results once. The tasks acknowledge late; a job
whose worker died (no heartbeat for ``SCREENING_RESCREEN_STALE_SECONDS``) is taken over by beat
(``rescreen_jobs_resume``, every minute) under a new claim, from its last committed batch, as a
queued job whose message was lost is sent again; after ``RESCREEN_MAX_ATTEMPTS`` takeovers it fails.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from listings.models import Listing
from rights_holders.models import IPAsset, RightsHolder
from screening.models import (
    RESCREEN_OPEN_STATUSES,
    ExtraKeyword,
    RescreenJob,
    RescreenPhase,
    RescreenStatus,
    ScreeningResult,
    ScreeningTrigger,
)
from screening.pipeline import SCREENED_STATUSES, listings_screen
from screening.snapshot_build import snapshot_version_current
from takedowns.models import NoticeItem

log = logging.getLogger(__name__)

SCOPE_ALL = "all"
SCOPE_BRAND = "brand"
# Takeovers of a job whose worker died before it is failed (a batch that kills its worker every time).
RESCREEN_MAX_ATTEMPTS = 5
REASON_MAX = 300


# --- Asking for a job ------------------------------------------------------------------------------


def rescreen_jobs_request(rights_holder_ids, *, reason, requested_by=None, now=None):
    """A queued job for each holder (a queued one reused), in the caller's transaction; sent after its commit.

    Returns the jobs.
    """
    now = now or timezone.now()
    reason = (str(reason).strip() or "The registered IP changed")[:REASON_MAX]
    # A holder deleted in this transaction (the admin announces its deletion) has nothing left to screen.
    existing = RightsHolder.objects.filter(pk__in={int(i) for i in rights_holder_ids}).order_by("pk")
    jobs = [
        _job_queue(holder_id, reason=reason, requested_by=requested_by, now=now)
        for holder_id in existing.values_list("pk", flat=True)
    ]
    ids = [job.pk for job in jobs]
    transaction.on_commit(lambda: rescreen_jobs_send(ids))
    return jobs


def _job_queue(holder_id, *, reason, requested_by, now):
    for _ in range(3):
        updated = RescreenJob.objects.filter(rights_holder_id=holder_id, status=RescreenStatus.QUEUED).update(
            reason=reason, requests=F("requests") + 1, requested_by=requested_by
        )
        if updated:
            return RescreenJob.objects.get(rights_holder_id=holder_id, status=RescreenStatus.QUEUED)
        try:
            # A savepoint: losing the race to another writer's queued job leaves the caller's transaction usable.
            with transaction.atomic():
                return RescreenJob.objects.create(
                    rights_holder_id=holder_id, reason=reason, requested_by=requested_by, created_at=now
                )
        except IntegrityError:
            continue  # the other writer's job is queued now: take it on the next turn
    raise RuntimeError(f"could not queue a re-screening for rights holder {holder_id}")


def rescreen_jobs_send(job_ids):
    """Send the start of these jobs; a broker refusing it is logged (beat's sweep sends it again)."""
    from screening.tasks import rescreen_job_start

    for job_id in job_ids:
        try:
            rescreen_job_start.delay(job_id)
        except Exception:
            log.exception("Could not send re-screening job %s; beat's sweep will", job_id)


def rescreen_job_request_by(*, rights_holder, actor, now=None):
    """A job started from the brand's page (the caller checked the actor's right). Returns the job."""
    from portal.audit import audit_log_record
    from portal.transactions import durable_atomic

    with durable_atomic():
        reason = f"Started from the brand's screening page ({actor.get_username()})"
        [job] = rescreen_jobs_request([rights_holder.pk], reason=reason, now=now)
        RescreenJob.objects.filter(pk=job.pk).update(requested_by=actor)
        job.requested_by = actor
        audit_log_record(
            action="screening.rescreen_job.requested",
            actor=actor,
            obj=job,
            organisation=rights_holder.organisation,
            data={"job": str(job.public_id)},
        )
    return job


# --- Which listings --------------------------------------------------------------------------------


def _brand_terms(holder_id):
    terms = set()
    usable = IPAsset.objects.usable(on=timezone.localdate()).filter(rights_holder_id=holder_id)
    for name, keywords in usable.values_list("name", "keywords"):
        for term in [name, *(keywords or [])]:
            if isinstance(term, str) and len(term.strip()) >= 2:
                terms.add(term.strip().casefold())
    # The keywords the brand added (screening.intel) are screened as its own: their listings are in scope too.
    for text in ExtraKeyword.objects.filter(asset__in=usable).values_list("text", flat=True):
        if len(text.strip()) >= 2:
            terms.add(text.strip().casefold())
    return sorted(terms)


def _brand_categories(holder_id):
    found = set()
    for categories in IPAsset.objects.filter(rights_holder_id=holder_id).values_list("categories", flat=True):
        for category in categories or []:
            if isinstance(category, str) and category.strip():
                found.add(" ".join(category.split()))
    return sorted(found)


def rescreen_scope(job):
    """The condition on ``Listing`` of the listings the brand's IP most likely changes (phase likely): see the
    module. Q() (every listing) for a job of scope all."""
    if job.scope == SCOPE_ALL:
        return Q()
    holder_id = job.rights_holder_id
    condition = Q(pk__in=ScreeningResult.objects.filter(rights_holder_id=holder_id).values("listing_id"))
    for category in _brand_categories(holder_id):
        condition |= Q(category__iexact=category) | Q(category__istartswith=f"{category} >")
        condition |= Q(category__istartswith=f"{category}>")
    for term in _brand_terms(holder_id):
        condition |= Q(title__icontains=term) | Q(description__icontains=term)
    return condition


def _live_listings():
    return Listing.objects.filter(status__in=SCREENED_STATUSES)


def _listings_in_phase(job):
    """The live listings of the job's current pass: all of them (scope all), the likely ones, or the rest."""
    if job.scope == SCOPE_ALL:
        return _live_listings()
    if job.phase == RescreenPhase.REST:
        return _live_listings().exclude(rescreen_scope(job))
    return _live_listings().filter(rescreen_scope(job))


def _already_current(rows, snapshot_version):
    """The listings of ``rows`` ((id, updated_at)) screened as they are now against a snapshot at least as new
    as the job's (the pipeline's own skip asks the same version; a newer one has this change too)."""
    if snapshot_version is None or not rows:
        return set()
    screened = set(
        ScreeningResult.objects.filter(
            listing_id__in=[pk for pk, _ in rows], snapshot_version__gte=snapshot_version
        ).values_list("listing_id", "listing_updated_at")
    )
    return {pk for pk, updated_at in rows if (pk, updated_at) in screened}


def _scope_for(job):
    if job.scope:
        return job.scope
    limit = settings.SCREENING_RESCREEN_ALL_MAX
    # Counted up to one past the limit: the read stops there, whatever the catalogue's size.
    large = Listing.objects.filter(status__in=SCREENED_STATUSES).values("pk")[: limit + 1].count() > limit
    return SCOPE_BRAND if large else SCOPE_ALL


# --- Running a job -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepOutcome:
    """What one call did: ``next`` is the claim token to send the next batch with (None: nothing more)."""

    job_id: int
    screened: int
    next: str | None
    state: str  # "batch", "done", "lost" (another claim or cursor), "superseded", "not_queued"


def rescreen_job_start(job_id, *, now=None):
    """Claim a queued job, fix its scope and total, stop the holder's older running job, run its first batch."""
    now = now or timezone.now()
    job = RescreenJob.objects.filter(pk=job_id, status=RescreenStatus.QUEUED).first()
    if job is None:
        return StepOutcome(job_id, 0, None, "not_queued")
    job.scope = _scope_for(job)
    job.phase = RescreenPhase.LIKELY if job.scope == SCOPE_BRAND else ""
    # Both passes together are every live listing; the likely ones are counted for the page.
    total = _live_listings().count()
    likely = _listings_in_phase(job).count() if job.scope == SCOPE_BRAND else 0
    token = uuid.uuid4()
    with transaction.atomic():
        claimed = RescreenJob.objects.filter(pk=job_id, status=RescreenStatus.QUEUED).update(
            status=RescreenStatus.RUNNING,
            scope=job.scope,
            phase=job.phase,
            likely_total=likely,
            cursor=0,
            total=total,
            claim_token=token,
            heartbeat_at=now,
            started_at=now,
            attempts=1,
            snapshot_version=snapshot_version_current(),
        )
        if not claimed:
            return StepOutcome(job_id, 0, None, "not_queued")
        # The older running job of the holder screens against an older snapshot: this one covers it.
        RescreenJob.objects.filter(rights_holder_id=job.rights_holder_id, status=RescreenStatus.RUNNING).exclude(
            pk=job_id
        ).update(status=RescreenStatus.SUPERSEDED, finished_at=now, claim_token=None)
    return rescreen_job_step(job_id, str(token), now=now)


def rescreen_job_step(job_id, token, *, now=None):
    """Screen the job's next batch under claim ``token`` and move its progress once. Returns a StepOutcome."""
    job = RescreenJob.objects.filter(pk=job_id).first()
    if job is None or job.status != RescreenStatus.RUNNING or str(job.claim_token) != str(token):
        state = "superseded" if job is not None and job.status == RescreenStatus.SUPERSEDED else "lost"
        return StepOutcome(job_id, 0, None, state)
    mine = RescreenJob.objects.filter(
        pk=job_id, status=RescreenStatus.RUNNING, claim_token=token, phase=job.phase, cursor=job.cursor
    )
    rows = list(
        _listings_in_phase(job)
        .filter(pk__gt=job.cursor)
        .order_by("pk")
        .values_list("pk", "updated_at")[: settings.SCREENING_BATCH_SIZE]
    )
    ids = [pk for pk, _ in rows]
    if not ids and job.scope == SCOPE_BRAND and job.phase != RescreenPhase.REST:
        # The likely listings are done: the rest of the catalogue, from its first key, under the same claim.
        if not mine.update(phase=RescreenPhase.REST, cursor=0, heartbeat_at=now or timezone.now()):
            return StepOutcome(job_id, 0, None, "lost")
        return rescreen_job_step(job_id, token, now=now)
    if not ids:
        finished = mine.update(
            status=RescreenStatus.DONE,
            total=F("done"),
            finished_at=now or timezone.now(),
            claim_token=None,
            heartbeat_at=now or timezone.now(),
        )
        return StepOutcome(job_id, 0, None, "done" if finished else "lost")
    current = _already_current(rows, job.snapshot_version)
    todo = [pk for pk in ids if pk not in current]
    run = listings_screen(todo, trigger=ScreeningTrigger.RESCREEN, now=now) if todo else None
    moved = mine.update(
        cursor=ids[-1],
        done=F("done") + len(ids),
        total=Greatest(F("total"), F("done") + len(ids)),
        alerts_raised=F("alerts_raised") + (len(run.alert_ids) if run else 0),
        notices_filed=F("notices_filed") + (_notices_filed(run.notice_result_ids) if run else 0),
        batches=F("batches") + 1,
        heartbeat_at=now or timezone.now(),
    )
    if not moved:
        return StepOutcome(job_id, len(todo), None, "lost")
    return StepOutcome(job_id, len(todo), str(token), "batch")


def _notices_filed(result_ids):
    if not result_ids:
        return 0
    references = [str(r) for r in ScreeningResult.objects.filter(pk__in=result_ids).values_list("public_id", flat=True)]
    return NoticeItem.objects.filter(screening_reference__in=references).count()


def rescreen_job_fail(job_id, token, error):
    """The job failed under claim ``token`` (an error a retry will not cure); the error kept for the page."""
    return RescreenJob.objects.filter(pk=job_id, status=RescreenStatus.RUNNING, claim_token=token).update(
        status=RescreenStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now(), claim_token=None
    )


def rescreen_jobs_resume(*, now=None):
    """Beat: take over the running jobs whose worker died, send again the queued jobs whose message was lost.

    Returns (jobs taken over: [(id, token)], queued job ids sent again, jobs failed).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SCREENING_RESCREEN_STALE_SECONDS)
    taken, failed = [], 0
    for job_id, old_token, attempts in RescreenJob.objects.filter(
        status=RescreenStatus.RUNNING, heartbeat_at__lt=stale
    ).values_list("pk", "claim_token", "attempts"):
        same = RescreenJob.objects.filter(pk=job_id, status=RescreenStatus.RUNNING, claim_token=old_token)
        if attempts >= RESCREEN_MAX_ATTEMPTS:
            failed += same.update(
                status=RescreenStatus.FAILED,
                finished_at=now,
                claim_token=None,
                error=f"Its worker stopped {attempts} times without finishing a batch; start it again once fixed.",
            )
            continue
        token = uuid.uuid4()
        if same.update(claim_token=token, heartbeat_at=now, attempts=F("attempts") + 1):
            taken.append((job_id, str(token)))
    lost = list(
        RescreenJob.objects.filter(status=RescreenStatus.QUEUED, created_at__lt=stale).values_list("pk", flat=True)
    )
    from screening.tasks import rescreen_job_step as step_task

    for job_id, token in taken:
        try:
            step_task.delay(job_id, token)
        except Exception:
            log.exception("Could not send re-screening job %s; the next sweep will", job_id)
    rescreen_jobs_send(lost)
    return taken, lost, failed


# --- What pages show --------------------------------------------------------------------------------


def rescreen_jobs_of(holder_id, *, limit=10):
    return list(RescreenJob.objects.filter(rights_holder_id=holder_id).select_related("requested_by")[:limit])


def rescreen_job_progress(job, *, now=None):
    """The plain progress of a job, as the page and its script show it."""
    now = now or timezone.now()
    eta = None
    if job.status == RescreenStatus.RUNNING and job.started_at and job.done:
        elapsed = (now - job.started_at).total_seconds()
        if elapsed > 0:
            eta = int((job.total - job.done) * elapsed / job.done)
    return {
        "id": str(job.public_id),
        "status": job.status,
        "status_label": job.get_status_display(),
        "open": job.status in RESCREEN_OPEN_STATUSES,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "summary": gettext("Waiting for a worker to start it")
        if job.status == RescreenStatus.QUEUED
        else ngettext(
            "%(done)s of %(total)s listing screened (%(percent)s%%)",
            "%(done)s of %(total)s listings screened (%(percent)s%%)",
            job.total,
        )
        % {"done": job.done, "total": job.total, "percent": job.percent},
        "phase_text": _phase_text(job),
        "eta_seconds": eta,
        "eta_text": eta_text(eta),
        "alerts_raised": job.alerts_raised,
        "notices_filed": job.notices_filed,
        "error": job.error,
    }


def _phase_text(job):
    """Which pass a job is in, in words (scope brand); "" when it walks the catalogue in one pass."""
    if job.scope != SCOPE_BRAND:
        return ""
    n = job.likely_total
    if job.status == RescreenStatus.RUNNING:
        if job.phase == RescreenPhase.REST:
            return ngettext(
                "Now the rest of the catalogue (the %(n)s listing its IP most likely changes done first)",
                "Now the rest of the catalogue (the %(n)s listings its IP most likely changes done first)",
                n,
            ) % {"n": n}
        return ngettext(
            "First the %(n)s listing its IP most likely changes, then the rest of the catalogue",
            "First the %(n)s listings its IP most likely changes, then the rest of the catalogue",
            n,
        ) % {"n": n}
    return ngettext(
        "Every live listing, the %(n)s listing its IP most likely changes first",
        "Every live listing, the %(n)s listings its IP most likely changes first",
        n,
    ) % {"n": n}


def eta_text(seconds):
    if seconds is None:
        return ""
    if seconds < 60:
        return gettext("less than a minute left")
    minutes = round(seconds / 60)
    if minutes < 90:
        return ngettext("about %(n)s minute left", "about %(n)s minutes left", minutes) % {"n": minutes}
    hours = round(minutes / 60)
    return ngettext("about %(n)s hour left", "about %(n)s hours left", hours) % {"n": hours}
