"""The reviewer workbench beyond the queue: what the decision page shows beside the item, and bulk decisions.

A bulk decision is a selection of the queue's reviews or adjudications, one decision and one statement:
a confirmation step says what will happen, then each item is decided on its own through the same verb
as a single decision (``takedowns.claims.notice_item_decide``), with its own event, statement and audit
entry; the summary lists what succeeded and what conflicted (already decided, claimed by someone else,
its state changed).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from listings.models import ListingImage
from portal.errors import DomainError
from portal.forms import whole_number
from portal.roles import user_is_reviewer
from rights_holders.models import IPAsset
from takedowns import claims, lifecycle
from takedowns.forms import DecisionForm
from takedowns.models import FINAL_STATUSES, CannedReason, ItemStatus, NoticeItem
from takedowns.views.display import render_for_viewer

BULK_MAX = 200  # items one bulk decision may name
STORE_HISTORY_SHOWN = 5


def workbench_context(item, *, now):
    """What the decision page shows beside the item: the listing's images, the store's history of
    complaints, the right's registration and reference images and proofs. A constant number of queries."""
    listing, asset = item.listing, item.ip_asset
    images = list(ListingImage.objects.filter(listing_id=listing.pk).order_by("position", "id")[:8])
    asset = (
        IPAsset.objects.select_related("rights_holder").prefetch_related("reference_images", "proofs").get(pk=asset.pk)
    )
    others = NoticeItem.objects.filter(listing__store_id=listing.store_id).exclude(pk=item.pk)
    labels = dict(ItemStatus.choices)
    by_status = [
        (labels.get(row["status"], row["status"]), row["n"])
        for row in others.values("status").annotate(n=Count("id")).order_by("-n", "status")
    ]
    recent = list(
        others.filter(status__in=FINAL_STATUSES, decided_at__isnull=False)
        .select_related("ip_asset", "notice__rights_holder")
        .order_by("-decided_at", "-id")[:STORE_HISTORY_SHOWN]
    )
    return {
        "listing_images": images,
        "asset": asset,
        "store_history": by_status,
        "store_history_total": sum(n for _label, n in by_status),
        "store_recent": recent,
        "price_ratio": _price_ratio(listing, asset),
    }


def _price_ratio(listing, asset):
    """The listing's price as a share of the right's reference price (same currency), in percent; or None."""
    if not asset.reference_price or (asset.reference_currency and asset.reference_currency != listing.currency):
        return None
    return round(100 * listing.price / asset.reference_price)


def bulk_decision_form(data=None):
    """The bulk decision's form (prefix "bulk"): any of the four decisions, any active canned reason."""
    return DecisionForm(
        data,
        prefix="bulk",
        decisions=list(DecisionForm.offered({action for action, _label, _o in DecisionForm.CHOICES.values()})),
        canned=CannedReason.objects.filter(active=True),
    )


def _selected_ids(post):
    """The selected item ids (whole numbers, each once, in order), or an error to show by the selection."""
    raw = post.getlist("items")
    ids = []
    for value in raw:
        number = whole_number(value)
        if number is None:
            return None, _("The selection names an item that does not exist; select the items again.")
        if number not in ids:
            ids.append(number)
    if not ids:
        return None, _("Select at least one item in the queue.")
    if len(ids) > BULK_MAX:
        return None, _("Select at most %(max)s items for one bulk decision.") % {"max": BULK_MAX}
    return ids, None


def _seen_statuses(post):
    """{item id: the status the confirmation page showed} from its "seen" fields ("<id>:<status>")."""
    seen = {}
    for value in post.getlist("seen"):
        pk, _sep, status = value.partition(":")
        if (number := whole_number(pk)) is not None:
            seen[number] = status
    return seen


@login_required
@require_POST
def bulk_decide(request):
    """Step one (no ``confirm``): what will happen to the selection; step two (``confirm``): each item
    decided on its own, then what succeeded and what conflicted."""
    if not user_is_reviewer(request.user):
        raise Http404
    from takedowns.views.queue import queue_page

    form = bulk_decision_form(request.POST)
    ids, selection_error = _selected_ids(request.POST)
    if not form.is_valid() or selection_error:
        return queue_page(request, status=400, bulk_form=form, bulk_error=selection_error)
    now = timezone.now()
    items = NoticeItem.objects.select_related("listing__store", "ip_asset", "notice__rights_holder").in_bulk(ids)
    missing = [pk for pk in ids if pk not in items]
    if missing:
        error = _("The selection names an item that does not exist; select the items again.")
        return queue_page(request, status=400, bulk_form=form, bulk_error=error)
    decision = form.cleaned_data["decision"]
    context = {
        "form": form,
        "decision": decision,
        "decision_label": dict(form.fields["decision"].choices)[decision],
        "statement": form.reason_text(),
        "unfounded": decision == "reject" and form.cleaned_data.get("manifestly_unfounded"),
    }
    sources = lifecycle.TRANSITIONS[DecisionForm.CHOICES[decision][0]].sources
    if not request.POST.get("confirm"):
        running = claims.review_claims_running(ids, now)
        # Each row: the item, a running claim of another reviewer, whether the decision applies to it now.
        context["rows"] = [
            (
                items[pk],
                running.get(pk) if running.get(pk) and running[pk].reviewer_id != request.user.pk else None,
                items[pk].status in sources,
            )
            for pk in ids
        ]
        context["ids"] = ids
        return render_for_viewer(request, "takedowns/bulk_confirm.html", context)
    seen = _seen_statuses(request.POST)
    done, conflicts = [], []
    for pk in ids:
        try:
            claims.notice_item_decide(
                item_id=pk,
                actor=request.user,
                decision=decision,
                reason=context["statement"],
                manifestly_unfounded=context["unfounded"],
            )
        except claims.ClaimHeld as exc:
            conflicts.append((items[pk], _("claimed by someone else"), str(exc)))
        except DomainError as exc:
            current = NoticeItem.objects.only("status").get(pk=pk).status
            if current in FINAL_STATUSES:
                why = _("already decided")
            elif seen.get(pk, current) != current:
                why = _("its state changed")
            else:
                why = _("the decision does not apply to it")
            conflicts.append((items[pk], why, str(exc)))
        else:
            done.append(items[pk])
    context.update(done=done, conflicts=conflicts)
    return render_for_viewer(request, "takedowns/bulk_summary.html", context)
