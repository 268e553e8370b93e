"""Items over the API: list, read one, and each move a party may make on it, one endpoint per move.

``POST /api/v1/items/{id}/withdraw/``, ``reply/``, ``appeal/`` and
``counter-notice/``: an item's public id names it alone, so the moves hang
off the item, not its notice. Each takes the same form as its page (the
form's own checks: length, control characters, the evidence through the one
upload validator) and calls the same service; the answer is the item as it
now stands. A move the item's state forbids is a 409 with ``current_state``;
a missing statement is a 400; a move your side may not make is a 403; an item
you may not see is a 404, like a missing one.
"""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.fields import PREFIXES, object_by_public_id_or_404
from api.idempotency import Idempotent
from api.pagination import ApiCursorPagination
from api.views.notice_output import ItemOutputSerializer, items_with_everything
from api.views.notices import EXPAND_PARAMETER, ItemFilterSet, expand_history, viewer_context
from takedowns import appeals, lifecycle
from takedowns.forms import AppealForm, CounterNoticeForm, ReplyForm, WithdrawForm
from takedowns.models import AppealSide, NoticeItem


def item_visible_or_404(request, item_id, *, history=True):
    return object_by_public_id_or_404(
        items_with_everything(NoticeItem.objects.visible_to(request.user), history=history),
        PREFIXES["item"],
        item_id,
    )


def item_response(request, item_id):
    """The item as it now stands, read afresh after a move."""
    item = item_visible_or_404(request, item_id)
    return Response(ItemOutputSerializer(item, context=viewer_context(request)).data)


def form_data(request):
    """The body a page's form reads: an object (JSON or form fields). A list, a string or null is a 400."""
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError(
            [ErrorDetail("Send an object with the operation's fields (JSON or a form).", "invalid")]
        )
    return request.data


def form_errors(form):
    """A form's errors as DRF's, each keeping its code; the problem handler points them into the body."""
    return exceptions.ValidationError(
        {
            name: [ErrorDetail(message, error.code or "invalid") for error in errors for message in error.messages]
            for name, errors in form.errors.as_data().items()
        }
    )


class ItemListApi(GenericAPIView):
    """Items you may see: a brand's or agent's items, a partner's vetted ones, the items naming a merchant's
    listings. Merchants: ``?counter_notice_due=true`` for the ones awaiting your counter-notice, time left."""

    required_scopes = {"GET": "notices:read"}
    queryset = NoticeItem.objects.none()
    filterset_class = ItemFilterSet
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return NoticeItem.objects.visible_to(self.request.user)

    @extend_schema(operation_id="items_list", parameters=[EXPAND_PARAMETER], responses=ItemOutputSerializer(many=True))
    def get(self, request):
        history = expand_history(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        items = list(items_with_everything(NoticeItem.objects.filter(pk__in=[i.pk for i in page]), history=history))
        by_pk = {item.pk: item for item in items}
        ordered = [by_pk[i.pk] for i in page]
        data = ItemOutputSerializer(ordered, many=True, context=viewer_context(request, history=history)).data
        return self.get_paginated_response(data)


class ItemDetailApi(GenericAPIView):
    """One item: its status, deadlines, events, statements of reasons, counter-notice, reply and appeals."""

    required_scopes = {"GET": "notices:read"}
    queryset = NoticeItem.objects.none()
    pagination_class = None
    filter_backends = []

    @extend_schema(operation_id="items_retrieve", responses=ItemOutputSerializer)
    def get(self, request, item_id):
        return item_response(request, item_id)


class _ItemMoveApi(Idempotent, GenericAPIView):
    """A move on one item: the form of its page checks the input, the service makes the move.

    A subclass names the form (``form_class``) and the verb, called as ``verb(item_id=, actor=, **the form's
    cleaned data)``: the form's fields are the verb's arguments. A retry of a move already made would be
    a 409; with an ``Idempotency-Key`` it gets the first answer.
    """

    idempotency = "optional"
    queryset = NoticeItem.objects.none()
    pagination_class = None
    filter_backends = []
    form_class = None
    verb = None  # staticmethod(the domain function)

    def post(self, request, item_id):
        item = item_visible_or_404(request, item_id, history=False)
        form = self.form_class(form_data(request))
        if not form.is_valid():
            raise form_errors(form)
        self.verb(item_id=item.pk, actor=request.user, **form.cleaned_data)
        return item_response(request, item_id)


def _move_schema(operation_id, component_name, **fields):
    """The OpenAPI description of a move: its input (the form's fields, for the schema) and the item after it."""
    body = inline_serializer(component_name, fields)
    return extend_schema_view(
        post=extend_schema(operation_id=operation_id, request=body, responses=ItemOutputSerializer)
    )


@_move_schema(
    "items_withdraw",
    "ItemWithdrawInput",
    reason=serializers.CharField(required=False, allow_blank=True, help_text="Why (optional; both sides read it)."),
)
class ItemWithdrawApi(_ItemMoveApi):
    """The rights holder's side withdraws an item at any step before a decision; a listing taken down is
    reinstated."""

    required_scopes = {"POST": "notices:write"}
    form_class = WithdrawForm
    verb = staticmethod(lifecycle.notice_item_withdraw)


@_move_schema(
    "items_reply", "ItemReplyInput", statement=serializers.CharField(help_text="Your answer to the counter-notice.")
)
class ItemReplyApi(_ItemMoveApi):
    """The rights holder's side answers the merchant's counter-notice inside its window; a reviewer then decides."""

    required_scopes = {"POST": "notices:write"}
    form_class = ReplyForm
    verb = staticmethod(lifecycle.notice_item_reply)


@_move_schema(
    "items_appeal", "ItemAppealInput", statement=serializers.CharField(help_text="Why the decision should change.")
)
class ItemAppealApi(_ItemMoveApi):
    """Either side appeals a final decision within six months (DSA article 20); a senior reviewer decides."""

    required_scopes = {"POST": "notices:write"}
    form_class = AppealForm
    verb = staticmethod(appeals.appeal_file)


class ItemCounterNoticeApi(Idempotent, GenericAPIView):
    """The merchant's counter-notice with its evidence, inside the window (multipart for files).

    The fields and checks are the counter-notice page's (``CounterNoticeForm``); copyright items also
    need the three DMCA 512(g)(3) declarations. Evidence files (``evidence``, repeatable) go through
    the portal's upload validator.
    """

    required_scopes = {"POST": "counter_notices:write"}
    idempotency = "optional"
    queryset = NoticeItem.objects.none()
    pagination_class = None
    filter_backends = []
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    upload_kind = "document"  # bodies as large as the counter-notice page's (portal.request_limits)

    @extend_schema_serializer(component_name="CounterNoticeInput")
    class InputSerializer(serializers.Serializer):
        statement = serializers.CharField(help_text="Why the listing does not infringe.")
        evidence = serializers.ListField(
            child=serializers.FileField(), required=False, help_text="Invoices, letters, photos: PDF, JPEG, PNG, WebP."
        )
        contact_name = serializers.CharField()
        contact_address = serializers.CharField()
        contact_phone = serializers.CharField()
        contact_email = serializers.EmailField()
        signature = serializers.CharField(help_text="Your full name, typed.")
        accuracy_statement = serializers.BooleanField()
        good_faith_mistake_statement = serializers.BooleanField(required=False, help_text="Copyright items only.")
        consent_to_jurisdiction = serializers.BooleanField(required=False, help_text="Copyright items only.")
        consent_to_service = serializers.BooleanField(required=False, help_text="Copyright items only.")

    @extend_schema(
        operation_id="items_counter_notice",
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses=ItemOutputSerializer,
    )
    def post(self, request, item_id):
        item = item_visible_or_404(request, item_id, history=False)
        if appeals.appeal_side_of(item, request.user) != AppealSide.MERCHANT:
            raise PermissionDenied("Only the merchant whose listing is named can file a counter-notice.")
        form = CounterNoticeForm(form_data(request), request.FILES, item=item, user=request.user)
        if not form.is_valid():
            raise form_errors(form)
        lifecycle.notice_item_counter_notice(
            item_id=item.pk,
            actor=request.user,
            counter_notice_fields=form.counter_notice_fields(),
            evidence=form.cleaned_data["evidence"],
        )
        return item_response(request, item_id)
