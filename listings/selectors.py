"""Reading listings: the scoping of ``Listing.objects.visible_to`` plus text search."""

from django.db import connection
from django.db.models import Q

from listings.models import Listing, ListingImage

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
