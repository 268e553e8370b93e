"""Screening listings from the database: the thin pipeline around the core (issue 11).

``listings_screen(listing_ids, trigger=...)`` screens a batch in a constant number of queries:

1. the process's compiled screener for the current snapshot version (``snapshot_build``: one
   indexed query unless the version moved);
2. the listings with their latest result's versions, then their images (two queries); a listing
   already screened at this snapshot version and this listing version is skipped, so a task run
   twice writes once; removed and taken-down listings are not screened (nothing to act on);
3. the images' bytes from storage, their OCR through the ``OcrText`` cache (one query, and one
   insert of what Tesseract read), the stores' merchant facts (``screening.merchants``, a constant
   number of queries);
4. ``Screener.screen_many``; then in one transaction: the listings locked (``FOR NO KEY UPDATE``,
   so two workers on the same listing write one result), the skip re-checked under the lock, the
   results inserted in one statement, an alert for each ``alert`` outcome unless one is open for the
   listing and asset (one query to find them, one insert), the alerts announced for webhooks
   (``portal.events``: ``screening_alert``);
5. after the commit, ``notice`` outcomes go to ``proactive_findings_act``: the engine's proactive
   filing (``takedowns.proactive``: a platform-initiated fast-track notice, the listing down at
   once). A finding it refuses because the platform may not act for the brand, or a filing that
   fails, alerts the rights holder instead.

A brand that did not opt in to platform-initiated notices never gets a ``notice`` outcome from the
core (it gets ``alert``), nor does a store on its authorised list get anything but ``clear``.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from listings.models import Listing, ListingImage, ListingStatus
from portal.events import events_announce
from portal.transactions import durable_atomic
from screening.core import ListingInput, Outcome
from screening.core.decoding import content_hash
from screening.core.money import PER_EURO
from screening.merchants import merchant_facts_for
from screening.models import AlertStatus, ScreeningAlert, ScreeningResult
from screening.snapshot_build import screener_current
from takedowns.proactive import ProactiveFinding, proactive_notices_file

log = logging.getLogger(__name__)

SCREENED_STATUSES = (ListingStatus.LIVE, ListingStatus.UNDER_COMPLAINT)
# A notice finding the engine refuses for these reasons asks the rights holder instead (an alert): the
# platform may not act for the brand (it opted out since the snapshot; no marketplace to file as). Other
# refusals leave nothing to ask (filed already, a complaint open, the store authorised, the listing down).
ALERT_INSTEAD = frozenset({"not_opted_in", "no_marketplace"})
# How far back the sweep of missed listings looks (it runs every 10 minutes; a day covers a long outage).
MISSED_LOOKBACK = timedelta(days=1)
# ... and leaves alone the listings changed in the last minutes: their tasks are normally under way.
MISSED_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class ScreeningRun:
    """What one call did: results written (their ids), alerts created, notice findings handed on, skipped."""

    result_ids: list
    alert_ids: list
    notice_result_ids: list
    skipped: int


def signals_plain(result, ocr_texts):
    """The result's signals as stored: kind, evidence, points and the details (the OCR text for ``ocr``)."""
    plain = []
    for signal in result.signals:
        row = {"kind": str(signal.kind), "evidence": signal.evidence, "points": round(signal.points, 4)}
        if signal.details:
            row.update(signal.details)
        if str(signal.kind) == "ocr":
            row["ocr_text"] = ocr_texts
        plain.append(row)
    return plain


def _listings_read(listing_ids):
    latest = ScreeningResult.objects.filter(listing_id=OuterRef("pk")).order_by("-id")
    return list(
        Listing.objects.filter(pk__in=listing_ids, status__in=SCREENED_STATUSES)
        .annotate(
            screened_version=Subquery(latest.values("snapshot_version")[:1]),
            screened_updated_at=Subquery(latest.values("listing_updated_at")[:1]),
        )
        .only("pk", "store_id", "title", "description", "category", "price", "currency", "updated_at")
        .order_by("pk")
    )


def _already_screened(listing, version):
    return listing.screened_version == version and listing.screened_updated_at == listing.updated_at


def _images_read(listings, compiled):
    """{listing id: [storage names in order]}; the bytes go to the compiled screener's loader (one query)."""
    names = {}
    rows = ListingImage.objects.filter(listing_id__in=[listing.pk for listing in listings]).order_by(
        "listing_id", "position", "pk"
    )
    batch = {}
    for listing_id, name in rows.values_list("listing_id", "image"):
        if not name:
            continue
        try:
            batch[name] = compiled.images(name)
        except OSError as exc:
            log.warning("Listing %s: image %s cannot be read: %s", listing_id, name, exc)
            continue
        names.setdefault(listing_id, []).append(name)
    compiled.images.batch = batch
    compiled.ocr_cache.prefetch(content_hash(data) for data in batch.values())
    return names, batch


def _listing_input(listing, images, facts):
    currency = (listing.currency or "").upper()
    known = currency in PER_EURO
    return ListingInput(
        id=listing.pk,
        title=listing.title,
        description=listing.description,
        store=str(listing.store_id),
        category=listing.category,
        # A currency the core cannot convert: no price signal rather than a wrong one.
        price=listing.price if known else None,
        currency=currency if known else "EUR",
        images=tuple(images),
        merchant=facts,
    )


def _ocr_texts(names, batch, cache):
    texts = []
    for name in names:
        reading = cache.get(content_hash(batch[name]))
        if reading is not None and reading.text:
            texts.append(reading.text)
    return "\n".join(texts)


def listings_screen(listing_ids, *, trigger, now=None):
    """Screen these listings and write what follows (see the module's docstring). Returns a ScreeningRun."""
    now = now or timezone.now()
    listing_ids = sorted({int(i) for i in listing_ids})
    compiled = screener_current(now=now)
    version = compiled.version
    listings = _listings_read(listing_ids)
    skipped = len(listing_ids) - len(listings)
    todo = [listing for listing in listings if not _already_screened(listing, version)]
    skipped += len(listings) - len(todo)
    if not todo:
        return ScreeningRun([], [], [], skipped)
    try:
        names, batch = _images_read(todo, compiled)
        facts = merchant_facts_for({listing.store_id for listing in todo}, now=now)
        inputs = [_listing_input(listing, names.get(listing.pk, ()), facts.get(listing.store_id)) for listing in todo]
        results = compiled.screener.screen_many(inputs)
        compiled.ocr_cache.flush()
    finally:
        compiled.images.batch = {}
        compiled.ocr_cache.discard()
    rows = [
        ScreeningResult(
            listing_id=listing.pk,
            asset_id=result.brand_id,
            rights_holder_id=compiled.asset_holders.get(result.brand_id),
            outcome=str(result.outcome),
            score=Decimal(str(result.score)).quantize(Decimal("0.0001")),
            signals=signals_plain(result, _ocr_texts(names.get(listing.pk, ()), batch, compiled.ocr_cache)),
            snapshot_version=version,
            trigger=trigger,
            listing_updated_at=listing.updated_at,
            created_at=now,
        )
        for listing, result in zip(todo, results, strict=True)
    ]
    with durable_atomic():
        written, written_skips = _results_write(rows, version)
        # The results' listings are locked by _results_write in this transaction.
        alerts = _alerts_create([row for row in written if row.outcome == Outcome.ALERT], now=now, locked=True)
    skipped += written_skips
    notices = [row for row in written if row.outcome == Outcome.NOTICE]
    if notices:
        ask_instead = proactive_findings_act(notices, now=now)
        if ask_instead:
            with durable_atomic():
                alerts += _alerts_create(ask_instead, now=now)
    return ScreeningRun([row.pk for row in written], [a.pk for a in alerts], [row.pk for row in notices], skipped)


def _listings_lock(listing_ids):
    """Lock the listings as listings_apply locks them (id order), so two workers on the same listings
    take turns. Returns the ids locked."""
    return list(
        Listing.objects.select_for_update(no_key=True)
        .filter(pk__in=list(listing_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _latest_screened(listing_ids):
    """{listing id: (snapshot version, listing version)} of each listing's latest result.

    A statement of its own, after the lock was granted: under READ COMMITTED a statement sees what was
    committed before it began, so read in the locking statement itself it would miss the result of a run
    that committed while this one waited for the lock, and the listing would be written twice.
    """
    latest = ScreeningResult.objects.filter(listing_id=OuterRef("pk")).order_by("-id")
    rows = (
        Listing.objects.filter(pk__in=list(listing_ids))
        .annotate(
            screened_version=Subquery(latest.values("snapshot_version")[:1]),
            screened_updated_at=Subquery(latest.values("listing_updated_at")[:1]),
        )
        .values_list("pk", "screened_version", "screened_updated_at")
    )
    return {pk: (screened_version, screened_updated_at) for pk, screened_version, screened_updated_at in rows}


def _results_write(rows, version):
    """Inserts the results that no other run wrote meanwhile (checked under the lock); returns (written, skipped)."""
    by_listing = {row.listing_id: row for row in rows}
    screened = _latest_screened(_listings_lock(by_listing))
    fresh = [
        by_listing[pk]
        for pk, latest in sorted(screened.items())
        if latest != (version, by_listing[pk].listing_updated_at)
    ]
    if not fresh:
        return [], len(rows)
    return ScreeningResult.objects.bulk_create(fresh), len(rows) - len(fresh)


def _alerts_create(results, *, now, locked=False):
    """An open alert for each result, unless one is open for its listing and asset; announced for webhooks.

    In the caller's transaction, with the listings locked (``_listings_lock``, here unless the caller
    holds the lock already: ``locked``): the check and the insert see no other run's alert for them in
    between (the open alerts are read after the lock was granted).
    """
    results = [row for row in results if row.asset_id is not None]
    if not results:
        return []
    listing_ids = {row.listing_id for row in results}
    if not locked:
        _listings_lock(listing_ids)
    open_pairs = set(
        ScreeningAlert.objects.filter(listing_id__in=listing_ids, status=AlertStatus.OPEN).values_list(
            "listing_id", "asset_id"
        )
    )
    new = []
    for row in results:
        if (row.listing_id, row.asset_id) in open_pairs:
            continue  # asked already: the open alert stands for this result too
        open_pairs.add((row.listing_id, row.asset_id))
        new.append(
            ScreeningAlert(
                result=row,
                listing_id=row.listing_id,
                rights_holder_id=row.rights_holder_id,
                asset_id=row.asset_id,
                created_at=now,
            )
        )
    alerts = ScreeningAlert.objects.bulk_create(new)
    if alerts:
        events_announce("screening_alert", [alert.pk for alert in alerts])
    return alerts


def proactive_findings_act(results, *, now=None):
    """Hand ``notice`` results to the engine's proactive filing (``takedowns.proactive.proactive_notices_file``).

    The one place screening asks for platform-initiated notices (each result files at most once: the
    engine keeps the result's public id on the item). Returns the results whose holder is to be asked
    instead (an alert): refused for a reason in ``ALERT_INSTEAD``, or not filed at all because the
    filing failed (logged): a finding is never dropped silently.
    """
    findings = [
        ProactiveFinding(
            listing_id=row.listing_id,
            asset_id=row.asset_id,
            score=float(row.score),
            evidence=[signal["evidence"] for signal in row.signals if signal.get("evidence")],
            reference=str(row.public_id),
        )
        for row in results
    ]
    try:
        outcomes = proactive_notices_file(findings, now=now)
    except Exception:
        log.exception("Proactive filing of %s screening results failed; their rights holders get alerts", len(results))
        return list(results)
    ask = []
    for row, outcome in zip(results, outcomes, strict=True):
        if outcome.filed:
            continue
        if outcome.code in ALERT_INSTEAD:
            ask.append(row)
        else:
            log.info("Screening result %s not filed (%s): %s", row.public_id, outcome.code, outcome.refusal)
    return ask


def listings_missed(*, now=None, limit=50_000):
    """(created ids, changed ids) of listings changed within ``MISSED_LOOKBACK`` (but not in the last
    ``MISSED_GRACE``) that have no result for their
    current version: their screening was never sent (or never ran). Read by the index on ``updated_at``."""
    now = now or timezone.now()
    screened = ScreeningResult.objects.filter(listing_id=OuterRef("pk"), listing_updated_at=OuterRef("updated_at"))
    rows = (
        Listing.objects.filter(
            updated_at__gte=now - MISSED_LOOKBACK, updated_at__lte=now - MISSED_GRACE, status__in=SCREENED_STATUSES
        )
        .exclude(Exists(screened))
        .order_by("updated_at", "pk")
        .values_list("pk", "created_at", "updated_at")[:limit]
    )
    created, changed = [], []
    for pk, created_at, updated_at in rows:
        (created if created_at == updated_at else changed).append(pk)
    return created, changed
