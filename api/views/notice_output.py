"""How notices and their items read over the API: one shape for the lists, the detail and the actions' answers.

Everything an item shows is what the item page shows the same viewer
(``takedowns.disclosure``: the other side's people and private contact data,
and the store's sanctions for the complainant, stay out). The querysets here
load a page of notices or items with everything their output needs in a
constant number of queries.
"""

from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from api.fields import PREFIXES, PublicIdField
from portal.roles import user_is_reviewer
from takedowns import appeals, lifecycle
from takedowns.disclosure import counter_notice_contact_visible, event_actor_shown, statements_visible
from takedowns.models import (
    Appeal,
    AppealSide,
    AppealStatus,
    InfringementType,
    ItemEvent,
    ItemStatus,
    RestrictionKind,
    Track,
)

S = ItemStatus


class ClientStatus(models.TextChoices):
    """A coarse, VeRO-like status for clients that only want to know where the report stands.

    ``status`` is the engine's own; this is derived from it (and whether the listing is down).
    """

    RECEIVED = "received", "Received: waiting to be routed or reviewed"
    SUBMISSION_FAILED = "submission_failed", "Returned as invalid: see invalid_reason"
    SUBMITTED = "submitted", "Accepted and with the merchant; the listing is still live"
    CLARIFICATION_REQUIRED = "clarification_required", "The merchant counter-noticed: your reply is invited"
    REMOVED = "removed", "The listing is down"
    DECLINED = "declined", "Rejected or dismissed: the listing stays"
    WITHDRAWN = "withdrawn", "Withdrawn by the rights holder"


_CLIENT_STATUS = {
    S.SUBMITTED: ClientStatus.RECEIVED,
    S.PENDING_REVIEW: ClientStatus.RECEIVED,
    S.INVALID: ClientStatus.SUBMISSION_FAILED,
    S.COUNTER_NOTICED: ClientStatus.CLARIFICATION_REQUIRED,
    S.UPHELD: ClientStatus.REMOVED,
    S.REJECTED: ClientStatus.DECLINED,
    S.DISMISSED: ClientStatus.DECLINED,
    S.WITHDRAWN: ClientStatus.WITHDRAWN,
}


def client_status(item):
    if item.status in (S.AWAITING_COUNTER_NOTICE, S.PENDING_ADJUDICATION):
        return ClientStatus.REMOVED if item.took_down_listing else ClientStatus.SUBMITTED
    return _CLIENT_STATUS[item.status]


# What a caller may do next, named as the endpoints are: the transition table's answer (and the
# appeal rule), never restated here.
ACTION_ENDPOINTS = {"withdrawn": "withdraw", "replied": "reply", "counter_noticed": "counter_notice"}
ITEM_ACTIONS = ["withdraw", "reply", "counter_notice", "appeal"]


def items_with_everything(queryset, *, history=True):
    """Items with what ``ItemOutputSerializer`` shows of each, in a constant number of queries.

    ``history``: also each item's events and statements of reasons.
    """
    queryset = queryset.select_related(
        "notice__rights_holder", "listing__store__merchant", "ip_asset", "counter_notice", "reply"
    ).prefetch_related(
        "counter_notice__evidence",
        Prefetch("appeals", queryset=Appeal.objects.order_by("filed_at", "id")),
    )
    if history:
        queryset = queryset.prefetch_related(
            Prefetch("events", queryset=ItemEvent.objects.order_by("at", "id")), "statements"
        )
    return queryset


def _related(item, name):
    try:
        return getattr(item, name)
    except models.ObjectDoesNotExist:
        return None


class ViewerContext:
    """Who reads (the serializers' ``context["viewer"]``): the user, whether a reviewer, and now."""

    def __init__(self, user, now=None):
        self.user = user
        self.is_reviewer = user_is_reviewer(user)
        self.now = now or timezone.now()

    def side(self, item):
        return appeals.appeal_side_of(item, self.user)


@extend_schema_serializer(component_name="ItemListing")
class ListingRefSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["listing"])
    external_id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    store = PublicIdField(PREFIXES["store"], source="store.public_id")
    store_name = serializers.CharField(source="store.name")


@extend_schema_serializer(component_name="ItemAsset")
class AssetRefSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["asset"])
    name = serializers.CharField()


@extend_schema_serializer(component_name="ItemEvent")
class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField(help_text="The move: accepted, fast_tracked, counter_noticed, upheld, ...")
    from_status = serializers.ChoiceField(choices=ItemStatus.choices, allow_blank=True)
    to_status = serializers.ChoiceField(choices=ItemStatus.choices)
    by = serializers.CharField(help_text="Who moved it, as you may see it (the other side's people are not named).")
    reason = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="StatementOfReasons")
class StatementSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="puid", help_text="The statement's id in the DSA Transparency Database.")
    restriction = serializers.ChoiceField(choices=RestrictionKind.choices)
    restriction_ends_at = serializers.DateTimeField(allow_null=True)
    ground = serializers.CharField()
    facts = serializers.CharField()
    automated_detection = serializers.BooleanField()
    automated_decision = serializers.BooleanField()
    redress = serializers.CharField()
    decided_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="EvidenceFile")
class EvidenceFileSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()


@extend_schema_serializer(component_name="CounterNoticeContact")
class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(source="contact_name")
    address = serializers.CharField(source="contact_address")
    phone = serializers.CharField(source="contact_phone")
    email = serializers.CharField(source="contact_email")


@extend_schema_serializer(component_name="CounterNotice")
class CounterNoticeSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["counter_notice"])
    statement = serializers.CharField()
    signature = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    evidence = EvidenceFileSerializer(many=True, source="evidence.all")
    contact = ContactSerializer(
        source="*",
        allow_null=True,
        help_text="The merchant's contact details: for the rights holder only on copyright items (DMCA 512(g)).",
    )


@extend_schema_serializer(component_name="RightsHolderReply")
class ReplySerializer(serializers.Serializer):
    statement = serializers.CharField()
    submitted_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ItemAppeal")
class AppealSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=AppealSide.choices)
    status = serializers.ChoiceField(choices=AppealStatus.choices)
    statement = serializers.CharField()
    filed_at = serializers.DateTimeField()
    decision_reason = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="NoticeItem")
class ItemOutputSerializer(serializers.Serializer):
    """One item as the viewer may see it. ``events`` and ``statements_of_reasons`` are in full on the
    detail endpoints and on lists with ``?expand=history``; ``null`` otherwise."""

    id = PublicIdField(PREFIXES["item"])
    notice = PublicIdField(PREFIXES["notice"], source="notice.public_id")
    status = serializers.ChoiceField(choices=ItemStatus.choices, help_text="The engine's status.")
    client_status = serializers.ChoiceField(choices=ClientStatus.choices, help_text="A coarse, VeRO-like status.")
    track = serializers.ChoiceField(choices=Track.choices)
    infringement_type = serializers.ChoiceField(choices=InfringementType.choices)
    explanation = serializers.CharField()
    test_buy_order_number = serializers.CharField(allow_blank=True)
    test_buy_report = serializers.CharField(allow_blank=True)
    listing = ListingRefSerializer()
    asset = AssetRefSerializer(source="ip_asset")
    authorised_store = serializers.BooleanField(
        source="authorised_store_flag", help_text="The store is on the rights holder's authorised list."
    )
    invalid_reason = serializers.CharField(allow_blank=True)
    took_down_listing = serializers.BooleanField(
        help_text="This item took the listing down (fast track or upheld). A withdrawal, dismissal or reversal "
        "reinstates it: `listing.status` says where the listing stands now."
    )
    status_changed_at = serializers.DateTimeField()
    counter_notice_deadline = serializers.DateTimeField(allow_null=True)
    reply_deadline = serializers.DateTimeField(allow_null=True)
    review_due_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    automated_decision = serializers.BooleanField()
    appeal_deadline = serializers.DateTimeField(allow_null=True)
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=ITEM_ACTIONS),
        help_text="What you may do now: each is POST /api/v1/items/{id}/<action>/ (counter_notice: counter-notice).",
    )
    counter_notice = CounterNoticeSerializer(allow_null=True)
    reply = ReplySerializer(allow_null=True)
    appeals = AppealSerializer(many=True)
    events = EventSerializer(many=True, allow_null=True, help_text="The status history, oldest first.")
    statements_of_reasons = StatementSerializer(many=True, allow_null=True)

    def to_representation(self, item):
        viewer = self.context["viewer"]
        history = self.context.get("history", True)
        side = viewer.side(item)
        counter_notice = _related(item, "counter_notice")
        item_appeals = list(item.appeals.all())
        actions = [
            ACTION_ENDPOINTS[a]
            for a in lifecycle.actions_available(item, viewer.user, now=viewer.now)
            if a in ACTION_ENDPOINTS
        ]
        if appeals.appeal_possible(item, side, item_appeals, viewer.now):
            actions.append("appeal")
        data = {
            field: getattr(item, field)
            for field in (
                "status",
                "track",
                "infringement_type",
                "explanation",
                "test_buy_order_number",
                "test_buy_report",
                "invalid_reason",
                "status_changed_at",
                "counter_notice_deadline",
                "reply_deadline",
                "review_due_at",
                "decided_at",
                "automated_decision",
            )
        }
        data.update(
            id=self.fields["id"].to_representation(item.public_id),
            notice=self.fields["notice"].to_representation(item.notice.public_id),
            client_status=client_status(item),
            listing=ListingRefSerializer(item.listing).data,
            asset=AssetRefSerializer(item.ip_asset).data,
            authorised_store=item.authorised_store_flag,
            took_down_listing=item.took_down_listing,
            appeal_deadline=appeals.appeal_deadline(item)
            if item.status in appeals.APPEALABLE and item.decided_at
            else None,
            actions=actions,
            counter_notice=None,
            reply=None,
            appeals=AppealSerializer(item_appeals, many=True).data,
            events=None,
            statements_of_reasons=None,
        )
        for name in (
            "status_changed_at",
            "counter_notice_deadline",
            "reply_deadline",
            "review_due_at",
            "decided_at",
            "appeal_deadline",
        ):
            data[name] = serializers.DateTimeField().to_representation(data[name]) if data[name] else None
        if counter_notice is not None:
            shown = CounterNoticeSerializer(counter_notice).data
            if not counter_notice_contact_visible(item, viewer.user, side):
                shown["contact"] = None
            data["counter_notice"] = shown
        reply = _related(item, "reply")
        if reply is not None:
            data["reply"] = ReplySerializer(reply).data
        if history:
            events = []
            for event in item.events.all():
                events.append(
                    {
                        "at": serializers.DateTimeField().to_representation(event.at),
                        "action": event.action,
                        "from_status": event.from_status,
                        "to_status": event.to_status,
                        "by": event_actor_shown(event, side, viewer.is_reviewer),
                        "reason": event.reason,
                    }
                )
            data["events"] = events
            data["statements_of_reasons"] = StatementSerializer(
                statements_visible(item.statements.all(), viewer.user, side), many=True
            ).data
        return data
