"""Partners: which organisation is the marketplace itself.

The marketplace is the organisation of a ``Partner`` of kind ``marketplace``. It alone
feeds listings in (the API's ``listings:ingest`` scope); an operator makes an
organisation the marketplace by giving it that partner record (admin).
"""

from rights_holders.models import Partner, PartnerKind


def organisation_is_marketplace(organisation):
    return Partner.objects.filter(organisation=organisation, kind=PartnerKind.MARKETPLACE).exists()
