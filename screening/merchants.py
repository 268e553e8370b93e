"""What screening knows of a listing's store: the merchant facts the pure core scores (``MerchantFacts``).

Read for a batch of stores in a constant number of queries, whatever their number
(``merchant_facts_for``): the stores with their merchants and sibling stores, their
live penalty points, the banned identifiers their merchants share, their listing
images identical to a banned merchant's, the share of their listings whose latest
screening named a brand, and the sellers brands reported (``screening.intel.sellers``)
their merchants share an identifier with: a moderate signal for that brand's listings
only. The rules are takedowns': a store's live
points (``takedowns.penalties.points``), the identifiers under a live ban and the
merchants banned (``takedowns.penalties.bans``, the register merchant registration
asks too). Evidence says which identifier kind matched and when the other merchant
was banned, never the identifier itself.
"""

from datetime import UTC

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from listings.models import Listing, ListingImage, ListingStatus, Store
from rights_holders.models import IPAsset
from screening.core.listing import MerchantFacts
from screening.intel.models import ReportedSellerIdentity, SellerIdentityKind
from screening.intel.sellers import store_identity_hashes
from screening.models import ScreeningResult
from takedowns.models import BannedIdentity, IdentityKind
from takedowns.penalties.bans import identities_banned, merchant_identities, merchants_banned
from takedowns.penalties.points import stores_live_points


def merchant_facts_for(store_ids, *, now=None):
    """{store id: MerchantFacts} for each existing store of ``store_ids``, in seven queries for any number (eight
    when a brand reported a seller one of them shares an identifier with).

    ``linked_to_banned`` is about *another* merchant: a store of a banned merchant is closed
    by the ban itself, not linked to it.
    """
    now = now or timezone.now()
    store_ids = set(store_ids)
    if not store_ids:
        return {}
    stores = _stores_with_siblings(store_ids)
    points = stores_live_points(store_ids, now=now)
    identity_links = _identity_links(stores, store_ids)
    image_links = _image_links(store_ids)
    branded = _branded_shares(store_ids)
    reported = _reported_links(stores, store_ids)
    facts = {}
    for store_id in store_ids & stores.keys():
        store = stores[store_id]
        clauses = identity_links.get(store_id, []) + image_links.get(store_id, [])
        facts[store_id] = MerchantFacts(
            store_name=store.name,
            store_age_days=max(0, (now - store.created_at).days),
            past_penalty_points=points[store_id],
            linked_to_banned=bool(clauses),
            linked_to_banned_evidence="; ".join(text for _, text in sorted(clauses)),
            branded_share=branded.get(store_id),
            reported_by=reported.get(store_id, ()),
        )
    return facts


# A share of fewer screened listings says nothing about a store (one branded listing of one is 100%).
BRANDED_SHARE_MIN_LISTINGS = 5


def _branded_shares(store_ids):
    """{store id: share of its live screened listings whose latest screening named a brand}, for stores with
    at least BRANDED_SHARE_MIN_LISTINGS of them. One query; each listing's latest result read from the
    (listing, -id) index."""
    latest = ScreeningResult.objects.filter(listing_id=OuterRef("pk")).order_by("-id")
    rows = (
        Listing.objects.filter(store_id__in=store_ids, status__in=(ListingStatus.LIVE, ListingStatus.UNDER_COMPLAINT))
        .annotate(screened=Subquery(latest.values("id")[:1]), brand=Subquery(latest.values("asset_id")[:1]))
        .filter(screened__isnull=False)
        .values("store_id")
        .annotate(screened_count=Count("pk"), branded_count=Count("brand"))
        .order_by()
    )
    return {
        row["store_id"]: round(row["branded_count"] / row["screened_count"], 4)
        for row in rows
        if row["screened_count"] >= BRANDED_SHARE_MIN_LISTINGS
    }


def _stores_with_siblings(store_ids):
    """{store id: Store} of ``store_ids`` and every other store of their merchants (their payout accounts
    are the merchant's too), with the merchant."""
    merchants = Store.objects.filter(pk__in=store_ids).values("merchant_id")
    return {
        store.pk: store
        for store in Store.objects.filter(merchant_id__in=merchants).select_related("merchant").order_by("pk")
    }


IDENTITY_WORDS = {
    IdentityKind.LICENCE: "business licence number",
    IdentityKind.PHONE: "contact phone",
    IdentityKind.PAYOUT: "payout account",
}


def _identity_links(stores, store_ids):
    """{store id: [(sort key, clause)]}: the identifiers its merchant shares with another, banned, merchant."""
    siblings = {}
    for store in stores.values():
        siblings.setdefault(store.merchant_id, []).append(store)
    identities = {merchant_id: merchant_identities(group[0].merchant, group) for merchant_id, group in siblings.items()}
    banned = identities_banned(identity for each in identities.values() for identity in each)
    links = {}
    for store_id in store_ids & stores.keys():
        store = stores[store_id]
        shared = {}  # (banned at, merchant id) -> the words of the identifiers shared with it
        for kind, value in identities[store.merchant_id]:
            ban = banned.get((kind, value))
            if ban is None or ban.merchant_id == store.merchant_id:
                continue
            words = IDENTITY_WORDS[kind]
            if kind == IdentityKind.PAYOUT:
                words = (
                    "payout account"
                    if value == store.payout_account_hash
                    else "payout account of another of its stores"
                )
            shared.setdefault((ban.banned_at, ban.merchant_id), []).append(words)
        links[store_id] = [
            (
                (banned_at, merchant_id),
                f"the store's merchant shares its {_and(words)} with a merchant banned on {_day(banned_at)}",
            )
            for (banned_at, merchant_id), words in shared.items()
        ]
    return links


def _reported_links(stores, store_ids):
    """{store id: ((brand id, evidence), ...)}: the brands (assets) whose holder reported a seller the store's
    merchant shares an identifier with (its licence, phone, a payout account, or a store of its own by public
    id or name). One query, and one more for the reporting holders' assets when any matched."""
    siblings = {}
    for store in stores.values():
        siblings.setdefault(store.merchant_id, []).append(store)
    mine = {}  # store id -> {(kind, hash): (clause kind, words)}
    for store_id in store_ids & stores.keys():
        store = stores[store_id]
        group = siblings[store.merchant_id]
        shared = {}
        for kind, value in merchant_identities(store.merchant, group):
            words = IDENTITY_WORDS[kind]
            if kind == IdentityKind.PAYOUT and value != store.payout_account_hash:
                words = "payout account of another of its stores"
            shared[(str(kind), value)] = ("shares", words)
        for other in group:
            clause = ("is", "the store is") if other.pk == store_id else ("is", "another store of its merchant is")
            for value in store_identity_hashes(other):
                shared.setdefault((SellerIdentityKind.STORE.value, value), clause)
        mine[store_id] = shared
    hashes = {value for shared in mine.values() for _, value in shared}
    reports = {}  # (kind, hash) -> [(holder id, reported at)]
    for kind, value, holder_id, created_at in (
        ReportedSellerIdentity.objects.filter(identity_hash__in=hashes)
        .order_by("report__created_at", "pk")
        .values_list("kind", "identity_hash", "rights_holder_id", "report__created_at")
    ):
        reports.setdefault((kind, value), []).append((holder_id, created_at))
    if not reports:
        return {}
    assets = {}
    for asset_id, holder_id in IPAsset.objects.filter(
        rights_holder_id__in={holder for found in reports.values() for holder, _ in found}
    ).values_list("pk", "rights_holder_id"):
        assets.setdefault(holder_id, []).append(asset_id)
    links = {}
    for store_id, shared in mine.items():
        by_holder = {}  # holder id -> {"is": {words: first}, "shares": {words: first}}
        for key, (clause, words) in shared.items():
            for holder_id, created_at in reports.get(key, ()):
                found = by_holder.setdefault(holder_id, {"is": {}, "shares": {}})[clause]
                found[words] = min(found.get(words, created_at), created_at)
        pairs = []
        for holder_id, found in sorted(by_holder.items()):
            clauses = [
                f"{words} a seller the brand reported on {_day(at)}" for words, at in sorted(found["is"].items())
            ]
            if found["shares"]:
                first = min(found["shares"].values())
                clauses.append(
                    f"the store's merchant shares its {_and(found['shares'])} with a seller the brand reported "
                    f"on {_day(first)}"
                )
            evidence = "; ".join(clauses)
            pairs += [(asset_id, evidence) for asset_id in sorted(assets.get(holder_id, ()))]
        if pairs:
            links[store_id] = tuple(pairs)
    return links


def _image_links(store_ids):
    """{store id: [(sort key, clause)]}: its listing images identical (the same bytes: the same content hash)
    to an image of a listing of another, banned, merchant.

    Identical bytes, not a near perceptual hash: a link to a banned merchant weighs as much as a
    shared phone, and every plain one-colour picture shares one perceptual hash.

    Two queries, each a semi-join the content-hash index serves (banned merchants' images are few): the
    stores' images whose hash a banned merchant's image has, then those banned images with the ban's
    date. A correlated subquery per image instead cost PostgreSQL seconds of JIT for 1,000 stores.
    """
    banned_images = ListingImage.objects.filter(listing__store__merchant_id__in=merchants_banned()).exclude(
        content_hash=""
    )
    mine = ListingImage.objects.filter(
        listing__store_id__in=store_ids, content_hash__in=banned_images.values("content_hash")
    )
    matches = list(
        mine.order_by("listing__external_id", "position").values_list(
            "listing__store_id", "listing__store__merchant_id", "listing__external_id", "content_hash"
        )
    )
    first_ban = (
        BannedIdentity.objects.filter(merchant_id=OuterRef("listing__store__merchant_id"), lifted_at__isnull=True)
        .order_by("sanction__starts_at")
        .values("sanction__starts_at")[:1]
    )
    banned_by_hash = {}  # hash -> {banned merchant id: banned at}
    for value, merchant_id, banned_at in (
        banned_images.filter(content_hash__in=mine.values("content_hash"))
        .annotate(banned_at=Subquery(first_ban))
        .order_by()
        .values_list("content_hash", "listing__store__merchant_id", "banned_at")
        .distinct()
    ):
        banned_by_hash.setdefault(value, {})[merchant_id] = banned_at
    found = {}  # store id -> {(banned at, merchant id): [its listings' external ids]}
    for store_id, own_merchant_id, external_id, value in matches:
        for merchant_id, banned_at in banned_by_hash.get(value, {}).items():
            if merchant_id == own_merchant_id:
                continue
            listings = found.setdefault(store_id, {}).setdefault((banned_at, merchant_id), [])
            if external_id not in listings:
                listings.append(external_id)
    return {
        store_id: [
            (key, f"{_listings(external_ids)} an image identical to one of a merchant banned on {_day(key[0])}")
            for key, external_ids in by_merchant.items()
        ]
        for store_id, by_merchant in found.items()
    }


def _listings(external_ids, shown=3):
    if len(external_ids) == 1:
        return f"listing {external_ids[0]} has"
    names = ", ".join(external_ids[:shown])
    more = f" and {len(external_ids) - shown} more" if len(external_ids) > shown else ""
    return f"listings {names}{more} have"


def _and(words):
    words = sorted(set(words))
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _day(instant):
    return f"{instant.astimezone(UTC):%Y-%m-%d}"
