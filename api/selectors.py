"""Reads of the api app's rows for the pages (the API's own views read through the domain selectors)."""

from django.shortcuts import get_object_or_404

from api.models import ApiKey
from portal.models import Membership


def api_keys_of(organisation):
    """The organisation's keys, newest first, with who created them and their scopes in force (one query)."""
    return ApiKey.objects.filter(organisation=organisation).select_related("created_by", "organisation__partner")


def membership_by_slug_or_404(user, organisation_slug):
    """The user's membership of the organisation with this slug; 404 when there is none, as for no organisation."""
    return get_object_or_404(
        Membership.objects.select_related("organisation"), user=user, organisation__slug=organisation_slug
    )
