"""The screening core's snapshot built from the database, its version, and each worker's compiled screener.

**What the snapshot holds** (``snapshot_data``): every usable asset (verified, not expired) is one of
the core's brands (``id``: the asset's id), with its name and keywords (the registered ones, then the
extra keywords its holder added: ``screening.intel``), its categories, its
reference price (dropped when in a currency the core cannot convert: the rest still screens), its
reference images (storage names; a file that cannot be read or decoded is left out and logged,
never the whole snapshot; so is one too plain to compare, from image matching: ``core/images.py``), its holder's authorised stores valid today (store ids), its holder's
opt-in to platform-initiated notices (``RightsHolder.proactive_enforcement``; without it the
brand's listings get alerts at most), and its holder's own thresholds
(``BrandScreeningSettings``), and its known counterfeit images (``CounterfeitImage``: every image
of a listing upheld as counterfeit, the holder's uploads; one with no asset counts for each of the
holder's brands). Banned categories come from ``settings.LISTING_BANNED_CATEGORIES``. Five queries,
whatever the number of assets.

**Its version** (``ScreeningState.snapshot_version``) counts the changes of what the snapshot reads:
every write path announces them (``rights_holders.announcements.ip_register_changed``;
``ip_register_changed_answer`` here bumps the counter in the writer's own transaction, so the
version never lags the data it names, and queues the holders' re-screening jobs, ``screening.rescreen``).

**The compiled screener** (``screener_current``): a worker process keeps one per version (and day:
authorisations end at midnight) and the thresholds in settings; before each batch it reads the
version (one indexed query) and rebuilds only when it moved.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone

from rights_holders.models import AuthorisedStore, IPAsset
from screening.core import DEFAULT_THRESHOLDS, Screener, Snapshot
from screening.core.decoding import ImageUnreadable
from screening.core.images import ListingImages
from screening.core.money import UnknownCurrency, currency_check
from screening.core.ocr import OcrReader
from screening.core.phash import bytes_decode_for_hashing
from screening.models import CounterfeitImage, ScreeningState
from screening.ocr_cache import DbOcrCache

log = logging.getLogger(__name__)

STATE_ID = 1


# --- The version ------------------------------------------------------------------------------------


def snapshot_version_current():
    """The current snapshot version (0 before the first change): one query by primary key."""
    return ScreeningState.objects.filter(pk=STATE_ID).values_list("snapshot_version", flat=True).first() or 0


def snapshot_version_bump(*, now=None):
    """Count one more change of the registered IP, in the caller's transaction; returns nothing."""
    now = now or timezone.now()
    bumped = ScreeningState.objects.filter(pk=STATE_ID).update(
        snapshot_version=F("snapshot_version") + 1, changed_at=now
    )
    if not bumped:
        # The first change ever (or a database just flushed): the row is made, then counted like any other.
        ScreeningState.objects.bulk_create([ScreeningState(pk=STATE_ID, snapshot_version=0)], ignore_conflicts=True)
        ScreeningState.objects.filter(pk=STATE_ID).update(snapshot_version=F("snapshot_version") + 1, changed_at=now)


def ip_register_changed_answer(rights_holder_ids, *, reason):
    """``rights_holders.announcements``' answer, in the writer's transaction: the snapshot moves on, and a
    re-screening job of each holder's live listings is queued (``screening.rescreen``, sent after the commit)."""
    from screening.rescreen import rescreen_jobs_request

    snapshot_version_bump()
    rescreen_jobs_request(rights_holder_ids, reason=reason)


# --- The snapshot's data ----------------------------------------------------------------------------


def _proactive_enforcement(holder):
    return holder.proactive_enforcement


def _reference_price(asset):
    if asset.reference_price is None or not asset.reference_currency:
        return None, None
    try:
        return str(asset.reference_price), currency_check(asset.reference_currency)
    except UnknownCurrency:
        log.warning(
            "Asset %s: reference price in %s, which screening cannot convert; left out",
            asset.pk,
            asset.reference_currency,
        )
        return None, None


def _thresholds(holder):
    try:
        own = holder.screening_settings
    except holder.__class__.screening_settings.RelatedObjectDoesNotExist:
        return None
    if own.notice_threshold is None and own.alert_threshold is None:
        return None
    # Both, always: the core checks a brand's pair against its own defaults otherwise.
    notice, alert = own.effective_thresholds()
    return {"notice": notice, "alert": alert}


def banned_categories():
    """The banned categories (``LISTING_BANNED_CATEGORIES``, the listings app's setting)."""
    return [str(c) for c in getattr(settings, "LISTING_BANNED_CATEGORIES", ()) or ()]


@dataclass(frozen=True)
class SnapshotData:
    data: dict  # Snapshot.from_dict's shape
    asset_holders: dict  # asset id -> rights holder id
    reference_images: dict  # storage name -> ReferenceImage id


def _counterfeits(holder_ids):
    """{(holder id, asset id or None): [storage names]}, oldest first (one query)."""
    found = {}
    rows = (
        CounterfeitImage.objects.filter(rights_holder_id__in=holder_ids)
        .exclude(image_name="")
        .order_by("pk")
        .values_list("rights_holder_id", "asset_id", "image_name")
    )
    for holder_id, asset_id, name in rows:
        names = found.setdefault((holder_id, asset_id), [])
        if name not in names:
            names.append(name)
    return found


def snapshot_data(*, now=None):
    """The snapshot's plain data from the database, in five queries."""
    today = timezone.localdate(now or timezone.now())
    assets = list(
        IPAsset.objects.usable(on=today)
        .select_related("rights_holder", "rights_holder__screening_settings")
        .prefetch_related("reference_images", "extra_keywords")
        .order_by("pk")
    )
    holder_ids = {asset.rights_holder_id for asset in assets}
    stores = {}
    for holder_id, store_id in (
        AuthorisedStore.objects.valid_on(today)
        .filter(rights_holder_id__in=holder_ids)
        .values_list("rights_holder_id", "store_id")
    ):
        stores.setdefault(holder_id, []).append(str(store_id))
    counterfeits = _counterfeits(holder_ids)
    brands, asset_holders, reference_images = [], {}, {}
    for asset in assets:
        holder = asset.rights_holder
        price, currency = _reference_price(asset)
        images = []
        for image in asset.reference_images.all():
            if image.image.name:
                images.append(image.image.name)
                reference_images[image.image.name] = image.pk
        brand = {
            "id": asset.pk,
            "name": asset.name,
            # The registered keywords, then those the brand added (screening.intel.keywords).
            "keywords": list(
                dict.fromkeys(
                    [k for k in asset.keywords or [] if isinstance(k, str)]
                    + [extra.text for extra in asset.extra_keywords.all()]
                )
            ),
            "categories": [c for c in asset.categories or [] if isinstance(c, str)],
            "reference_price": price,
            "currency": currency,
            "reference_images": images,
            "counterfeit_images": list(
                dict.fromkeys([*counterfeits.get((holder.pk, asset.pk), ()), *counterfeits.get((holder.pk, None), ())])
            ),
            "authorised_stores": sorted(stores.get(holder.pk, [])),
            "proactive_notices": _proactive_enforcement(holder),
        }
        if (thresholds := _thresholds(holder)) is not None:
            brand["thresholds"] = thresholds
        brands.append(brand)
        asset_holders[asset.pk] = holder.pk
    data = {"brands": brands, "banned_categories": banned_categories()}
    return SnapshotData(data, asset_holders, reference_images)


# --- Images: read from storage, listing images handed in by the batch -------------------------------


class StorageImages:
    """The core's ``load``: a batch's listing images from memory (read once by the pipeline), else storage."""

    def __init__(self):
        self.batch = {}

    def __call__(self, name):
        data = self.batch.get(name)
        if data is not None:
            return data
        with default_storage.open(name, "rb") as file:
            return file.read()


def _readable_references(data, load, limits):
    """The data without the reference and counterfeit images that cannot be read or decoded (each logged):
    a counterfeit's listing picture removed by its merchant since, a damaged file."""
    for brand in data["brands"]:
        for key, what in (("reference_images", "Reference"), ("counterfeit_images", "Counterfeit")):
            kept = []
            for name in brand[key]:
                try:
                    bytes_decode_for_hashing(load(name), limits=limits)
                except (OSError, ImageUnreadable) as exc:
                    log.warning("%s image %s of asset %s left out of screening: %s", what, name, brand["id"], exc)
                    continue
                kept.append(name)
            brand[key] = kept
    return data


# --- The compiled screener, per process --------------------------------------------------------------


def portal_thresholds():
    return DEFAULT_THRESHOLDS.overridden(
        notice=settings.SCREENING_NOTICE_THRESHOLD, alert=settings.SCREENING_ALERT_THRESHOLD
    )


@dataclass
class CompiledScreener:
    key: tuple  # _cache_key: the snapshot version, the day, the settings read
    version: int
    screener: Screener
    asset_holders: dict
    reference_images: dict
    images: StorageImages
    ocr_cache: DbOcrCache


_compiled = None


def screener_build(*, version, now=None):
    """A CompiledScreener of the database's snapshot now, labelled ``version``."""
    now = now or timezone.now()
    thresholds = portal_thresholds()
    built = snapshot_data(now=now)
    images = StorageImages()
    ocr_cache = DbOcrCache()
    reader = OcrReader(cache=ocr_cache)
    data = _readable_references(built.data, images, reader.limits)
    snapshot = Snapshot.from_dict(data)
    listing_images = ListingImages(snapshot, thresholds=thresholds, ocr=reader, load=images)
    for brand_id, kind, name in listing_images.plain_references:
        log.info("%s image %s of asset %s too plain to compare: left out of image matching", kind, name, brand_id)
    key = _cache_key(version, now, thresholds)
    return CompiledScreener(
        key,
        version,
        Screener(snapshot, thresholds, listing_images),
        built.asset_holders,
        built.reference_images,
        images,
        ocr_cache,
    )


def _cache_key(version, now, thresholds):
    # Besides the version: the day (authorisations end at midnight) and the settings the snapshot reads.
    return (version, timezone.localdate(now), thresholds.notice, thresholds.alert, tuple(banned_categories()))


def screener_current(*, now=None):
    """This process's screener for the current snapshot version: rebuilt only when the version (or day) moved."""
    global _compiled
    now = now or timezone.now()
    version = snapshot_version_current()
    thresholds = portal_thresholds()
    key = _cache_key(version, now, thresholds)
    if _compiled is None or _compiled.key != key:
        _compiled = screener_build(version=version, now=now)
    return _compiled


def screener_forget():
    """Drop this process's compiled screener (tests; a settings change)."""
    global _compiled
    _compiled = None
