"""Categories the marketplace prohibits outright (``settings.LISTING_BANNED_CATEGORIES``, issue 11).

A listing in a banned category, or under one ("Vehicle parts > Airbag components > Driver" and
"Airbag components" are both under "Vehicle parts > Airbag components"), is refused when it is created and when its
category is changed into one, on every channel: ``listings.catalogue.listings_apply`` (the
services and the API's ingest) and the Django admin's form. Listings already in a category
that becomes banned stay as they are; screening reports them ``blocked``.

Categories compare as the screening core compares them (``screening.core.snapshot``:
``category_key`` and ``Snapshot.is_banned``): NFKC, without case (Unicode case folding), each
">"-separated step trimmed with runs of whitespace as one space; a category falls under a banned
one when the banned one's last step is one of its steps. The core is plain Python and imports no project app, and listings
may not import screening, so the rule is written twice, small, and
``tests/listings/test_categories.py`` holds the two to the same answers.
"""

import unicodedata
from functools import lru_cache

from django.conf import settings

from portal.audit import audit_log_entry

BANNED_CATEGORY = "banned_category"  # the refusal's code, on every channel


def category_key(category):
    """A category as compared: NFKC, case folded, each ">"-separated step trimmed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(category)).casefold()
    steps = (" ".join(step.split()) for step in text.split(">"))
    return " > ".join(step for step in steps if step)


@lru_cache(maxsize=8)
def _banned_leaves(banned):
    """{last step of a banned category's key: the banned category as configured}, worked out once per setting."""
    leaves = {}
    for category in banned:
        if key := category_key(category):
            leaves.setdefault(key.split(" > ")[-1], category)
    return leaves


def category_banned(category, banned=None):
    """The banned category ``category`` falls under (as configured), or None when it is allowed.

    A category falls under a banned one when the banned category's last step is one of its steps:
    "Airbag components" and "Cars > Airbag components > Driver" both fall under "Vehicle parts >
    Airbag components", so a prohibited kind of product is refused wherever it is filed.
    ``banned`` defaults to ``settings.LISTING_BANNED_CATEGORIES``.
    """
    key = category_key(category) if category else ""
    if not key:
        return None
    leaves = _banned_leaves(tuple(settings.LISTING_BANNED_CATEGORIES if banned is None else banned))
    for step in key.split(" > "):
        if step in leaves:
            return leaves[step]
    return None


def banned_category_message(category, banned_category):
    """What a merchant is told: which category, that the marketplace prohibits it, what to do."""
    if category_key(category) == category_key(banned_category):
        where = f"The category \u201c{category}\u201d is prohibited on this marketplace"
    else:
        where = (
            f"The category \u201c{category}\u201d falls under \u201c{banned_category}\u201d, "
            "which is prohibited on this marketplace"
        )
    return (
        f"{where}: products of this kind cannot be sold here. If the category was chosen by mistake, give the "
        "product's right category; otherwise do not list it."
    )


def category_refusal(category, banned=None):
    """(code, message) when ``category`` is banned, else None: the refusal every channel gives."""
    banned_category = category_banned(category, banned)
    if banned_category is None:
        return None
    return BANNED_CATEGORY, banned_category_message(category, banned_category)


def banned_category_refusal_entry(
    *, actor, listing, external_id, store_id, organisation_id, category, banned_category, via=None
):
    """The audit entry (unsaved) of a listing refused for its category: who tried, which listing, where.

    ``listing`` is the listing moved into the category, or None for a new one.
    """
    return audit_log_entry(
        action="listings.listing.banned_category_refused",
        actor=actor,
        obj=listing,
        object_repr=None if listing is not None else f"new listing {external_id}",
        organisation_id=organisation_id,
        data={
            **({"via": via} if via else {}),
            "external_id": external_id,
            "category": category,
            "banned_category": banned_category,
            "store": store_id,
            "change": "create" if listing is None else "update",
        },
    )
