"""Partners: which organisation is the marketplace itself.

The marketplace is the organisation of a ``Partner`` of kind ``marketplace``. It alone
feeds listings in (the API's ``listings:ingest`` scope); an operator makes an
organisation the marketplace by giving it that partner record (admin).
"""

from rights_holders.models import Partner, PartnerKind


def organisation_is_marketplace(organisation):
    """Whether ``organisation`` is the marketplace now.

    Reads the organisation's partner record through ``organisation.partner``: one query,
    or none when the caller loaded it with ``select_related("partner")`` (an API key's
    look-up does, so a request pays nothing for asking this). The answer, like the
    record, is then cached on that organisation object for as long as it lives.
    """
    try:
        return organisation.partner.kind == PartnerKind.MARKETPLACE
    except Partner.DoesNotExist:
        return False


def marketplace_organisation():
    """The marketplace's organisation (the earliest, should an operator have made two), or None.

    Proactive notices name it as their filer (``takedowns.proactive``).
    """
    partner = Partner.objects.filter(kind=PartnerKind.MARKETPLACE).select_related("organisation").order_by("pk").first()
    return partner.organisation if partner else None
