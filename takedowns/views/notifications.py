"""The in-app notifications: the page (newest first; what it shows is marked read as it is shown), the top
bar's menu (the newest unread, fetched by htmx when opened), opening one (marked read, then its page), and
marking read by POST."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from portal.i18n import user_zone
from portal.lists import ListSort, list_page
from portal.redirects import redirect_back
from takedowns.filters import NotificationFilter
from takedowns.models import Notification

PAGE_SIZE = 50
MENU_SIZE = 5
NOTIFICATION_SORTS = {"created": ListSort(_("Date"), ("created_at",))}


def notifications_of(user):
    """The only way to read notifications: another user's answer 404 like a missing one."""
    return Notification.objects.filter(recipient=user)


def _back(request):
    return redirect_back(request, reverse("takedowns:notifications"))


@login_required
def notification_list(request):
    listing = list_page(
        request,
        notifications_of(request.user).select_related("item"),
        sorts=NOTIFICATION_SORTS,
        default_sort="-created",
        filterset_class=NotificationFilter,
        page_size=PAGE_SIZE,
    )
    page = listing.page
    zone = user_zone(request.user)
    # The unread count is the top bar's (takedowns.context_processors.notifications_unread): one query for both.
    response = render(
        request,
        "takedowns/notifications.html",
        {"listing": listing, "page": page, "zone": zone, "zone_name": getattr(zone, "key", "UTC")},
    )
    # Read once seen: the page (rendered above) still shows them as new this time; the count drops after.
    shown_unread = [n.pk for n in page.object_list if n.read_at is None]
    if shown_unread:
        notifications_of(request.user).filter(pk__in=shown_unread, read_at=None).update(read_at=timezone.now())
    return response


@login_required
def notification_menu(request):
    """The top bar's menu (an htmx partial): the newest unread notifications, each opened through
    ``notification_open``. Shown, not read: a notification is read when opened or seen on the page."""
    latest = list(notifications_of(request.user).filter(read_at=None).order_by("-created_at", "-id")[:MENU_SIZE])
    return render(request, "takedowns/_notifications_menu.html", {"latest": latest})


@login_required
@require_GET
def notification_open(request, pk):
    """Open one notification: marked read, then its page (the notifications page when it names none)."""
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    if notification.read_at is None:
        notifications_of(request.user).filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(f"{reverse('takedowns:notifications')}#notification-{notification.pk}")


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
