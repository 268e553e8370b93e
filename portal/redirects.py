"""Going back where a form was sent from: a ``next`` path on this site, else a page of the view's choosing."""

from django import forms
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from portal.forms import LineField


class BackForm(forms.Form):
    next = LineField(required=False, max_length=2000)


def redirect_back(request, default_url):
    """Redirect to the POST's ``next`` when it is a path on this site (never off-site), else ``default_url``."""
    form = BackForm(request.POST)
    target = form.cleaned_data["next"] if form.is_valid() else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default_url)
