from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from rights_holders.models import IPAsset


@login_required
def asset_list(request):
    assets = IPAsset.objects.visible_to(request.user).select_related("rights_holder").order_by("rights_holder", "name")
    return render(request, "rights_holders/asset_list.html", {"assets": assets})


@login_required
def asset_detail(request, pk):
    asset = get_object_or_404(
        IPAsset.objects.visible_to(request.user).select_related("rights_holder").prefetch_related("proofs", "reference_images"),
        pk=pk,
    )
    return render(request, "rights_holders/asset_detail.html", {"asset": asset})
