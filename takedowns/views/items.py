"""One item: its page, and each action the viewer may take on it (one POST view per service)."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import pagecache
from portal.forms import whole_number
from portal.request_limits import upload_endpoint
from portal.roles import user_is_reviewer, user_is_senior_reviewer
from portal.scoping import organisation_ids_of
from portal.views.claims import claim_release_answer
from takedowns import appeals, claims, lifecycle, selectors, workbench
from takedowns.counter_notice_drafts import (
    counter_notice_draft_file_remove,
    counter_notice_draft_files,
    counter_notice_draft_keep,
    counter_notice_file,
)
from takedowns.disclosure import counter_notice_contact_visible, event_actor_shown, statements_visible
from takedowns.forms import (
    AppealDecisionForm,
    AppealForm,
    CounterNoticeForm,
    DecisionForm,
    ReplyForm,
    WithdrawForm,
)
from takedowns.models import (
    REACHED_MERCHANT_STATUSES,
    Appeal,
    AppealSide,
    AppealStatus,
    CannedReason,
    CounterNoticeDraftEvidence,
    InfringementType,
    ItemStatus,
    NoticeItem,
    holder_side_of,
)
from takedowns.reasons import statement_read
from takedowns.recorded import recorded_read
from takedowns.views.display import countdown_words, deadline, render_for_viewer, viewer_zone, zone_key
from takedowns.views.errors import (
    DOMAIN_ERRORS,
    error_messages,
    error_status,
    form_add_domain_error,
    form_refusal,
    refused,
)
from takedowns.views.notices import item_deadlines
from takedowns.views.queue import queue_page
from takedowns.views.review import workbench_context
from takedowns.views.timeline import item_timeline

CONTACT_FIELDS = ("contact_name", "contact_address", "contact_phone", "contact_email")


def _visible_item(request, pk):
    """The item if the viewer may see it; another organisation's item answers 404 like a missing one."""
    return get_object_or_404(
        NoticeItem.objects.visible_to(request.user).select_related("listing__store__merchant", "notice"), pk=pk
    )


def _related(item, name):
    try:
        return getattr(item, name)
    except ObjectDoesNotExist:
        return None


def _decision_form(item, request, actions, data=None):
    """The reviewer's decision form, offering what the transition table allows now; None when nothing.

    No decision is chosen for the reviewer. ``?canned=<id>`` (a link, or the page without its script)
    starts the statement from that canned reason and picks its decision: the reviewer's own choice."""
    decisions = DecisionForm.offered(actions)
    if not decisions:
        return None
    canned = CannedReason.objects.filter(active=True, outcome__in=DecisionForm.canned_outcomes(decisions))
    if data is not None:
        return DecisionForm(data, decisions=decisions, canned=canned)
    initial = {}
    picked = whole_number(request.GET.get("canned"))
    if picked is not None:
        chosen = canned.filter(pk=picked).first()
        if chosen is not None:
            initial = {
                "canned_reason": chosen.pk,
                "reason": chosen.text,
                "decision": DecisionForm.DECISION_FOR_OUTCOME.get(chosen.outcome, ""),
            }
    return DecisionForm(initial=initial, decisions=decisions, canned=canned)


@login_required
def item_detail(request, pk):
    return _item_page(request, pk)


def _item_page(request, pk, *, refusal=None, status=200, decision_data=None, appeal_data=None):
    """The item as it is now; ``refusal`` (lines) says why the viewer's action was refused, in ``status``.

    Either side of the complaint sees the item page, shared by everyone on the same side (``_side_page``).
    A reviewer sees the workbench's decision page (``takedowns/item_review.html``), built for them: the
    listing beside the right, both sides' evidence, the decision form; opening it claims the item when there
    is something to decide (a GET that writes: never shared). ``decision_data``/``appeal_data``: a form sent
    back with its errors by field."""
    if not user_is_reviewer(request.user):
        return _side_page(request, pk, refusal=refusal, status=status)
    user = request.user
    try:
        item = selectors.item_detail(user, pk)
    except NoticeItem.DoesNotExist:
        raise Http404("No such item.") from None
    zone, now = viewer_zone(user), timezone.now()
    # What the viewer may do now is the transition table's answer; the page only lays it out.
    actions = lifecycle.actions_available(item, user, now=now)
    is_senior = user_is_senior_reviewer(user)
    context = _item_context(item, user, actions=actions, is_reviewer=True, zone=zone, now=now)
    decision_form = _decision_form(item, request, actions, decision_data)
    if decision_form is not None and decision_data is not None:
        decision_form.is_valid()  # its errors, by field
    open_appeals = [a for a in context["appeals"] if a.status == AppealStatus.OPEN]
    appeal_decision_form = None
    if is_senior and open_appeals:
        appeal_decision_form = AppealDecisionForm(appeal_data) if appeal_data is not None else AppealDecisionForm()
    # Opening an item for decision claims it; another reviewer's running claim takes the forms away.
    claim = claim_blocked = None
    if decision_form is not None or appeal_decision_form is not None:
        try:
            claim = claims.review_claim_take(item_id=item.pk, actor=user)
        except claims.ClaimHeld as exc:
            claim_blocked = exc.claim
            decision_form = appeal_decision_form = None
    context.update(
        {
            "claim": claim,
            "claim_blocked": claim_blocked,
            "decision_form": decision_form,
            "appeal_decision_form": appeal_decision_form,
            "open_appeals": open_appeals,
            "refusal": refusal,
        }
    )
    context.update(workbench_context(item, now=now))
    context["shortcuts"] = DecisionForm.SHORTCUTS
    return render_for_viewer(request, "takedowns/item_review.html", context, status=status)


def _item_context(item, user, *, actions, is_reviewer, zone, now):
    """What the item's page shows ``user`` (either side's page, or the reviewer's) at ``now``: the item, its
    timeline as the viewer's side may read it (``takedowns.disclosure``), its deadlines, what may be done."""
    side = appeals.appeal_side_of(item, user)
    counter_notice = _related(item, "counter_notice")
    reply = _related(item, "reply")
    item_appeals = list(item.appeals.all())
    labels = dict(ItemStatus.choices)
    events = list(item.events.all())
    for event in events:
        event.from_label = labels.get(event.from_status, "")
        event.to_label = labels.get(event.to_status, event.to_status)
        event.who = recorded_read(event_actor_shown(event, side, is_reviewer))
        event.reason_shown = recorded_read(event.reason)

    can_counter_notice = "counter_noticed" in actions
    can_reply = "replied" in actions
    can_withdraw = "withdrawn" in actions
    appeal_until = None
    if item.status in appeals.APPEALABLE and item.decided_at and not appeals.appeal_side_won(item, side):
        appeal_until = deadline(_("Appeal possible until"), appeals.appeal_deadline(item), zone, now)
    can_appeal = appeals.appeal_possible(item, side, item_appeals, now)
    statements = statements_visible(item.statements.all(), user, side)
    for statement in statements:
        # The standard ground and redress in the reader's language; a reviewer's own words as written.
        statement.read = statement_read(statement, item)
    deadlines = item_deadlines(item, zone, now)
    counter_notice_closed = (
        side == AppealSide.MERCHANT and item.status == ItemStatus.AWAITING_COUNTER_NOTICE and not can_counter_notice
    )
    return {
        "item": item,
        "notice": item.notice,
        "events": events,
        "side": side,
        "is_reviewer": is_reviewer,
        "deadlines": deadlines,
        "zone_name": zone_key(zone),
        "timeline": item_timeline(
            events, counter_notice=counter_notice, reply=reply, statements=statements, appeals=item_appeals
        ),
        "countdown_words": countdown_words(),
        "counter_notice": counter_notice,
        "show_contact": counter_notice is not None and counter_notice_contact_visible(item, user, side),
        "statements": statements,
        "reply": reply,
        "appeals": item_appeals,
        "appeal_until": appeal_until,
        "can_counter_notice": can_counter_notice,
        "counter_notice_closed": counter_notice_closed,
        "counter_notice_closed_at": deadline(_("Counter-notice window closed"), item.counter_notice_deadline, zone, now)
        if counter_notice_closed and item.counter_notice_deadline
        else None,
        "reply_form": ReplyForm() if can_reply else None,
        "can_withdraw": can_withdraw,
        "appeal_form": AppealForm() if can_appeal else None,
        # The side a final decision went for is told so, instead of being offered an appeal of its own win.
        "decision_won": side is not None and item.status in appeals.APPEALABLE and appeals.appeal_side_won(item, side),
    }


# What decides who may see an item, read once per data version for everyone who opens it.
_ACCESS_FIELDS = (
    "status",
    "notice__rights_holder_id",
    "notice__partner_id",
    "notice__filer_organisation_id",
    "listing__store__merchant__organisation_id",
)


def _item_access(request, pk):
    """{field: value} of ``_ACCESS_FIELDS`` for item ``pk``, None when there is no such item; shared by every
    viewer while the data stands (it changes only with the data)."""

    def build():
        row = NoticeItem.objects.filter(pk=pk).order_by().values_list(*_ACCESS_FIELDS).first()
        facts = dict(zip(_ACCESS_FIELDS, row, strict=True)) if row is not None else None
        return pagecache.Fragment("", timezone.now() + pagecache.LONGEST, {"access": facts})

    _html, meta, _shared = pagecache.shared_fragment(request, "item-access", (pk,), build, topics=(pagecache.DATA,))
    return meta["access"]


def _item_windows(item):
    """The instants at which the item's page changes by itself: a window closes (its form goes), a due time
    passes (its countdown turns to "passed")."""
    instants = [item.counter_notice_deadline, item.reply_deadline, item.review_due_at]
    if item.decided_at:
        instants.append(appeals.appeal_deadline(item))
    return [instant for instant in instants if instant is not None]


def _side_page(request, pk, *, refusal, status):
    """The item page of either side of the complaint (the rights holder's people, its agents, a vetting
    partner's people; the merchant's people), one fragment shared by everyone on the same side.

    What the page shows a viewer who is not a reviewer is decided by the item's data and two facts about the
    viewer, nothing else: whether they stand on the holder's side of its notice (``holder_side_of``: the brand's
    own people, an agent firm with a letter for the brand, the vetting partner's people alike) and whether
    they belong to the merchant whose listing it names. The side (``appeal_side_of``), the actions offered
    (``actions_available``: the holder's reply and withdrawal, the merchant's counter-notice), the timeline's
    names and the statements and contact data read (``takedowns.disclosure``) are all functions of these two
    facts. No person's own part is in the fragment: the CSRF field is the viewer's (``shared_csrf_token``),
    messages are in the frame, a refusal is shown on the viewer's own page (built, never kept).
    """
    user = request.user
    access = _item_access(request, pk)
    if access is None:
        raise Http404("No such item.")
    holder_side = holder_side_of(
        user,
        rights_holder_id=access["notice__rights_holder_id"],
        partner_id=access["notice__partner_id"],
        filer_organisation_id=access["notice__filer_organisation_id"],
    )
    merchant_side = access["listing__store__merchant__organisation_id"] in organisation_ids_of(user)
    # ``NoticeItem.objects.visible_to``, asked of the facts: another organisation's item answers 404.
    if not (holder_side or (merchant_side and access["status"] in REACHED_MERCHANT_STATUSES)):
        raise Http404("No such item.")
    zone = viewer_zone(user)

    def build():
        now = timezone.now()
        try:
            item = selectors.item_detail(user, pk)
        except NoticeItem.DoesNotExist:
            raise Http404("No such item.") from None
        actions = lifecycle.actions_available(item, user, now=now)
        context = _item_context(item, user, actions=actions, is_reviewer=False, zone=zone, now=now)
        context["refusal"] = refusal
        html = render_to_string("takedowns/_item_body.html", context)
        # Kept until the next instant the page changes by itself: a window closing takes its form away; a
        # countdown on the page is good for its minute.
        until = min([now + pagecache.LONGEST, *(instant for instant in _item_windows(item) if instant > now)])
        if context["deadlines"] or context["appeal_until"]:
            until = min(until, now + pagecache.TEXTS_IN_MINUTES)
        return pagecache.Fragment(html, until)

    parts = (pk, "holder" if holder_side else "", "merchant" if merchant_side else "")
    with timezone.override(zone):
        body, _meta, _shared = pagecache.shared_fragment(
            request, "item-page", parts, build, private=lambda _meta: refusal is not None, topics=(pagecache.DATA,)
        )
        return render(request, "takedowns/item_detail.html", {"pk": pk, "item_body": body}, status=status)


def _refused(request, pk, exc):
    """A refused action answers with the item page as it is now and why: 409 when the item's state
    forbids it (e.g. another reviewer decided first), 400 for bad input, 403 for a missing right."""
    return _item_page(request, pk, refusal=error_messages(exc), status=error_status(exc))


@upload_endpoint("document")
@login_required
def item_counter_notice(request, pk):
    """The merchant's counter-notice: a page of its own, since it is long and has files.

    A closed window shows when it closed instead of the form (a POST then is refused with 409). Files that
    pass the checks are kept on the server when the form comes back with an error (``counter_notice_drafts``),
    listed as kept with a remove button, and filed with the counter-notice; a refused file keeps nothing.
    """
    item = _visible_item(request, pk)
    if appeals.appeal_side_of(item, request.user) != AppealSide.MERCHANT:
        raise Http404("Only the merchant whose listing is named can file a counter-notice.")
    zone, now = viewer_zone(request.user), timezone.now()
    post = request.method == "POST"
    refusal = lifecycle.transition_refusal(item, "counter_noticed", actor=request.user, now=now)
    context = {
        "item": item,
        "is_copyright": item.infringement_type == InfringementType.COPYRIGHT,
        "deadline": deadline(_("Counter-notice due"), item.counter_notice_deadline, zone, now)
        if item.counter_notice_deadline
        else None,
        "countdown_words": countdown_words(),
        "refusal": error_messages(refusal) if refusal is not None else None,
        "form": None,
        "preview_words": {"chosen": _("Chosen files")},
    }
    if refusal is not None:
        # Nothing to fill in: the page says why (the window closed at ..., the item moved on).
        return render_for_viewer(
            request, "takedowns/counter_notice_form.html", context, status=error_status(refusal) if post else 200
        )
    kept = counter_notice_draft_files(request.user, item)
    form = CounterNoticeForm(
        request.POST if post else None, request.FILES if post else None, item=item, user=request.user, kept=kept
    )
    status = 200
    removing = whole_number(request.POST.get("action", "").removeprefix("remove-file-")) if post else None
    if post and removing is None and form.is_valid():
        try:
            counter_notice_file(
                item_id=item.pk,
                actor=request.user,
                fields=form.counter_notice_fields(),
                kept_ids=form.kept_ids,
                uploads=form.cleaned_data["evidence"],
            )
        except DOMAIN_ERRORS as exc:
            # Shown on the form so a late or refused counter-notice says why, without losing the text.
            form_add_domain_error(form, exc)
            status = error_status(exc)
        else:
            messages.success(
                request, _("Your counter-notice is filed. The rights holder may reply; then a reviewer decides.")
            )
            return redirect("takedowns:item-detail", pk=item.pk)
    if post:
        status = _counter_notice_keep(request, item, form, status)
        if removing is not None:
            # Without the page's script a Remove button sends the whole form: the file goes, the text stays.
            with contextlib.suppress(CounterNoticeDraftEvidence.DoesNotExist):
                counter_notice_draft_file_remove(evidence_id=removing, actor=request.user)
            form = CounterNoticeForm(initial=_as_typed(form), item=item, user=request.user)
        kept = counter_notice_draft_files(request.user, item)
    context.update(form=form, kept=kept)
    return render_for_viewer(request, "takedowns/counter_notice_form.html", context, status=status)


@login_required
@require_POST
def counter_notice_file_remove(request, pk):
    """A file kept for the person's counter-notice in progress goes (htmx: the empty answer takes it off the page).
    Another person's, or one already gone, answers 404."""
    try:
        item_id = counter_notice_draft_file_remove(evidence_id=pk, actor=request.user)
    except CounterNoticeDraftEvidence.DoesNotExist:
        raise Http404("No such file in your counter-notice.") from None
    if request.htmx:
        return HttpResponse("")
    return redirect("takedowns:item-counter-notice", pk=item_id)


def _counter_notice_keep(request, item, form, status):
    """The new files that passed the checks are kept, so the page does not ask for them again; the status to
    answer with. A refusal (too many files, the window just closed) is told on the form and keeps nothing."""
    form.is_valid()
    uploads = form.cleaned_data.get("evidence") if "evidence" not in form.errors else None
    if not uploads or status >= 403:
        return status
    try:
        counter_notice_draft_keep(item_id=item.pk, actor=request.user, uploads=uploads)
    except DOMAIN_ERRORS as exc:
        form_add_domain_error(form, exc)
        return error_status(exc)
    return status


def _as_typed(form):
    """What the person typed, as a new form's starting values (no errors shown: nothing was sent to be checked)."""
    return {name: form.data.get(form.add_prefix(name)) for name in form.fields if name != "evidence"}


@login_required
@require_POST
def item_reply(request, pk):
    item = _visible_item(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _refused(request, item.pk, form_refusal(form, missing=_("Write the reply before sending it.")))
    try:
        lifecycle.notice_item_reply(item_id=item.pk, actor=request.user, statement=form.cleaned_data["statement"])
    except DOMAIN_ERRORS as exc:
        return _refused(request, item.pk, exc)
    messages.success(request, _("Your reply is sent; a reviewer now decides."))
    return redirect("takedowns:item-detail", pk=item.pk)


@login_required
def item_withdraw(request, pk):
    """Withdrawing asks first: the page says what follows and takes an optional reason; only the
    confirming POST (``confirmed=yes``) withdraws. Where withdrawal is not possible, the item page says why."""
    item = _visible_item(request, pk)
    refusal = lifecycle.transition_refusal(item, "withdrawn", actor=request.user, now=timezone.now())
    if refusal is not None:
        return _refused(request, item.pk, refusal)
    post = request.method == "POST"
    form = WithdrawForm(request.POST if post else None)
    status = 200
    # Only the confirmation page's button sends ``confirmed``: a withdrawal is never one click from elsewhere.
    if post and form.is_valid() and request.POST.get("confirmed") == "yes":
        try:
            lifecycle.notice_item_withdraw(item_id=item.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except DOMAIN_ERRORS as exc:
            return _refused(request, item.pk, exc)
        messages.success(request, _("The complaint is withdrawn; a taken-down listing is reinstated."))
        return redirect("takedowns:item-detail", pk=item.pk)
    if post and not form.is_valid():
        # Never withdraw without the reason the filer typed because it could not be read.
        status = 400
    context = {"item": item, "notice": item.notice, "form": form}
    return render_for_viewer(request, "takedowns/item_withdraw.html", context, status=status)


@login_required
@require_POST
def item_appeal(request, pk):
    item = _visible_item(request, pk)
    form = AppealForm(request.POST)
    if not form.is_valid():
        return _refused(request, item.pk, form_refusal(form, missing=_("Explain why the decision should be changed.")))
    try:
        appeals.appeal_file(item_id=item.pk, actor=request.user, statement=form.cleaned_data["statement"])
    except DOMAIN_ERRORS as exc:
        return _refused(request, item.pk, exc)
    messages.success(request, _("Your appeal is filed; a senior reviewer who did not decide first will decide."))
    return redirect("takedowns:item-detail", pk=item.pk)


# What the reviewer is told when each of the decision form's choices is done.
DECISION_DONE = {
    "accept": gettext_lazy("Accepted: the merchant's counter-notice window is open."),
    "reject": gettext_lazy("Rejected: the filer sees your reasons."),
    "uphold": gettext_lazy("Upheld: the listing comes down and the penalty follows."),
    "dismiss": gettext_lazy("Dismissed: the listing stays or is reinstated."),
}


@login_required
@require_POST
def item_decide(request, pk):
    if not user_is_reviewer(request.user):
        raise Http404
    item = get_object_or_404(NoticeItem, pk=pk)
    form = DecisionForm(
        request.POST,
        decisions=list(DecisionForm.offered({c[0] for c in DecisionForm.CHOICES.values()})),
        canned=CannedReason.objects.filter(active=True),
    )
    if not form.is_valid():
        # The page as it stands, the form with what was typed and each error by its field.
        return _item_page(request, item.pk, decision_data=request.POST, status=400)
    decision = form.cleaned_data["decision"]
    done = DECISION_DONE[decision]
    unfounded = decision == "reject" and form.cleaned_data.get("manifestly_unfounded")
    if unfounded:
        done = _(
            "Rejected as manifestly unfounded: the filer sees your reasons, and it counts towards misuse measures."
        )
    try:
        # Refused (409) when another reviewer holds the item's claim, or decided first.
        claims.notice_item_decide(
            item_id=item.pk,
            actor=request.user,
            decision=decision,
            reason=form.reason_text(),
            manifestly_unfounded=unfounded,
        )
    except DOMAIN_ERRORS as exc:
        return _refused(request, item.pk, exc)
    messages.success(request, _("Item #%(pk)s: %(done)s") % {"pk": item.pk, "done": done})
    if request.POST.get("and_next"):
        # "Decide and next": straight to the most urgent item nobody else holds, not back to the list.
        following = workbench.next_unclaimed_item(actor=request.user, after_item_id=item.pk, now=timezone.now())
        if following is None:
            messages.info(request, _("Nothing else is waiting for a review or an adjudication."))
            return redirect("takedowns:review-queue")
        return redirect("takedowns:item-detail", pk=following)
    return redirect("takedowns:item-detail", pk=item.pk)


@login_required
@require_POST
def item_release(request, pk):
    """The holder lets the item go back to the queue."""
    return claim_release_answer(
        request,
        model=NoticeItem,
        pk=pk,
        release=lambda item: claims.review_claim_release(item_id=item.pk, actor=request.user),
        released=lambda item: _("Item #%(pk)s is released: it is back in the queue for any reviewer.")
        % {"pk": item.pk},
        # The queue, not the item page: opening the item again would claim it.
        refused=lambda request, item, exc: refused(
            request, exc, queue_page, prefix=_("Item #%(pk)s: ") % {"pk": item.pk}
        ),
        queue="takedowns:review-queue",
    )


@login_required
@require_POST
def appeal_decide(request, pk):
    if not user_is_senior_reviewer(request.user):
        raise Http404
    appeal = get_object_or_404(Appeal, pk=pk)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        return _item_page(request, appeal.item_id, appeal_data=request.POST, status=400)
    try:
        # Under the item's claim: refused (409) when another reviewer holds the item; the decision ends it.
        claims.notice_appeal_decide(
            appeal_id=appeal.pk,
            actor=request.user,
            reverse=form.cleaned_data["decision"] == "reverse",
            reason=form.cleaned_data["reason"],
        )
    except DOMAIN_ERRORS as exc:
        return _refused(request, appeal.item_id, exc)
    messages.success(request, _("The appeal is decided; both sides are told."))
    return redirect("takedowns:item-detail", pk=appeal.item_id)
