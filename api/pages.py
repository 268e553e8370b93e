"""Pages where an organisation's owner lists, creates and revokes its API keys.

Owners manage the keys; the organisation's staff see the list read-only (names,
prefixes, scopes and last use tell them which key an integration uses; nothing
in it lets anyone call the API). Anyone else gets 404, as for an organisation
that does not exist. The secret is shown once, on the page that answers the
creation, never stored and never cached by the browser.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache

from api.forms import ApiKeyCreateForm
from api.keys import api_key_create, api_key_revoke, user_manages_api_keys
from api.page_filters import ApiKeyFilter
from api.selectors import api_keys_of, membership_by_slug_or_404
from portal.errors import InvalidInput
from portal.lists import ListSort, list_page


def _organisation(request, organisation_slug, *, manage):
    """(organisation, may the user manage its keys); 404 for non-members, 403 for staff wanting to manage."""
    organisation = membership_by_slug_or_404(request.user, organisation_slug).organisation
    can_manage = user_manages_api_keys(request.user, organisation)
    if manage and not can_manage:
        raise PermissionDenied(gettext_lazy("Only an owner of the organisation may create or revoke its API keys."))
    return organisation, can_manage


@login_required
def key_list(request, organisation):
    organisation, can_manage = _organisation(request, organisation, manage=False)
    listing = list_page(
        request, api_keys_of(organisation), sorts=KEY_SORTS, default_sort="-created", filterset_class=ApiKeyFilter
    )
    return render(
        request,
        "api/key_list.html",
        {
            "organisation": organisation,
            "listing": listing,
            "keys": listing.object_list,
            "can_manage": can_manage,
            "now": timezone.now(),
        },
    )


# The service's refusals (api.keys.api_key_create), shown by the field they concern; others at the top.
_FIELD_OF_REFUSAL = {
    "name_required": "name",
    "name_invalid": "name",
    "unknown_scope": "scopes",
    "scope_required": "scopes",
    "scope_not_allowed": "scopes",
    "expiry_in_past": "expires_in_days",
}


KEY_SORTS = {
    "name": ListSort(gettext_lazy("Name"), ("name",)),
    "created": ListSort(gettext_lazy("Created"), ("created_at",)),
    "last_used": ListSort(gettext_lazy("Last used"), ("last_used_at",)),
    "expires": ListSort(gettext_lazy("Expires"), ("expires_at",)),
}


@never_cache
@login_required
def key_create(request, organisation):
    organisation, _ = _organisation(request, organisation, manage=True)
    form = ApiKeyCreateForm(request.POST or None, organisation=organisation)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            days = form.cleaned_data["expires_in_days"]
            try:
                key, secret = api_key_create(
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    created_by=request.user,
                    expires_at=timezone.now() + timedelta(days=days) if days else None,
                )
            except InvalidInput as exc:
                form.add_error(_FIELD_OF_REFUSAL.get(exc.code), exc.message)
            else:
                # The one time the secret exists outside the caller's hands: this response, never cached.
                return render(
                    request, "api/key_created.html", {"organisation": organisation, "key": key, "secret": secret}
                )
        status = 400
    return render(request, "api/key_create.html", {"organisation": organisation, "form": form}, status=status)


@login_required
def key_revoke(request, organisation, pk):
    organisation, _ = _organisation(request, organisation, manage=True)
    key = get_object_or_404(api_keys_of(organisation), pk=pk)
    if request.method == "POST":
        if key.revoked_at is not None:
            messages.info(
                request,
                gettext("%(name)s (%(prefix)s) was already revoked.") % {"name": key.name, "prefix": key.prefix},
            )
        else:
            api_key_revoke(key=key, actor=request.user)
            messages.success(
                request,
                gettext("%(name)s (%(prefix)s) is revoked: requests with it are refused from now on.")
                % {"name": key.name, "prefix": key.prefix},
            )
        return redirect("api-keys:list", organisation=organisation.slug)
    return render(request, "api/key_revoke.html", {"organisation": organisation, "key": key})
