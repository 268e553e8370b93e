"""The brand's dashboard: what needs the brand's action first, its open items by state, the deadlines coming
up and its Good Faith standing, each count a link to the list it counts.

For the brand chosen in the top bar's switcher (``rights_holders.acting``), or every brand the user acts
for. Constant queries whatever the brand's size: counts by status in one GROUP BY, the short lists sliced in
the database, the standing from the Good Faith summaries of the (few) brands shown.
"""

from django.db.models import Count
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from good_faith.views.subjects import subjects_queryset, subjects_summarise, subjects_summary_changes_at
from portal import pagecache
from portal.views.home import home
from rights_holders.acting import acting_role_current
from rights_holders.scoping import rights_holder_ids_visible_to
from takedowns.models import OPEN_STATUSES, ItemStatus, NoticeItem
from takedowns.views.display import countdown_words, deadline, viewer_zone

SHORT_LIST = 8  # rows of each "coming up" list; the count beside it links to the whole list

# Open states in the order an item moves through them (the dashboard's table reads top to bottom).
OPEN_ORDER = [
    ItemStatus.SUBMITTED,
    ItemStatus.PENDING_REVIEW,
    ItemStatus.AWAITING_COUNTER_NOTICE,
    ItemStatus.COUNTER_NOTICED,
    ItemStatus.PENDING_ADJUDICATION,
]


def home_or_dashboard(request):
    """The brand's dashboard for a brand's people (its own staff, an agent firm's); portal's home page for
    anyone else (signed out: the landing page)."""
    user = request.user
    holder_ids = rights_holder_ids_visible_to(user) if user.is_authenticated and not user.is_platform_staff else ()
    if not holder_ids:
        return home(request)
    return _brand_dashboard(request, user, holder_ids)


def _brand_dashboard(request, user, holder_ids):
    role = acting_role_current(request)
    # What decides what the dashboard shows besides the data, the language and the zone: the brand chosen in
    # the switcher (the heading names it; its items alone are shown) or none (every brand the user acts for,
    # "all your brands"), and the brands the user acts for (the open alerts count them all, chosen or not).
    # Every member of a brand and every agent with a letter for it who asks the same share one fragment.
    parts = ("brand", role.rights_holder.pk if role is not None else None, sorted(holder_ids))
    shown_ids = {role.rights_holder.pk} if role is not None else holder_ids

    def build():
        return _dashboard_body(request, role, shown_ids)

    with timezone.override(viewer_zone(user)):
        body, _meta, _shared = pagecache.shared_fragment(
            request, "brand-dashboard", parts, build, topics=(pagecache.DATA,)
        )
        context = {"dashboard_body": body, "countdown_words": countdown_words()}
        return render(request, "good_faith/brand_dashboard.html", context)


def _dashboard_body(request, role, holder_ids):
    """The dashboard's content for the brands ``holder_ids`` (``role``: the one chosen), as a shared fragment
    kept until a countdown's minute is up or time alone changes a list or the standing."""
    zone, now = timezone.get_current_timezone(), timezone.now()
    # Every brand shown is one the user acts for (``rights_holder_ids_visible_to``, or the chosen role's, one
    # of them), so each of its items is on the user's side: ``visible_to``'s OR (the holder side, or a
    # merchant's listings) would add nothing but hide the brand filter from the planner (the counter-notice
    # windows then scanned every brand's open items and sorted them: 25 ms on 10,000 items, now 0.3).
    items = NoticeItem.objects.filter(notice__rights_holder_id__in=holder_ids)

    by_status = dict(
        items.filter(status__in=OPEN_STATUSES).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    labels = dict(ItemStatus.choices)
    open_rows = [(status, labels[status], by_status.get(status, 0)) for status in OPEN_ORDER]

    related = ("listing__store", "ip_asset", "notice__rights_holder")
    replies = list(
        items.filter(status=ItemStatus.COUNTER_NOTICED, reply_deadline__gt=now)
        .select_related(*related)
        .order_by("reply_deadline", "id")[:SHORT_LIST]
    )
    for item in replies:
        item.due = deadline(_("Reply due"), item.reply_deadline, zone, now)
    windows = list(
        items.filter(status=ItemStatus.AWAITING_COUNTER_NOTICE, counter_notice_deadline__gt=now)
        .select_related(*related)
        .order_by("counter_notice_deadline", "id")[:SHORT_LIST]
    )
    for item in windows:
        item.due = deadline(_("Counter-notice window closes"), item.counter_notice_deadline, zone, now)

    standing = subjects_summarise(
        "rights_holder",
        subjects_queryset("rights_holder", now=now).filter(pk__in=holder_ids),
        now=now,
        all_scopes=False,
    )
    context = {
        "role": role,
        "open_rows": open_rows,
        "open_total": sum(n for _status, _label, n in open_rows),
        "replies": replies,
        "replies_due": by_status.get(ItemStatus.COUNTER_NOTICED, 0),
        "windows": windows,
        "windows_open": by_status.get(ItemStatus.AWAITING_COUNTER_NOTICE, 0),
        "standing": standing,
    }
    html = render_to_string("good_faith/_dashboard_body.html", context, request=request)
    # The countdowns are shown to the minute; an item leaves its short list when its deadline passes (the
    # earliest shown goes first: the lists are by deadline); the standing moves when a decision or a measure
    # leaves the window, the day ends or a cooling-off ends.
    within = pagecache.TEXTS_IN_MINUTES
    changes = [
        now + within,
        *(item.reply_deadline for item in replies[:1]),
        *(item.counter_notice_deadline for item in windows[:1]),
        subjects_summary_changes_at("rights_holder", standing, now=now, within=within),
    ]
    return pagecache.Fragment(html, min(when for when in changes if when is not None))
