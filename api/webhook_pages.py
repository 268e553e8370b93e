"""Webhook pages for an organisation's owners: list, create (the secret shown once), turn off and on,
send a test event, rotate the secret, delete, and the delivery log with a redeliver button.

The same services as the API (``api.webhooks.subscriptions``); another organisation's
subscription answers 404 like a missing one; a refused action answers with the page
as it now stands and why (409 / 400 / 403), never a redirect.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.fields import object_by_public_id_or_404
from api.page_filters import WebhookFilter
from api.webhooks import subscriptions as services
from api.webhooks import types
from api.webhooks.outbound import UrlRefused
from portal.forms import LineField
from portal.lists import ListSort, list_page
from portal.models import Organisation
from portal.public_ids import encode
from takedowns.views.errors import DOMAIN_ERRORS, error_messages, error_status, form_add_domain_error, refused

DELIVERIES_SHOWN = 50


class SubscriptionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), empty_label=None, label=gettext_lazy("Organisation")
    )
    url = forms.CharField(
        label=gettext_lazy("Endpoint URL"),
        max_length=2000,
        help_text=gettext_lazy("https://… on a public address; we POST signed JSON to it."),
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(types.ALL, gettext_lazy("Every event, including types added later"))]
        + [(name, types.EVENT_TYPES[name]) for name in types.SUBSCRIBABLE[1:]],
        widget=forms.CheckboxSelectMultiple,
    )
    description = LineField(label=gettext_lazy("Description"), max_length=200, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations.first()


def _organisations(user):
    return Organisation.objects.filter(pk__in=services.webhook_organisation_ids(user)).order_by("name")


def _subscription_or_404(request, webhook_id):
    return object_by_public_id_or_404(services.webhook_subscriptions_visible_to(request.user), "whk", webhook_id)


WEBHOOK_SORTS = {
    "organisation": ListSort(gettext_lazy("Organisation"), ("organisation__name",)),
    "endpoint": ListSort(gettext_lazy("Endpoint"), ("url",)),
}


@login_required
def webhook_list(request):
    organisations = _organisations(request.user)
    listing = list_page(
        request,
        services.webhook_subscriptions_visible_to(request.user),
        sorts=WEBHOOK_SORTS,
        default_sort="organisation",
        filterset_class=WebhookFilter,
    )
    subscriptions = listing.object_list
    for subscription in subscriptions:
        subscription.public = encode("whk", subscription.public_id)
    status = 200 if organisations or listing.count else 403
    return render(
        request,
        "api/webhook_list.html",
        {"organisations": organisations, "subscriptions": subscriptions, "listing": listing},
        status=status,
    )


@never_cache  # the answer shows the secret
@login_required
def webhook_create(request):
    organisations = _organisations(request.user)
    if not organisations:
        raise PermissionDenied(gettext_lazy("Only an organisation's owners manage its webhooks."))
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    if request.method != "POST":
        return render(request, "api/webhook_form.html", {"form": form})
    if not form.is_valid():
        # Each error by its field, and summed up at the top of the form (portal/_form_fields.html).
        return render(request, "api/webhook_form.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        subscription, secret = services.webhook_subscription_create(
            organisation=data["organisation"],
            url=data["url"],
            event_types=data["event_types"],
            description=data["description"],
            actor=request.user,
        )
    except UrlRefused as exc:
        form.add_error("url", exc.message)
        return render(request, "api/webhook_form.html", {"form": form}, status=400)
    except DOMAIN_ERRORS as exc:
        return _form_refused(request, form, exc)
    # The secret is on this page and nowhere else: rendered, not redirected to.
    return render(request, "api/webhook_secret.html", _secret_context(subscription, secret, created=True))


def _form_refused(request, form, exc):
    """The form again with the service's refusal by the field it concerns (its ``pointer``), or at the top."""
    field = (getattr(exc, "pointer", None) or "").lstrip("/")
    if field in form.fields:
        form.add_error(field, error_messages(exc))
    else:
        form_add_domain_error(form, exc)
    return render(request, "api/webhook_form.html", {"form": form}, status=error_status(exc))


def _secret_context(subscription, secret, *, created):
    return {
        "subscription": subscription,
        "public_id": encode("whk", subscription.public_id),
        "secret": secret,
        "created": created,
    }


@login_required
def webhook_detail(request, webhook_id):
    return _detail_page(request, _subscription_or_404(request, webhook_id))


def _detail_page(request, subscription, status=200):
    subscription = services.webhook_subscriptions_visible_to(request.user).get(pk=subscription.pk)
    deliveries = list(services.webhook_deliveries_of(subscription).prefetch_related("attempt_log")[:DELIVERIES_SHOWN])
    for delivery in deliveries:
        delivery.public = encode("evt", delivery.event.public_id)
    context = {
        "subscription": subscription,
        "public_id": encode("whk", subscription.public_id),
        "event_types": [t.event_type for t in subscription.types.all()],
        "deliveries": deliveries,
        "shown": DELIVERIES_SHOWN,
    }
    return render(request, "api/webhook_detail.html", context, status=status)


def _act(request, webhook_id, action, done):
    """Run ``action(subscription)``; on success back to the page with ``done``, else the page with why."""
    subscription = _subscription_or_404(request, webhook_id)
    try:
        result = action(subscription)
    except DOMAIN_ERRORS as exc:
        return refused(request, exc, lambda request, status: _detail_page(request, subscription, status))
    if done:
        messages.success(request, done)
    return result or redirect("webhooks:detail", webhook_id)


@login_required
@require_POST
def webhook_active_set(request, webhook_id):
    active = request.POST.get("active") == "1"
    return _act(
        request,
        webhook_id,
        lambda s: services.webhook_subscription_update(subscription_id=s.pk, actor=request.user, active=active)
        and None,
        gettext("The subscription is on again; deliveries that waited go out now.")
        if active
        else gettext("The subscription is off."),
    )


@login_required
@require_POST
def webhook_test(request, webhook_id):
    return _act(
        request,
        webhook_id,
        lambda s: services.webhook_test_send(subscription_id=s.pk, actor=request.user) and None,
        gettext("A test event is on its way; its attempts appear in the delivery log below."),
    )


@never_cache  # the answer shows the new secret
@login_required
@require_POST
def webhook_rotate(request, webhook_id):
    def rotate(subscription):
        subscription, secret = services.webhook_secret_rotate(subscription_id=subscription.pk, actor=request.user)
        return render(request, "api/webhook_secret.html", _secret_context(subscription, secret, created=False))

    return _act(request, webhook_id, rotate, "")


@login_required
@require_POST
def webhook_delete(request, webhook_id):
    def delete(subscription):
        services.webhook_subscription_delete(subscription_id=subscription.pk, actor=request.user)
        messages.success(request, gettext("The subscription to %(url)s is deleted.") % {"url": subscription.url})
        return redirect("webhooks:list")

    return _act(request, webhook_id, delete, "")


@login_required
@require_POST
def webhook_redeliver_page(request, webhook_id, event_id):
    subscription = _subscription_or_404(request, webhook_id)
    delivery = services.webhook_delivery_or_404(subscription, event_id)
    return _act(
        request,
        webhook_id,
        lambda s: services.webhook_redeliver(delivery_id=delivery.pk, actor=request.user) and None,
        "The delivery is sent again now.",
    )
