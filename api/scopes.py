"""What an API key may do. A key carries a subset; each operation names the scope it needs."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from rights_holders.partners import organisation_is_marketplace


class Scope(models.TextChoices):
    ASSETS_READ = "assets:read", _("Read IP assets")
    ASSETS_WRITE = "assets:write", _("Register IP assets")
    LISTINGS_READ = "listings:read", _("Look up and search listings")
    LISTINGS_INGEST = "listings:ingest", _("Ingest listings (marketplace only)")
    NOTICES_READ = "notices:read", _("Read notices and their items")
    NOTICES_WRITE = "notices:write", _("File, withdraw, reply and appeal")
    COUNTER_NOTICES_WRITE = "counter_notices:write", _("File counter-notices (merchants)")
    GOOD_FAITH_READ = "good_faith:read", _("Read the Good Faith status and track record")
    ALERTS_READ = "alerts:read", _("Read screening alerts and their evidence")
    ALERTS_WRITE = "alerts:write", _("Confirm screening alerts (each files a notice) or dismiss them")
    INTELLIGENCE_READ = (
        "intelligence:read",
        _("Read what your brands told screening: keywords, counterfeit pictures, sellers"),
    )
    INTELLIGENCE_WRITE = (
        "intelligence:write",
        _("Add and remove keywords, counterfeit pictures and reported sellers for screening"),
    )
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhook subscriptions")


ALL_SCOPES = frozenset(Scope.values)

# Scopes only the marketplace's own keys may carry (rights_holders.partners: the marketplace organisation).
MARKETPLACE_ONLY_SCOPES = frozenset({Scope.LISTINGS_INGEST.value})


def scopes_offered_to(organisation):
    """The scopes a key of ``organisation`` may carry now, in the order of ``Scope``.

    The one rule for which scope an organisation may hold: checked when a key is
    created (``api.keys.api_key_create``) and on every request, where a key's scopes
    in force are those it carries that this still offers (``ApiKey.scopes_in_force``).
    So a key keeps ``listings:ingest`` only while its organisation is the marketplace.
    """
    marketplace = organisation_is_marketplace(organisation)
    return [s for s in Scope.values if marketplace or s not in MARKETPLACE_ONLY_SCOPES]
