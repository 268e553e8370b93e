"""The reviewer workbench's queue: every kind of work waiting for a person, by due time, filtered, counted
and paged (``takedowns.workbench``); appeals for senior reviewers only; a selection decided in bulk."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from listings.models import Store
from portal import pagecache
from portal.forms import whole_number
from portal.instants import instant_text
from portal.lists import ListSort, list_page
from portal.roles import user_is_reviewer, user_is_senior_reviewer
from rights_holders.models import RightsHolder
from takedowns import effects, workbench
from takedowns.models import InfringementType, Track
from takedowns.views.display import duration_text, viewer_zone

QUEUE_SORTS = {"due": ListSort(gettext_lazy("Due"), ("q_due", "-q_ahead", "q_rank"))}
FILTER_LABELS = {
    "kind": gettext_lazy("Waiting for"),
    "track": gettext_lazy("Track"),
    "type": gettext_lazy("Infringement"),
    "brand": gettext_lazy("Brand"),
    "category": gettext_lazy("Category"),
    "store": gettext_lazy("Store"),
}


def time_left(due_at, now, sla_hours):
    """(text, share of the target used in percent, overdue) of a row due at ``due_at``."""
    seconds = (due_at - now).total_seconds()
    target = sla_hours * 3600
    used = round(100 * min(1, max(0, (target - seconds) / target)))
    if seconds > 0:
        return _("%(left)s left of %(target)s h") % {"left": duration_text(seconds), "target": sla_hours}, used, False
    return _("overdue by %(late)s") % {"late": duration_text(-seconds)}, 100, True


def _filters_from(params):
    """({facet: value} of the valid filters in the query string, {facet: error}) -- a bad value is
    named by its field and left out, never a 500."""
    filters, errors = {}, {}
    checks = {
        "kind": lambda v: v if v in workbench.KINDS else None,
        "track": lambda v: v if v in Track.values else None,
        "type": lambda v: v if v in InfringementType.values else None,
        "brand": lambda v: whole_number(v),
        "store": lambda v: whole_number(v),
        "category": lambda v: v if len(v) <= 100 else None,
    }
    for name, check in checks.items():
        raw = params.get(name, "")
        if raw == "":
            continue
        value = check(raw)
        if value is None:
            errors[name] = _("Choose one of the listed values.")
        else:
            filters[name] = value
    return filters, errors


def _facet_options(facets, filters):
    """For each filter: its label, its options [(value, label with count, selected)], its error."""
    brand_ids = {v for v, _n in facets["brand"][1]} | ({filters["brand"]} if "brand" in filters else set())
    store_ids = {v for v, _n in facets["store"][1]} | ({filters["store"]} if "store" in filters else set())
    names = {
        "kind": dict(workbench.KINDS),
        "track": dict(Track.choices),
        "type": dict(InfringementType.choices),
        "brand": dict(RightsHolder.objects.filter(pk__in=brand_ids).values_list("pk", "legal_name")),
        "store": dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "name")),
        "category": {},
    }
    options = {}
    for name, (total, counted) in facets.items():
        chosen = filters.get(name)
        rows = [(str(v), f"{names[name].get(v, v)} ({n})", str(v) == str(chosen)) for v, n in counted]
        if chosen is not None and not any(selected for _v, _l, selected in rows):
            rows.append((str(chosen), f"{names[name].get(chosen, chosen)} (0)", True))
        # "All": the rows with the other filters applied (an asset to verify has no store, track or type).
        all_label = _("All (%(n)s)") % {"n": total}
        options[name] = [("", all_label, chosen is None)] + rows
    return options


def _entries_show(entries, *, now, sla_hours, viewer, selected):
    """What each row shows besides its item's own fields, worked out here rather than by the template: the
    words and links every row shares are translated and reversed once a page, not once a row."""
    kinds = {kind: str(label) for kind, label in workbench.KINDS.items()}
    types, tracks = dict(InfringementType.choices), dict(Track.choices)
    item_url = reverse("takedowns:item-detail", args=[0]).removesuffix("0/")  # + the item's id + "/"
    audit_url = reverse("good_faith:audit-detail", args=[0]).removesuffix("0/")  # + the audit's id + "/"
    select_label, used_text = _("Select item #%(pk)s"), _("%(used)s%% of the target used")
    for entry in entries:
        entry.left, entry.used, entry.overdue = time_left(entry.due_at, now, sla_hours)
        entry.due_text = instant_text(entry.due_at)
        entry.used_text = used_text % {"used": entry.used}
        item = entry.item
        entry.select_label, entry.selected, entry.type_label, entry.track_label = "", False, "", ""
        # A claim's anchor: an item's own id for the work decided under the item's claim (a review, an
        # adjudication, an appeal), the kind and the work's id for an audit or an asset to verify.
        entry.claim_anchor = f"{entry.kind}-{entry.obj_id}" if entry.kind in ("audit", "verification") else item.pk
        if entry.kind == "verification":
            entry.url = reverse("rights:asset-detail", args=[entry.asset.pk])
            entry.work = f"{kinds[entry.kind]}: {entry.asset.name}"
        else:
            entry.url = f"{audit_url}{entry.obj_id}/" if entry.kind == "audit" else f"{item_url}{item.pk}/"
            entry.work = f"{kinds[entry.kind]} #{item.pk}"
            entry.type_label = types.get(item.infringement_type, item.infringement_type)
            entry.track_label = tracks.get(item.track, item.track)
        # Decidable in bulk: a review or an adjudication nobody else holds.
        if entry.bulk_decidable and (entry.claim is None or entry.claim.reviewer_id == viewer.pk):
            entry.select_label = select_label % {"pk": item.pk}
            entry.selected = str(item.pk) in selected


@login_required
def review_queue(request):
    if not user_is_reviewer(request.user):
        raise Http404
    return queue_page(request)


def queue_page(request, status=200, *, bulk_form=None, bulk_error=None):
    """The queue as it stands now; ``status`` for a refusal shown above it (``views.errors.refused``), or
    for a bulk decision sent back (``bulk_form`` with its errors by field, ``bulk_error`` on the selection)."""
    from takedowns.views.review import bulk_decision_form

    is_senior = user_is_senior_reviewer(request.user)
    sla_hours = settings.TAKEDOWN_REVIEW_SLA_HOURS
    filters, errors = _filters_from(request.GET)
    viewer_id = request.user.pk

    def build():
        now = timezone.now()
        # The union is built once: its counts by filter value (which say the total too) and its page.
        overdue = {"before": now}
        facets = workbench.queue_facets(include_appeals=is_senior, filters=filters, overdue=overdue)
        count = workbench.queue_count(facets, include_appeals=is_senior, filters=filters)
        listing = list_page(request, None, sorts=QUEUE_SORTS, default_sort="due", count=count)
        # The page's rows read the cheaper way (each part cut at the page's end first): the same rows, in the
        # order list_page chose (its fields, then the primary key).
        page = listing.page
        order = (*QUEUE_SORTS[listing.sort_key].order_by(listing.descending), "-pk" if listing.descending else "pk")
        start = (page.number - 1) * page.paginator.per_page
        page.object_list = workbench.queue_page_rows(
            include_appeals=is_senior, filters=filters, order=order, start=start, stop=start + page.paginator.per_page
        )
        entries = workbench.queue_decorate(page.object_list, now=now)
        selected = set(request.POST.getlist("items")) if request.method == "POST" else set()
        _entries_show(entries, now=now, sla_hours=sla_hours, viewer=request.user, selected=selected)
        options = _facet_options(facets, filters)
        filter_fields = [
            {"name": name, "label": FILTER_LABELS[name], "options": options[name], "error": errors.get(name)}
            for name in workbench.FACETS
        ]
        html = render_to_string(
            "takedowns/_queue_body.html",
            {
                "listing": listing,
                "entries": entries,
                "filter_fields": filter_fields,
                "filtered": bool(filters or errors),
                "overdue_count": overdue["count"],
                "is_senior": is_senior,
                "sla_hours": sla_hours,
                # Dead letters need a person too: one count, the list is on its own page.
                "failed_effect_count": effects.effects_failed().count(),
                "bulk_form": bulk_form if bulk_form is not None else bulk_decision_form(),
                "bulk_error": bulk_error,
                "viewer_id": viewer_id,
            },
            request=request,
        )
        claims = [entry.claim for entry in entries if entry.claim is not None]
        # Until its countdowns' next minute, or a claim on it ends (its row is then free to take).
        until = min([now + pagecache.TEXTS_IN_MINUTES, *(claim.expires_at for claim in claims)])
        return pagecache.Fragment(html, until, {"claim_holders": {claim.reviewer_id for claim in claims}})

    # The same for every reviewer of the same seniority who asks the same (filters, sort, page), but one who
    # holds a claim among its rows ("Yours until", the checkbox): they get their own.
    parts = ("senior" if is_senior else "reviewer", sorted(request.GET.lists()))
    with timezone.override(viewer_zone(request.user)):
        body, _meta, _shared = pagecache.shared_fragment(
            request, "review-queue", parts, build, private=lambda meta: viewer_id in meta["claim_holders"]
        )
        return render(request, "takedowns/review_queue.html", {"queue_body": body}, status=status)
