"""The in-app notifications page: the user's own notifications, newest first, marked read by POST."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.forms import LineField
from takedowns.models import Notification
from takedowns.notifications.timefmt import user_zone

PAGE_SIZE = 50


def notifications_of(user):
    """The only way to read notifications: another user's answer 404 like a missing one."""
    return Notification.objects.filter(recipient=user)


class BackForm(forms.Form):
    """Where to go after marking read: a path on this site, else the notifications page."""

    next = LineField(required=False, max_length=2000)


def _back(request):
    form = BackForm(request.POST)
    target = form.cleaned_data["next"] if form.is_valid() else ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("takedowns:notifications"))


@login_required
def notification_list(request):
    notifications = notifications_of(request.user).select_related("item").order_by("-created_at", "-id")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = notifications_of(request.user).filter(read_at=None).count()
    zone = user_zone(request.user)
    return render(
        request,
        "takedowns/notifications.html",
        {"page": page, "unread": unread, "zone": zone, "zone_name": getattr(zone, "key", "UTC")},
    )


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    if notification.read_at is None:
        notifications_of(request.user).filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    notifications_of(request.user).filter(read_at=None).update(read_at=timezone.now())
    return _back(request)
