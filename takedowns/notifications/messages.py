"""What each step of an item tells each side, decided by the event's action.

The filer side hears: acceptance with the merchant's deadline, a rejection
with its reason, a counter-notice with its own reply deadline, the outcome
with its reasons. The merchant side hears: its listing under complaint or
taken down with the counter-notice deadline, the outcome with the statement
of reasons. Neither side is sent the other's private contact data, except
that for copyright items the rights holder receives the counter-notice's
contact details, as DMCA 512(g)(2)(B) requires.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from portal.i18n import lower_later, text_later
from takedowns.disclosure import LISTING_RESTRICTIONS, statements_for_complainant
from takedowns.models import Channel, InfringementType, ItemStatus, StatementOfReasons, Track
from takedowns.notifications.delivery import Message
from takedowns.notifications.recipients import (
    RecipientDirectory,
    filer_side_orgs,
    filer_side_recipients,
    merchant_side_org,
    merchant_side_recipients,
)
from takedowns.notifications.timefmt import instant_for
from takedowns.reasons import REDRESS_TEXT

# Actions that end in a decision both sides are told about, with its statement of reasons.
OUTCOME_ACTIONS = frozenset(
    {"upheld_no_counter_notice", "upheld", "dismissed", "reversed_to_dismissed", "reversed_to_upheld"}
)
# The filer's receipt for the whole notice covers these; a second message per item would be noise.
RECEIPT_ACTIONS = frozenset({"submitted", "invalid", "queued"})
# The merchant knew of the complaint only once it was accepted or fast-tracked.
MERCHANT_KNOWS = frozenset(
    {ItemStatus.AWAITING_COUNTER_NOTICE, ItemStatus.COUNTER_NOTICED, ItemStatus.PENDING_ADJUDICATION}
)


# Each outcome's subject lines (holder, merchant) by (reversed on appeal, upheld).
OUTCOME_SUBJECTS = {
    (False, True): (
        _("Complaint about listing %(listing)s upheld"),
        _("Complaint about your listing %(listing)s upheld"),
    ),
    (False, False): (
        _("Complaint about listing %(listing)s dismissed"),
        _("Complaint about your listing %(listing)s dismissed"),
    ),
    (True, True): (
        _("Complaint about listing %(listing)s reversed on appeal: upheld"),
        _("Complaint about your listing %(listing)s reversed on appeal: upheld"),
    ),
    (True, False): (
        _("Complaint about listing %(listing)s reversed on appeal: dismissed"),
        _("Complaint about your listing %(listing)s reversed on appeal: dismissed"),
    ),
}


# Actions whose messages name the decision's statements of reasons.
STATEMENT_ACTIONS = OUTCOME_ACTIONS | {"fast_tracked"}


class EventLookups:
    """What the messages of a batch of events read besides the events: recipients and statements.

    Read once for all the events (three queries at most), so a batch's messages cost no
    query per event; one event is a batch of one.
    """

    def __init__(self, events):
        events = [event for event in events if event.action not in RECEIPT_ACTIONS]
        self.directory = RecipientDirectory(
            owner_orgs={org for event in events for org in filer_side_orgs(event.item.notice)},
            member_orgs={merchant_side_org(event.item) for event in events},
        )
        self.statements = {}
        items = {event.item_id for event in events if event.action in STATEMENT_ACTIONS}
        if items:
            for statement in StatementOfReasons.objects.filter(item_id__in=items).order_by("id"):
                self.statements.setdefault(statement.item_id, []).append(statement)


def statements_for(event, statements):
    """The statements of reasons of this event's decision, listing-level first.

    ``statements``: all of the item's statements, in id order. A move writes its
    statement with the event's own instant, which names the decision generation;
    the penalty ladder adds the store-level statements of that same generation
    before this handler runs (penalties run before notifications). If the move
    wrote none (a dismissal that restored nothing) and the item has not moved
    since, the current generation's statements count.
    """
    item = event.item
    first = next((s for s in statements if s.decided_at == event.at), None)
    if first is not None:
        generation = first.decision_generation
    elif item.status == event.to_status:
        generation = item.decision_generation
    else:
        return []
    chosen = [s for s in statements if s.decision_generation == generation]
    return sorted(chosen, key=lambda s: (s.restriction not in LISTING_RESTRICTIONS, s.pk))


def _base(item, event):
    notice = item.notice
    return {
        "item": item,
        "event": event,
        "notice": notice,
        "listing": item.listing,
        "store": item.listing.store,
        "holder": notice.rights_holder,
        "asset": item.ip_asset,
        "infringement": item.get_infringement_type_display(),
        "fast_track": item.track == Track.FAST,
        # Filed by the marketplace on a screening hit: detection and decision were automated.
        "proactive": notice.channel == Channel.PROACTIVE,
    }


def _deadlines(item):
    def context(user):
        return {
            "counter_notice_deadline": instant_for(user, item.counter_notice_deadline),
            "reply_deadline": instant_for(user, item.reply_deadline),
            "review_due": instant_for(user, item.review_due_at),
        }

    return context


def _counter_notice_context(item):
    """What the rights holder may read of the counter-notice: contact data only for copyright."""
    counter_notice = getattr(item, "counter_notice", None)
    if counter_notice is None:
        return {}
    context = {
        "counter_notice_statement": counter_notice.statement,
        "counter_notice_evidence_count": counter_notice.evidence.count(),
        "counter_notice_submitted_at": counter_notice.submitted_at,
    }
    if item.infringement_type == InfringementType.COPYRIGHT:
        context["counter_notice_contact"] = {
            "name": counter_notice.contact_name,
            "address": counter_notice.contact_address,
            "phone": counter_notice.contact_phone,
            "email": counter_notice.contact_email,
            "consent_to_jurisdiction": counter_notice.consent_to_jurisdiction,
            "consent_to_service": counter_notice.consent_to_service,
        }
    return context


def event_messages(event, lookups=None):
    """The messages an item event sends: a list of Message (possibly empty).

    ``lookups``: the ``EventLookups`` of a batch the event is in (read for it alone otherwise).
    """
    item = event.item
    action = event.action
    if action in RECEIPT_ACTIONS:
        return []
    lookups = lookups or EventLookups([event])
    notice = item.notice
    listing = item.listing.external_id
    holder = filer_side_recipients(notice, lookups.directory)
    merchant = merchant_side_recipients(item, lookups.directory)
    statements = lookups.statements.get(item.pk, [])
    base = _base(item, event)
    deadlines = _deadlines(item)

    if action == "fast_tracked":
        if base["proactive"]:
            subject = text_later(
                _("Listing %(listing)s taken down by automated screening: you may answer"), listing=listing
            )
        else:
            subject = text_later(
                _("Listing %(listing)s taken down after an IP complaint: you may answer"), listing=listing
            )
        return [
            Message(
                "merchant_taken_down",
                subject,
                merchant,
                deadlines,
                {**base, "statements": statements_for(event, statements)},
            )
        ]
    if action in {"accepted", "reopened_on_appeal"}:
        extra = {**base, "reopened": action == "reopened_on_appeal"}
        return [
            Message(
                "merchant_under_complaint",
                text_later(_("Listing %(listing)s is under an IP complaint: you may answer"), listing=listing),
                merchant,
                deadlines,
                extra,
            ),
            Message(
                "holder_accepted",
                text_later(
                    _("Complaint about listing %(listing)s reopened on appeal: the merchant may answer"),
                    listing=listing,
                )
                if extra["reopened"]
                else text_later(
                    _("Complaint about listing %(listing)s accepted: the merchant may answer"), listing=listing
                ),
                holder,
                deadlines,
                extra,
            ),
        ]
    if action == "rejected":
        return [
            Message(
                "holder_rejected",
                text_later(_("Complaint about listing %(listing)s rejected"), listing=listing),
                holder,
                deadlines,
                {**base, "redress": text_later(REDRESS_TEXT, days=settings.TAKEDOWN_APPEAL_DAYS)},
            )
        ]
    if action == "counter_noticed":
        return [
            Message(
                "holder_counter_notice",
                text_later(_("Counter-notice received for listing %(listing)s: you may reply"), listing=listing),
                holder,
                deadlines,
                {**base, **_counter_notice_context(item)},
            ),
            Message(
                "merchant_counter_notice_received",
                text_later(_("Your counter-notice for listing %(listing)s was received"), listing=listing),
                merchant,
                deadlines,
                base,
            ),
        ]
    if action == "replied":
        return [
            Message(
                "merchant_replied",
                text_later(
                    _("The rights holder replied to your counter-notice for listing %(listing)s"), listing=listing
                ),
                merchant,
                deadlines,
                base,
            )
        ]
    if action == "reply_window_lapsed":
        extra = {**base, "lapsed": True}
        return [
            Message(
                "adjudication_pending",
                text_later(_("Listing %(listing)s: the complaint goes to a reviewer"), listing=listing),
                side,
                deadlines,
                extra,
            )
            for side in (holder, merchant)
        ]
    if action in OUTCOME_ACTIONS:
        upheld = event.to_status == ItemStatus.UPHELD
        reversed_ = action.startswith("reversed_")
        holder_subject, merchant_subject = OUTCOME_SUBJECTS[(reversed_, upheld)]
        statements = statements_for(event, statements)
        extra = {
            **base,
            "upheld": upheld,
            "reversed": action.startswith("reversed_"),
            "no_counter_notice": action == "upheld_no_counter_notice",
            "redress": text_later(REDRESS_TEXT, days=settings.TAKEDOWN_APPEAL_DAYS),
            "appeal_days": settings.TAKEDOWN_APPEAL_DAYS,
        }
        # Store sanctions are between the platform and the merchant (takedowns.disclosure).
        holder_statements = statements_for_complainant(statements)
        return [
            Message(
                "outcome_holder",
                text_later(holder_subject, listing=listing),
                holder,
                deadlines,
                {**extra, "statements": holder_statements},
            ),
            Message(
                "outcome_merchant",
                text_later(merchant_subject, listing=listing),
                merchant,
                deadlines,
                {**extra, "statements": statements},
            ),
        ]
    if action == "withdrawn":
        messages = [
            Message(
                "withdrawn",
                text_later(_("Complaint about listing %(listing)s withdrawn"), listing=listing),
                holder,
                deadlines,
                {**base, "side": "holder"},
            )
        ]
        if event.from_status in MERCHANT_KNOWS:
            messages.append(
                Message(
                    "withdrawn",
                    text_later(_("Complaint about your listing %(listing)s withdrawn"), listing=listing),
                    merchant,
                    deadlines,
                    {**base, "side": "merchant"},
                )
            )
        return messages
    # A move added later without its own wording still reaches both sides who know of the item.
    sides = [holder] + ([merchant] if event.to_status in MERCHANT_KNOWS or event.from_status in MERCHANT_KNOWS else [])
    return [
        Message(
            "generic",
            text_later(
                _("Listing %(listing)s: %(status)s"), listing=listing, status=lower_later(ItemStatus(item.status).label)
            ),
            side,
            deadlines,
            base,
        )
        for side in sides
    ]


def receipt_messages(notice, items=None):
    """The filer's receipt for a whole notice: accepted items with their track, invalid ones with reasons.

    ``items``: the notice's items with their listing and asset, when the caller has them in hand.
    """
    if items is None:
        items = notice.items.select_related("listing", "ip_asset")
    items = sorted(items, key=lambda item: item.pk)
    accepted = [i for i in items if i.status != ItemStatus.INVALID]
    invalid = [i for i in items if i.status == ItemStatus.INVALID]

    def context(user):
        return {
            "accepted": [
                {
                    "item": i,
                    "fast_track": i.track == Track.FAST,
                    "counter_notice_deadline": instant_for(user, i.counter_notice_deadline),
                    "review_due": instant_for(user, i.review_due_at),
                }
                for i in accepted
            ],
            "submitted_at": instant_for(user, notice.submitted_at),
        }

    proactive = notice.channel == Channel.PROACTIVE
    if proactive:
        subject = text_later(
            ngettext_lazy(
                "The marketplace filed a notice for you: %(n)s listing taken down by screening",
                "The marketplace filed a notice for you: %(n)s listings taken down by screening",
                len(accepted),
            ),
            n=len(accepted),
        )
    else:
        subject = text_later(
            _("Notice received: %(accepted)s item(s) accepted, %(invalid)s invalid"),
            accepted=len(accepted),
            invalid=len(invalid),
        )
    return [
        Message(
            "receipt",
            subject,
            filer_side_recipients(notice),
            context,
            {"notice": notice, "holder": notice.rights_holder, "invalid": invalid, "proactive": proactive},
        )
    ]
