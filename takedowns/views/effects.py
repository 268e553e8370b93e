"""Failed effects (dead letters) for platform staff: what failed, why, and a retry button.

Anyone else gets a 404, as for every staff page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.lists import ListSort, list_page
from portal.roles import user_is_platform_staff
from takedowns import effects
from takedowns.filters import FailedEffectFilter
from takedowns.views.display import render_for_viewer
from takedowns.views.errors import DOMAIN_ERRORS, refused

EFFECT_SORTS = {
    "failed": ListSort(_("Gave up"), ("failed_at",)),
    "attempts": ListSort(_("Attempts"), ("attempts", "failed_at")),
    "item": ListSort(_("Item"), ("item_id", "failed_at")),
}


def _require_staff(user):
    if not user_is_platform_staff(user):
        raise Http404


@login_required
def effects_failed(request):
    _require_staff(request.user)
    return _effects_failed_page(request)


def _effects_failed_page(request, status=200):
    listing = list_page(
        request,
        effects.effects_failed(),
        sorts=EFFECT_SORTS,
        default_sort="-failed",
        filterset_class=FailedEffectFilter,
    )
    context = {"listing": listing, "effects": listing.object_list}
    return render_for_viewer(request, "takedowns/effects_failed.html", context, status=status)


@login_required
@require_POST
def effect_retry(request, pk):
    _require_staff(request.user)
    try:
        retried = effects.effect_retry(effect_id=pk, actor=request.user)
    except DOMAIN_ERRORS as exc:
        return refused(request, exc, _effects_failed_page)
    if retried:
        messages.success(
            request, gettext("Effect %(pk)s is sent again; it leaves this list once it has run.") % {"pk": pk}
        )
    else:
        # Retrying twice is harmless: the effect is where the retry wanted it.
        messages.info(
            request,
            gettext("Effect %(pk)s is not failed any more: someone retried it, or it ran meanwhile.") % {"pk": pk},
        )
    return redirect("takedowns:effects-failed")
