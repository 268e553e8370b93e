"""Organisations: the slug operators and page addresses name them by, and finding one by id or slug."""

from django.utils.text import slugify

from portal.models import ORGANISATION_SLUG_MAX_LENGTH, Organisation


def organisation_slug_base(name):
    """The slug ``name`` reads as: never empty, never digits alone (those are ids)."""
    base = slugify(name)[: ORGANISATION_SLUG_MAX_LENGTH - 8].strip("-") or "org"
    return f"org-{base}" if base.isdigit() else base


def organisation_slug_for(name, *, taken=None):
    """A slug for a new organisation called ``name`` that no organisation has yet (``-2``, ``-3``... when needed).

    ``taken`` (a set) stands in for the table when slugs are chosen for many rows at once.
    """
    base = organisation_slug_base(name)
    if taken is None:
        taken = set(Organisation.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def organisation_find(reference):
    """The organisation ``reference`` names: its id (digits) or its slug; None when there is none."""
    reference = str(reference or "").strip()
    if not reference:
        return None
    if reference.isascii() and reference.isdigit():
        return Organisation.objects.filter(pk=int(reference)).first() if len(reference) <= 18 else None
    return Organisation.objects.filter(slug=reference.lower()).first()
