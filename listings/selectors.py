"""Reading listings: the scoping of ``Listing.objects.visible_to`` plus text search."""

import re
from urllib.parse import parse_qsl, urlsplit

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from listings.models import Listing, ListingImage
from portal import public_ids

SEARCH_MIN_LENGTH = 3
SEARCH_MAX_LENGTH = 200
# The text-search configuration of the index (listings migration 0005): "simple" lowercases and
# splits words without stemming, as suits product titles in any language.
SEARCH_CONFIG = "simple"


def listing_search_vector():
    """The document searched: title and description. The index of migration 0005 is on this expression."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", "description", config=SEARCH_CONFIG)


def listings_search(queryset, text):
    """``queryset`` narrowed to listings whose title or description holds every word of ``text``.

    On PostgreSQL a full-text match (``websearch_to_tsquery``: words, "quoted phrases",
    -excluded) served by the GIN index of migration 0005; elsewhere (SQLite) each word as a
    case-insensitive substring of the title or the description.
    """
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        return queryset.alias(document=listing_search_vector()).filter(
            document=SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        )
    for word in text.split():
        queryset = queryset.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return queryset


def listings_visible_to(user):
    return Listing.objects.visible_to(user).select_related("store")


def listing_images_of(listing):
    """A listing's pictures in their order (one query, whatever their number)."""
    return ListingImage.objects.filter(listing_id=listing.pk).order_by("position", "id")


# What a pasted URL or id may name: the marketplace's id (external id), our listing's public id (``lst_…``)
# or its number. A URL gives each of its path segments and query values as candidates.
_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}")


def listing_ids_in(text):
    """The ids a search names: the text itself, or every path segment and query value of a URL."""
    text = text.strip()
    if "://" in text or text.startswith("www.") or "/" in text:
        parsed = urlsplit(text if "://" in text else f"https://{text}")
        tokens = [segment for segment in parsed.path.split("/") if segment]
        tokens += [value for _key, value in parse_qsl(parsed.query)]
    else:
        tokens = [text]
    return [token for token in tokens if _ID_TOKEN.fullmatch(token)][:20]


def listings_find(queryset, text):
    """``queryset`` narrowed to what ``text`` names: a listing id (the marketplace's, ``lst_…`` or our
    number), a URL holding one, or words of the title or description (``listings_search``). One query,
    whatever the text: the ids and the words are one filter. Each row carries ``id_match`` (1 when its id
    was named, to put it first); the caller orders and pages it."""
    text = (text or "").strip()[:SEARCH_MAX_LENGTH]
    ids = listing_ids_in(text)
    external = set(ids)
    numbers = {int(token) for token in ids if token.isascii() and token.isdigit() and len(token) < 12}
    public = {uid for token in ids if (uid := public_ids.decode("lst", token)) is not None}
    by_id = Q(external_id__in=external) | Q(pk__in=numbers) | Q(public_id__in=public)
    id_match = Case(When(by_id, then=Value(1)), default=Value(0), output_field=IntegerField())
    if len(text) >= SEARCH_MIN_LENGTH and not ("://" in text or "/" in text):
        words = listings_search(queryset, text).values("pk")
        return queryset.filter(by_id | Q(pk__in=words)).annotate(id_match=id_match)
    return queryset.filter(by_id).annotate(id_match=id_match)


def listing_thumbnails_attach(listings):
    """Each listing's first picture as ``thumbnail`` (or None), in one query for a page of listings."""
    listings = list(listings)
    firsts = {}
    rows = ListingImage.objects.filter(listing_id__in=[listing.pk for listing in listings]).order_by(
        "listing_id", "position", "id"
    )
    for image in rows.only("id", "listing_id", "position", "width", "height"):
        firsts.setdefault(image.listing_id, image)
    for listing in listings:
        listing.thumbnail = firsts.get(listing.pk)
    return listings
