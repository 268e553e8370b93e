"""Reads for the IP asset pages and the API's assets: one query shape for both (STYLE.md habits 5 and 7)."""

from django.db.models import Prefetch

from rights_holders.models import IPAsset, IPAssetProof, ReferenceImage
from rights_holders.scoping import rights_holder_ids_visible_to


def ip_assets_shown_to(user, *, proofs=False, reference_images=False):
    """The IP assets ``user`` may read (``IPAsset.objects.visible_to``), each with its rights holder.

    ``proofs``, ``reference_images``: with those files, and only the ones the user may open
    (``AssetFileQuerySet.visible_to``): a partner that vets the brand reads its verified assets,
    not the documents behind them. One query more each, whatever the number of assets.
    """
    assets = IPAsset.objects.visible_to(user).select_related("rights_holder")
    if proofs:
        assets = assets.prefetch_related(Prefetch("proofs", queryset=IPAssetProof.objects.visible_to(user)))
    if reference_images:
        assets = assets.prefetch_related(Prefetch("reference_images", queryset=ReferenceImage.objects.visible_to(user)))
    return assets


def ip_asset_files_shown_to(user, asset):
    """Whether ``user`` may open ``asset``'s proofs and reference images (the brand's side, or platform staff)."""
    return user.is_platform_staff or asset.rights_holder_id in rights_holder_ids_visible_to(user)
