"""Notice pages: the list (and its CSV export), one notice, and a filing's receipt (filing: ``takedowns.views.filing``)."""

from datetime import UTC

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import pagecache
from portal.csv_export import csv_response
from portal.instants import instant_text
from portal.lists import ListSort, list_page
from rights_holders.scoping import rights_holder_ids_visible_to
from takedowns import selectors
from takedowns.filters import NoticeFilter
from takedowns.models import Channel, ItemStatus, Notice
from takedowns.views.display import countdown_words, deadline, render_for_viewer, viewer_zone

RECEIPT_SESSION_KEY = "takedowns-receipt-{}"
NOTICE_SORTS = {
    "filed": ListSort(_("Filed"), ("submitted_at",)),
    "holder": ListSort(_("Rights holder"), ("rights_holder__legal_name",)),
    "channel": ListSort(_("Channel"), ("channel",)),
}


def item_deadlines(item, zone, now):
    """The deadlines that matter for an item in its current status, for the viewer's zone."""
    rows = []
    if item.status == ItemStatus.AWAITING_COUNTER_NOTICE and item.counter_notice_deadline:
        rows.append(deadline(gettext("Counter-notice due"), item.counter_notice_deadline, zone, now))
    if item.status == ItemStatus.COUNTER_NOTICED and item.reply_deadline:
        rows.append(deadline(gettext("Rights holder's reply due"), item.reply_deadline, zone, now))
    if item.status in (ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION) and item.review_due_at:
        rows.append(deadline(gettext("Reviewer decision due"), item.review_due_at, zone, now))
    return rows


@login_required
def notice_list(request):
    """Notices the user's organisations filed or that name their listings; a merchant also sees its items.

    The content is one fragment (``portal.pagecache``) shared by every viewer with the same scope
    (``selectors.notice_list_scope``: a brand's members share theirs) who asks the same filters, sort and page,
    until the data changes or, on a merchant's part, its countdowns' minute is up."""
    user = request.user
    parts = (selectors.notice_list_scope(user), sorted(request.GET.lists()))

    def build():
        listing = list_page(
            request,
            selectors.notice_list(user),
            sorts=NOTICE_SORTS,
            default_sort="-filed",
            filterset_class=NoticeFilter,
        )
        notices = selectors.notice_list_decorate(listing.object_list, user)
        # What every row shares is translated and reversed once a page, not once a row.
        channels = {value: str(label) for value, label in Channel.choices}
        detail_url = reverse("takedowns:notice-detail", args=[0]).removesuffix("0/")  # + the notice's id + "/"
        for notice in notices:
            notice.url = f"{detail_url}{notice.pk}/"
            notice.short_reference = str(notice.reference)[:8]
            notice.submitted_text = instant_text(notice.submitted_at)
            notice.channel_label = channels.get(notice.channel, notice.channel)
        now = timezone.now()
        context = {
            "listing": listing,
            # The brands the user may file for are the ones they act for, already read for the top bar.
            "can_file": bool(rights_holder_ids_visible_to(user)),
            "merchant_open": [],
            "merchant_decided": [],
            "is_merchant": False,
            "countdown_words": countdown_words(),
        }
        # Nothing on a brand's list changes with time alone (its texts are instants in the viewer's zone).
        until = now + pagecache.LONGEST
        if not user.is_platform_staff and selectors.user_is_merchant(user):
            zone = timezone.get_current_timezone()
            open_items, decided = selectors.merchant_items(user)
            for item in open_items:
                item.deadlines = item_deadlines(item, zone, now)
            context.update(is_merchant=True, merchant_open=open_items, merchant_decided=decided)
            if any(item.deadlines for item in open_items):
                until = now + pagecache.TEXTS_IN_MINUTES  # "2 days 23 hours left"
        html = render_to_string("takedowns/_notice_list_body.html", context, request=request)
        return pagecache.Fragment(html, until)

    with timezone.override(viewer_zone(user)):
        body, _meta, _shared = pagecache.shared_fragment(request, "notice-list", parts, build, topics=(pagecache.DATA,))
        return render(request, "takedowns/notice_list.html", {"notices_body": body})


# One row an item: what a brand reconciles in a spreadsheet. Times in UTC (ISO 8601), named so in the header.
EXPORT_HEADER = (
    "notice",
    "filed_at_utc",
    "rights_holder",
    "channel",
    "item",
    "listing",
    "listing_title",
    "store",
    "ip_asset",
    "infringement_type",
    "status",
    "counter_notice_due_utc",
    "decided_at_utc",
)
EXPORT_CHUNK = 500


def _utc(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _export_rows(items):
    for item in items.iterator(chunk_size=EXPORT_CHUNK):
        notice = item.notice
        yield (
            str(notice.reference),
            _utc(notice.submitted_at),
            notice.rights_holder.legal_name,
            notice.channel,
            item.pk,
            item.listing.external_id,
            item.listing.title,
            item.listing.store.name,
            item.ip_asset.name,
            item.infringement_type,
            item.status,
            _utc(item.counter_notice_deadline),
            _utc(item.decided_at),
        )


@login_required
def notice_export(request):
    """The notice list as CSV, one row an item the viewer may see, with the list's filters applied; streamed
    in chunks, so ten thousand notices cost a few queries and little memory. A bad filter goes back to the
    list, which names it."""
    filterset = NoticeFilter(request.GET or None, queryset=selectors.notice_list(request.user), request=request)
    if request.GET and not filterset.is_valid():
        return redirect(f"{reverse('takedowns:notice-list')}?{request.GET.urlencode()}")
    items = selectors.notice_export_items(request.user, filterset.qs)
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%d-%H%M")
    return csv_response(f"notices-{stamp}.csv", EXPORT_HEADER, _export_rows(items))


@login_required
def notice_detail(request, pk):
    try:
        notice = selectors.notice_detail(request.user, pk)
    except Notice.DoesNotExist:
        raise Http404("No such notice.") from None
    zone, now = viewer_zone(request.user), timezone.now()
    for item in notice.visible_items:
        item.deadlines = item_deadlines(item, zone, now)
    user = request.user
    holder_side = user.is_platform_staff or notice.rights_holder_id in rights_holder_ids_visible_to(user)
    context = {"notice": notice, "holder_side": holder_side, "countdown_words": countdown_words()}
    return render_for_viewer(request, "takedowns/notice_detail.html", context)


@login_required
def notice_receipt(request, pk):
    try:
        notice = selectors.notice_detail(request.user, pk)
    except Notice.DoesNotExist:
        raise Http404("No such notice.") from None
    accepted = [i for i in notice.visible_items if i.status != ItemStatus.INVALID]
    invalid = [i for i in notice.visible_items if i.status == ItemStatus.INVALID]
    refused = request.session.get(RECEIPT_SESSION_KEY.format(notice.pk), [])
    return render_for_viewer(
        request,
        "takedowns/notice_receipt.html",
        {
            "notice": notice,
            "accepted": accepted,
            "invalid": invalid,
            "refused": refused,
            "returned_count": len(invalid) + len(refused),
        },
    )
