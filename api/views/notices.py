"""Notices over the API: file one with its items, list and filter them, read one with its items' history.

Filing calls ``takedowns.notices.notice_submit``, the web form's own service,
with the web form's semantics: notice-level problems (the filer's details, the
declarations, who acts, a filing suspension) refuse the whole notice and keep
nothing; then each line on its own: a line with a problem the engine records
(an unverified or expired asset, a removed listing, a duplicate of an open
complaint) is kept as an ``invalid`` item with its reason, a line that cannot
be recorded at all (an unknown listing or asset, unreadable text) is refused,
and the valid items are filed. When no line can be recorded the answer is 400
and nothing is kept.

Who acts: a key acts for its own organisation (a brand for itself, an agent
firm for a brand its letter of authorisation covers, a partner for a brand it
vets), checked by ``rights_holders.authority`` inside the service; a browser
session names the acting organisation (its slug) explicitly. Never guessed.
"""

import json
import re

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import empty
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.fields import PREFIXES, PublicIdField, object_by_public_id_or_404, rights_holder_input
from api.filters import IsoDateTimeFromToRangeFilter
from api.idempotency import Idempotent
from api.models import ApiKey
from api.pagination import ApiCursorPagination
from api.views.notice_output import (
    ClientStatus,
    ItemOutputSerializer,
    ViewerContext,
    client_status,
    items_with_everything,
)
from portal import public_ids
from portal.models import Organisation, OrganisationKind
from rights_holders.authority import acting_roles_of
from rights_holders.models import IPAsset, Partner, RightsHolder
from rights_holders.scoping import rights_holder_ids_vetted_by
from takedowns import notices as filing
from takedowns.forms import MAX_EVIDENCE_FILES, MultipleFileField
from takedowns.models import Channel, InfringementType, ItemStatus, Notice, NoticeItem, Track

# A notice's lines per request. The web form takes 50 at a time; partners file larger notices.
MAX_ITEMS = 1000

EXPAND_HISTORY = "history"

EXPAND_PARAMETER = OpenApiParameter(
    "expand",
    OpenApiTypes.STR,
    description="`history`: include each item's events and statements of reasons (the detail always has them).",
    enum=[EXPAND_HISTORY],
)


def expand_history(request):
    return EXPAND_HISTORY in {part.strip() for part in request.query_params.get("expand", "").split(",")}


def viewer_context(request, *, history=True):
    return {"viewer": ViewerContext(request.user), "history": history, "request": request}


# --- Filters ----------------------------------------------------------------------------


class PublicIdFormField(forms.CharField):
    """A query parameter holding a public id; cleans to its UUID, a malformed one is a 400 naming it."""

    def __init__(self, *args, prefix, **kwargs):
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        decoded = public_ids.decode(self.prefix, value)
        if decoded is None:
            raise forms.ValidationError(f"Not an id of the form {self.prefix}_…", code="invalid_id")
        return decoded


@extend_schema_field(OpenApiTypes.STR)
class PublicIdFilter(django_filters.Filter):
    field_class = PublicIdFormField


def _item_filters(path=""):
    """The item filters, on items (``path`` "") or, for documentation, as the notices' list names them."""
    return {
        "state": django_filters.MultipleChoiceFilter(
            field_name=f"{path}status", choices=ItemStatus.choices, help_text="The engine's status; repeat for several."
        ),
        "track": django_filters.ChoiceFilter(field_name=f"{path}track", choices=Track.choices),
        "type": django_filters.ChoiceFilter(field_name=f"{path}infringement_type", choices=InfringementType.choices),
        "asset": PublicIdFilter(field_name=f"{path}ip_asset__public_id", prefix=PREFIXES["asset"], help_text="ast_…"),
        "listing": PublicIdFilter(
            field_name=f"{path}listing__public_id", prefix=PREFIXES["listing"], help_text="lst_…"
        ),
        "store": PublicIdFilter(
            field_name=f"{path}listing__store__public_id", prefix=PREFIXES["store"], help_text="sto_…"
        ),
    }


_SUBMITTED_HELP = "`submitted_after` / `submitted_before`: ISO 8601 instants (from, inclusive; to, exclusive)."


class ItemFilterSet(django_filters.FilterSet):
    locals().update(_item_filters())
    submitted = IsoDateTimeFromToRangeFilter(field_name="notice__submitted_at", help_text=_SUBMITTED_HELP)
    counter_notice_due = django_filters.BooleanFilter(
        method="filter_counter_notice_due",
        help_text="Merchants: `true` for the items against your listings awaiting your counter-notice, time left.",
    )

    class Meta:
        model = NoticeItem
        fields = []

    def filter_counter_notice_due(self, queryset, name, value):
        from django.utils import timezone

        if value is None:
            return queryset
        due = {"status": ItemStatus.AWAITING_COUNTER_NOTICE, "counter_notice_deadline__gt": timezone.now()}
        return queryset.filter(**due) if value else queryset.exclude(**due)


class NoticeFilterSet(django_filters.FilterSet):
    """Notices holding at least one item you may see that matches every item filter given."""

    locals().update(_item_filters())
    submitted = IsoDateTimeFromToRangeFilter(field_name="submitted_at", help_text=_SUBMITTED_HELP)

    class Meta:
        model = Notice
        fields = []

    ITEM_FILTERS = ("state", "track", "type", "asset", "listing", "store")

    def filter_queryset(self, queryset):
        # One EXISTS over the visible items with every item condition: state=upheld&asset=X is a notice
        # with an item that is both, not one upheld item and another of asset X.
        items = NoticeItem.objects.visible_to(self.request.user).filter(notice=OuterRef("pk"))
        narrowed = False
        for name in self.ITEM_FILTERS:
            value = self.form.cleaned_data.get(name)
            if value in (None, "", [], ()):
                continue
            items = self.filters[name].filter(items, value)
            narrowed = True
        if narrowed:
            queryset = queryset.filter(Exists(items))
        return self.filters["submitted"].filter(queryset, self.form.cleaned_data.get("submitted"))


# --- Reads ------------------------------------------------------------------------------


def notices_with_items(notices, request, *, history):
    """Load each notice's items the caller may see (``visible_items``) for a page of notices."""
    items = NoticeItem.objects.visible_to(request.user).order_by("id")
    items = items_with_everything(items, history=history)
    prefetch_related_objects(notices, Prefetch("items", queryset=items, to_attr="visible_items"))
    return notices


@extend_schema_serializer(component_name="RightsHolderRef")
class RightsHolderRefSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["rights_holder"])
    name = serializers.CharField(source="legal_name")


@extend_schema_serializer(component_name="Notice")
class NoticeOutputSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["notice"])
    rights_holder = RightsHolderRefSerializer()
    filer_organisation = serializers.CharField(source="filer_organisation.name", allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=Channel.choices)
    submitted_at = serializers.DateTimeField()
    status_counts = serializers.SerializerMethodField(help_text="How many of the items you may see are in each status.")
    items = ItemOutputSerializer(many=True, source="visible_items", help_text="The items you may see.")

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_status_counts(self, notice):
        counts = {}
        for item in notice.visible_items:
            counts[item.status] = counts.get(item.status, 0) + 1
        return counts


class NoticeListApi(GenericAPIView):
    """The notices your organisation filed, or that name its listings; newest first."""

    required_scopes = {"GET": "notices:read"}
    queryset = Notice.objects.none()
    filterset_class = NoticeFilterSet
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return Notice.objects.visible_to(self.request.user).select_related("rights_holder", "filer_organisation")

    @extend_schema(
        operation_id="notices_list", parameters=[EXPAND_PARAMETER], responses=NoticeOutputSerializer(many=True)
    )
    def get(self, request):
        history = expand_history(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        notices = notices_with_items(list(page), request, history=history)
        data = NoticeOutputSerializer(notices, many=True, context=viewer_context(request, history=history)).data
        return self.get_paginated_response(data)


class NoticeDetailApi(GenericAPIView):
    """One notice with every item you may see, each with its event history and statements of reasons."""

    required_scopes = {"GET": "notices:read"}
    queryset = Notice.objects.none()
    pagination_class = None
    filter_backends = []

    @extend_schema(operation_id="notices_retrieve", responses=NoticeOutputSerializer)
    def get(self, request, notice_id):
        notice = object_by_public_id_or_404(
            Notice.objects.visible_to(request.user).select_related("rights_holder", "filer_organisation"),
            PREFIXES["notice"],
            notice_id,
        )
        notices_with_items([notice], request, history=True)
        return Response(NoticeOutputSerializer(notice, context=viewer_context(request)).data)


# --- Filing -----------------------------------------------------------------------------


def _required(name, messages):
    return {"required": messages[name], "blank": messages[name]}


@extend_schema_serializer(component_name="NoticeItemInput")
class NoticeItemInputSerializer(serializers.Serializer):
    listing = PublicIdField(
        PREFIXES["listing"], read_only=False, required=False, source="listing_public_id", help_text="lst_…"
    )
    listing_external_id = serializers.CharField(
        required=False, help_text="The marketplace's listing id, instead of `listing`."
    )
    asset = PublicIdField(
        PREFIXES["asset"], read_only=False, source="asset_public_id", help_text="One of the brand's assets: ast_…"
    )
    infringement_type = serializers.ChoiceField(choices=InfringementType.choices)
    explanation = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="What you saw, what differs from the genuine product."
    )
    test_buy_order_number = serializers.CharField(required=False, allow_blank=True, default="")
    test_buy_report = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)

    def validate(self, data):
        if ("listing_public_id" in data) == ("listing_external_id" in data):
            raise serializers.ValidationError(
                {"listing": ErrorDetail("Name the listing by `listing` or `listing_external_id`.", "required")}
            )
        return data

    def run_validation(self, data=empty):
        # A notice holds up to MAX_ITEMS lines: a plainly valid one is read in one pass (_plain_line), as
        # the fields below would read it; any other goes through them, and their messages.
        line = _plain_line(data)
        return line if line is not None else super().run_validation(data)


# What DRF's CharField refuses in any text (ProhibitNullCharacters and ProhibitSurrogateCharacters validators).
_TEXT_REFUSED = re.compile("[\x00\ud800-\udfff]")
_INFRINGEMENT_TYPES = frozenset(InfringementType.values)


def _plain_line(data):
    """A line read as ``NoticeItemInputSerializer``'s fields read it, when it is plainly valid; else None.

    Plainly valid: a JSON object whose values are all strings, that names its listing one way, with
    public ids of the right kind, a known infringement type, and no character the fields refuse.
    Anything else (a number for a string, a null, a missing field) is left to the fields, which say
    what is wrong. tests/api/test_notices.py checks that both read the same lines alike.
    """
    if type(data) is not dict:
        return None
    get = data.get
    kind, explanation = get("infringement_type"), get("explanation")
    order, report = get("test_buy_order_number", ""), get("test_buy_report", "")
    if (
        type(kind) is not str
        or kind not in _INFRINGEMENT_TYPES
        or type(explanation) is not str
        or type(order) is not str
        or type(report) is not str
    ):
        return None
    asset = public_ids.decode(PREFIXES["asset"], get("asset"))
    if asset is None:
        return None
    line = {}
    if "listing" in data:
        if "listing_external_id" in data:
            return None
        listing = public_ids.decode(PREFIXES["listing"], data["listing"])
        if listing is None:
            return None
        line["listing_public_id"] = listing
    else:
        external = get("listing_external_id")
        if type(external) is not str or not (external := external.strip()) or _TEXT_REFUSED.search(external):
            return None
        line["listing_external_id"] = external
    if _TEXT_REFUSED.search(explanation) or _TEXT_REFUSED.search(order) or _TEXT_REFUSED.search(report):
        return None
    line.update(
        asset_public_id=asset,
        infringement_type=kind,
        explanation=explanation,  # trim_whitespace=False, as its field
        test_buy_order_number=order.strip(),
        test_buy_report=report,
    )
    return line


@extend_schema_serializer(component_name="NoticeFiledItem")
class NoticeFiledItemSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="The line in your request: /items/<index>.")
    id = serializers.CharField(required=False, help_text="The item's id (itm_…); absent for a refused line.")
    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    client_status = serializers.ChoiceField(choices=ClientStatus.choices, required=False)
    track = serializers.ChoiceField(choices=Track.choices, required=False)
    code = serializers.CharField(required=False, help_text="Why it is invalid or refused.")
    detail = serializers.CharField(required=False)


class NoticeCreateApi(Idempotent, GenericAPIView):
    """File a notice with its items; the answer says, per item, what became of it (see the module docs)."""

    required_scopes = {"POST": "notices:write"}
    # Creates notices: a retry without the header could file the same complaint twice.
    idempotency = "required"
    parser_classes = [JSONParser, MultiPartParser]
    upload_kind = "document"  # with evidence, bodies as large as the filing page's (portal.request_limits)
    queryset = Notice.objects.none()
    pagination_class = None
    filter_backends = []

    @extend_schema_serializer(component_name="NoticeInput")
    class InputSerializer(serializers.Serializer):
        rights_holder = rights_holder_input("The brand you file for")
        acting_organisation = serializers.SlugField(
            required=False,
            help_text="Browser sessions only: the slug of your organisation that files (the brand's own, or the agent "
            "firm whose letter of authorisation covers the brand). A key always acts for its own organisation.",
        )
        filer_name = serializers.CharField(error_messages=_required("filer_name", filing.FIELD_MESSAGES))
        filer_address = serializers.CharField(error_messages=_required("filer_address", filing.FIELD_MESSAGES))
        filer_phone = serializers.CharField(error_messages=_required("filer_phone", filing.FIELD_MESSAGES))
        filer_email = serializers.EmailField(error_messages=_required("filer_email", filing.FIELD_MESSAGES))
        signature = serializers.CharField(
            error_messages=_required("signature", filing.FIELD_MESSAGES),
            help_text="The filer's full name, typed: it signs the declarations.",
        )
        good_faith_statement = serializers.BooleanField(
            error_messages={"required": filing.DECLARATIONS["good_faith_statement"]}
        )
        accuracy_statement = serializers.BooleanField(
            error_messages={"required": filing.DECLARATIONS["accuracy_statement"]}
        )
        authority_statement = serializers.BooleanField(
            error_messages={"required": filing.DECLARATIONS["authority_statement"]}
        )
        items = NoticeItemInputSerializer(
            many=True,
            allow_empty=False,
            max_length=MAX_ITEMS,
            error_messages={"empty": "Add at least one listing to the notice."},
            help_text=f"At most {MAX_ITEMS} lines; each names a listing and one of the brand's assets.",
        )

    @extend_schema_serializer(component_name="NoticeFiled")
    class OutputSerializer(serializers.Serializer):
        id = serializers.CharField(help_text="The notice's id (ntc_…): poll GET /api/v1/notices/{id}/.")
        submitted_at = serializers.DateTimeField()
        accepted = NoticeFiledItemSerializer(many=True, help_text="Filed items, with their track.")
        invalid = NoticeFiledItemSerializer(
            many=True, help_text="Items kept as invalid, with the reason (code, detail)."
        )
        refused = NoticeFiledItemSerializer(many=True, help_text="Lines not recorded at all (no id), with the reason.")

    @extend_schema_serializer(component_name="NoticeMultipartInput")
    class MultipartSerializer(serializers.Serializer):
        notice = serializers.CharField(help_text="The notice, as the JSON body would be (NoticeInput).")
        evidence = serializers.ListField(
            child=serializers.FileField(),
            required=False,
            help_text="Not a part of this name: each line's evidence goes in parts named by the line's pointer, "
            f"`/items/0/evidence`, repeatable (PDF, JPEG, PNG, WebP; at most {MAX_EVIDENCE_FILES} a line).",
        )

    @extend_schema(
        operation_id="notices_create",
        request={"application/json": InputSerializer, "multipart/form-data": MultipartSerializer},
        responses={201: OutputSerializer},
        description=__doc__,
    )
    def post(self, request):
        body, evidence = _notice_and_evidence(request)
        serializer = self.InputSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = _evidence_validate(evidence, len(data["items"]))
        organisation, partner = _acting_organisation(request, data)
        rights_holder = _rights_holder(data, organisation)
        drafts = _drafts(data["items"], rights_holder, evidence)
        notice_data = {name: data[name] for name in (*filing.NOTICE_FIELDS, *filing.DECLARATIONS)}
        try:
            receipt = filing.notice_submit(
                actor=request.user,
                rights_holder=rights_holder,
                acting_organisation=organisation,
                partner=partner,
                channel=Channel.API,
                data=notice_data,
                drafts=drafts,
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_service_errors(exc)) from exc
        body = _receipt_body(receipt)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/notices/{body['id']}/"})


def _acting_organisation(request, data):
    """(the organisation that files, its partner record if it is a partner). Checked by the service."""
    slug = data.get("acting_organisation")
    if isinstance(request.auth, ApiKey):
        organisation = request.auth.organisation
        if slug and slug != organisation.slug:
            raise PermissionDenied("An API key files for its own organisation only.")
    else:
        if not slug:
            raise exceptions.ValidationError(
                {"acting_organisation": [ErrorDetail("Say which of your organisations files (its slug).", "required")]}
            )
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise PermissionDenied(f"You do not belong to an organisation {slug!r}.")
    partner = None
    if organisation.kind == OrganisationKind.PARTNER:
        partner = Partner.objects.select_related("organisation").filter(organisation=organisation).first()
    return organisation, partner


def _rights_holder(data, organisation):
    public_id = data.get("rights_holder_public_id")
    if public_id is None:
        # A brand's own organisation is exactly one rights holder: naming it would add nothing.
        holder = RightsHolder.objects.filter(organisation=organisation).select_related("organisation").first()
        if holder is None:
            raise exceptions.ValidationError(
                {"rights_holder": [ErrorDetail("Name the rights holder you file for (rhd_…).", "required")]}
            )
        return holder
    holder = RightsHolder.objects.filter(public_id=public_id).select_related("organisation").first()
    if holder is None:
        raise exceptions.ValidationError({"rights_holder": [ErrorDetail("No such rights holder.", "not_found")]})
    return holder


def _drafts(lines, rights_holder, evidence):
    """The request's lines as the service's drafts. Assets are looked up among the brand's own only, and
    handed over as read (the service checks them as it checks the ones it reads itself, and reads none again)."""
    wanted = {line["asset_public_id"] for line in lines}
    assets = {
        asset.public_id: asset for asset in IPAsset.objects.filter(rights_holder=rights_holder, public_id__in=wanted)
    }
    drafts = []
    for index, line in enumerate(lines):
        by_public_id = "listing_public_id" in line
        drafts.append(
            filing.ItemDraft(
                listing_ref=str(line["listing_public_id"]) if by_public_id else line["listing_external_id"],
                listing_by=filing.LISTING_BY_PUBLIC_ID if by_public_id else filing.LISTING_BY_EXTERNAL_ID,
                listing_shown=public_ids.encode(PREFIXES["listing"], line["listing_public_id"]) if by_public_id else "",
                ip_asset_id=asset.pk if (asset := assets.get(line["asset_public_id"])) else None,
                ip_asset=asset,
                infringement_type=line["infringement_type"],
                explanation=line["explanation"],
                test_buy_order_number=line["test_buy_order_number"],
                test_buy_report=line["test_buy_report"],
                evidence=evidence.get(index, []),
            )
        )
    return drafts


EVIDENCE_FIELD = re.compile(r"^/items/(\d+)/evidence$")


def _notice_and_evidence(request):
    """(the notice's JSON, {line index: [uploaded files]}). Multipart: the notice in the ``notice`` part, each
    line's evidence files in parts named by the line's pointer, ``/items/<index>/evidence`` (repeatable)."""
    if request.content_type.split(";")[0].strip() != "multipart/form-data":
        return request.data, {}
    raw = request.data.get("notice")
    if raw is None:
        raise exceptions.ValidationError(
            {"notice": [ErrorDetail("Send the notice as JSON in the `notice` part.", "required")]}
        )
    try:
        body = json.loads(raw)
    except ValueError:
        raise exceptions.ValidationError(
            {"notice": [ErrorDetail("The `notice` part is not JSON.", "parse_error")]}
        ) from None
    if not isinstance(body, dict):
        raise exceptions.ValidationError({"notice": [ErrorDetail("The `notice` part is a JSON object.", "invalid")]})
    evidence, unknown = {}, []
    for name in request.FILES:
        match = EVIDENCE_FIELD.match(name)
        if match is None:
            unknown.append(name)
            continue
        evidence[int(match.group(1))] = request.FILES.getlist(name)
    if unknown:
        raise exceptions.ValidationError(
            {name: [ErrorDetail("Name each file part /items/<index>/evidence.", "unknown_part")] for name in unknown}
        )
    return body, evidence


def _evidence_validate(evidence, lines):
    """Each line's files through the filing form's evidence field: the portal's upload validator, at most as
    many per line as the form takes. A refused file refuses the notice (400, nothing stored), as on the page."""
    validated, errors = {}, {}
    for index, files in evidence.items():
        if index >= lines:
            errors[index] = {"evidence": [ErrorDetail(f"There is no line {index} in `items`.", "no_such_item")]}
            continue
        try:
            validated[index] = MultipleFileField().clean(files)
        except forms.ValidationError as exc:
            errors[index] = {
                "evidence": [ErrorDetail(m, e.code or "invalid") for e in exc.error_list for m in e.messages]
            }
    if errors:
        raise exceptions.ValidationError({"items": errors})
    return validated


def _service_errors(exc):
    """The service's ValidationError as DRF's, keeping each message's code and, for a line, its pointer."""
    if hasattr(exc, "error_dict"):
        return {
            name: [ErrorDetail(message, e.code or "invalid") for e in errors for message in e.messages]
            for name, errors in exc.error_dict.items()
        }
    body = {}
    for error in exc.error_list:
        detail = [ErrorDetail(message, error.code or "invalid") for message in error.messages]
        line = getattr(error, "line", None)
        if line is None:
            body.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(detail)
        else:
            body.setdefault("items", {}).setdefault(line - 1, []).extend(detail)
    return body


def _receipt_body(receipt):
    encode = public_ids.encode

    def pointer(item):
        return f"/items/{receipt.lines[item.pk] - 1}"

    return {
        "id": encode(PREFIXES["notice"], receipt.notice.public_id),
        "submitted_at": serializers.DateTimeField().to_representation(receipt.notice.submitted_at),
        "accepted": [
            {
                "pointer": pointer(item),
                "id": encode(PREFIXES["item"], item.public_id),
                "status": item.status,
                "client_status": client_status(item),
                "track": item.track,
            }
            for item in sorted(receipt.accepted, key=lambda i: receipt.lines[i.pk])
        ],
        "invalid": [
            {
                "pointer": pointer(item),
                "id": encode(PREFIXES["item"], item.public_id),
                "status": item.status,
                "client_status": client_status(item),
                "code": receipt.problems[item.pk].code,
                "detail": item.invalid_reason,
            }
            for item in sorted(receipt.invalid, key=lambda i: receipt.lines[i.pk])
        ],
        "refused": [
            {"pointer": f"/items/{number - 1}", "code": reason.code, "detail": str(reason)}
            for number, reason in receipt.refused
        ],
    }


# --- Whom the caller may file for --------------------------------------------------------


class RightsHolderListApi(GenericAPIView):
    """The brands you may file for, and how: as the brand's own staff, as its agent (with the letter's end),
    or as a partner that vets it."""

    required_scopes = {"GET": "notices:read"}
    queryset = RightsHolder.objects.none()
    filter_backends = []

    @extend_schema_serializer(component_name="FilingRole")
    class OutputSerializer(serializers.Serializer):
        id = PublicIdField(PREFIXES["rights_holder"])
        name = serializers.CharField(source="legal_name")
        acting_as = serializers.ChoiceField(choices=["own_staff", "agent", "partner"])
        letter_valid_until = serializers.DateField(allow_null=True)

    @extend_schema(operation_id="rights_holders_list", responses=OutputSerializer(many=True))
    def get(self, request):
        roles = {}
        for role in acting_roles_of(request.user):
            roles[role.rights_holder.pk] = (
                ("own_staff", None) if role.letter is None else ("agent", role.letter.valid_until)
            )
        for holder_id in rights_holder_ids_vetted_by(request.user):
            roles.setdefault(holder_id, ("partner", None))
        page = self.paginate_queryset(RightsHolder.objects.filter(pk__in=roles))
        for holder in page:
            holder.acting_as, holder.letter_valid_until = roles[holder.pk]
        return self.get_paginated_response(self.OutputSerializer(page, many=True).data)
