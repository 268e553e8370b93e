"""Screening alerts over the API: the alerts inbox of a brand and its agents, and its two decisions.

``GET /api/v1/alerts/`` and ``GET /api/v1/alerts/{id}/``: the alerts of the brands the caller acts for
(its own staff, or an agent firm whose letter of authorisation is in force), with the listing, the
asset, the score and the evidence. ``POST /api/v1/alerts/{id}/confirm/`` files the notice (the
notice filing's filer fields and declarations; the line is pre-filled from the alert, its
infringement type and explanation may be given; in multipart, evidence files as repeated ``evidence``
parts, through the filing page's evidence rule: all or none, a refused file pointed at by its index,
``/evidence/1``) through ``screening.alerts.alert_confirm``, or,
when the listing is under the brand's open notice for the asset already, closes the alert as
``already_filed`` naming that notice;
``POST /api/v1/alerts/{id}/dismiss/`` dismisses it with a reason (and a note for ``other``). The
answer is the alert as it now stands. An alert that is no longer open is a 409 with
``current_state``; bad input a 400 pointing at the field; another organisation's alert a 404 like a
missing one.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.fields import PREFIXES, PublicIdField, object_by_public_id_or_404
from api.idempotency import Idempotent
from api.pagination import ApiCursorPagination
from api.views.items import form_data
from api.views.notices import NoticeCreateApi, PublicIdFilter, _acting_organisation, _service_errors
from api.views.reading import VisibleDetailApi, VisibleListApi, public_id_parameter
from portal.errors import InvalidInput
from screening.alerts import alert_confirm, alert_dismiss
from screening.evidence import signals_shown
from screening.models import AlertStatus, DismissalReason, ScreeningAlert
from screening.selectors import alerts_visible_to
from takedowns import notices as filing
from takedowns.forms import MAX_EVIDENCE_FILES, evidence_uploads_validate
from takedowns.models import Channel, InfringementType

PREFIX = PREFIXES["alert"]
ALERT_ID = public_id_parameter("alert_id", PREFIX)
# What a signal's details may show: the facts of the evidence, not the storage names of images.
SIGNAL_DETAILS = (
    "keyword",
    "field",
    "quote",
    "disguised",
    "accessory",
    "ordinary_word",
    "term",
    "ocr_text",
    "image_position",
    "reference_kind",
    "distance",
    "price",
    "currency",
    "ratio",
    "reference_price",
    "reference_currency",
    "category",
)


@extend_schema_serializer(component_name="AlertSignal")
class SignalSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="keyword, ocr, image, price, replica, category or merchant.")
    label = serializers.CharField(help_text="The kind in words: Brand named, Image match, ...")
    evidence = serializers.CharField(help_text="What screening found, in a sentence.")
    notes = serializers.ListField(child=serializers.CharField(), help_text="More of it: the text read, the distance.")
    details = serializers.DictField(help_text="The facts behind it: keyword, field and quote, distance, ratio, ...")


@extend_schema_serializer(component_name="AlertListing")
class AlertListingSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["listing"])
    external_id = serializers.CharField()
    title = serializers.CharField()
    store = PublicIdField(PREFIXES["store"], source="store.public_id")
    store_name = serializers.CharField(source="store.name")
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.CharField()


@extend_schema_serializer(component_name="AlertAsset")
class AlertAssetSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["asset"])
    name = serializers.CharField()


@extend_schema_serializer(component_name="AlertRightsHolder")
class AlertRightsHolderSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["rights_holder"])
    name = serializers.CharField(source="legal_name")


@extend_schema_serializer(component_name="Alert")
class AlertSerializer(serializers.Serializer):
    id = PublicIdField(PREFIX)
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    rights_holder = AlertRightsHolderSerializer()
    asset = AlertAssetSerializer()
    listing = AlertListingSerializer()
    score = serializers.FloatField(source="result.score", help_text="Screening's confidence, 0 to 1.")
    signals = serializers.SerializerMethodField(help_text="Every signal with its evidence, in screening's order.")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    dismissal_reason = serializers.ChoiceField(choices=DismissalReason.choices, allow_null=True)
    dismissal_note = serializers.CharField(allow_blank=True)
    notice = serializers.SerializerMethodField(
        help_text="The notice a confirmation filed (ntc_…); for already_filed, the brand's open notice the listing "
        "was already under; else null."
    )

    @extend_schema_field(SignalSerializer(many=True))
    def get_signals(self, alert):
        rows = []
        stored = [signal for signal in alert.result.signals or () if isinstance(signal, dict)]
        for signal, shown in zip(stored, signals_shown(stored), strict=True):
            details = {name: signal[name] for name in SIGNAL_DETAILS if name in signal}
            rows.append(
                {
                    "kind": shown.kind,
                    "label": shown.label,
                    "evidence": shown.evidence,
                    "notes": list(shown.notes),
                    "details": details,
                }
            )
        return rows

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notice(self, alert):
        return PublicIdField(PREFIXES["notice"]).to_representation(alert.notice.public_id) if alert.notice else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["dismissal_reason"] = instance.dismissal_reason or None
        return data


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=AlertStatus.choices, help_text="open, confirmed, already_filed or dismissed; repeat for several."
    )
    asset = PublicIdFilter(field_name="asset__public_id", prefix=PREFIXES["asset"], help_text="ast_…")
    listing = PublicIdFilter(field_name="listing__public_id", prefix=PREFIXES["listing"], help_text="lst_…")

    class Meta:
        model = ScreeningAlert
        fields = []


@extend_schema_view(get=extend_schema(operation_id="alerts_list"))
class AlertListApi(VisibleListApi):
    """The screening alerts of the brands you act for, newest first: suspicious listings screening cannot
    judge alone, each with its evidence; filter by ``status`` (``open`` for the inbox) and ``asset``."""

    required_scopes = {"GET": "alerts:read"}
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = ApiCursorPagination
    queryset = ScreeningAlert.objects.none()
    visible = staticmethod(alerts_visible_to)


@extend_schema_view(get=extend_schema(operation_id="alerts_retrieve", parameters=[ALERT_ID], responses=AlertSerializer))
class AlertDetailApi(VisibleDetailApi):
    """One alert with its evidence and, once decided, the decision."""

    required_scopes = {"GET": "alerts:read"}
    serializer_class = AlertSerializer
    visible = staticmethod(alerts_visible_to)
    prefix = PREFIX
    lookup_url_kwarg = "alert_id"


def _alert_or_404(request, alert_id):
    return object_by_public_id_or_404(alerts_visible_to(request.user), PREFIX, alert_id)


def _alert_response(request, alert_id):
    return Response(AlertSerializer(_alert_or_404(request, alert_id)).data)


def _pointed(exc, pointer):
    """A domain refusal of the input, pointing at the field it is about (api.problems)."""
    exc.pointer = pointer
    return exc


@extend_schema_serializer(component_name="AlertConfirmInput")
class AlertConfirmInputSerializer(NoticeCreateApi.InputSerializer):
    """The notice filing's filer fields and declarations (NoticeInput); the line comes from the alert."""

    rights_holder = None
    items = None
    infringement_type = serializers.ChoiceField(
        choices=InfringementType.choices, required=False, help_text="counterfeit unless you say otherwise."
    )
    explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="What the merchant reads; built from screening's evidence when left out or blank.",
    )


@extend_schema_serializer(component_name="AlertConfirmMultipartInput")
class AlertConfirmMultipartSerializer(AlertConfirmInputSerializer):
    """The same fields as form parts, and the notice's evidence files."""

    evidence = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Evidence files, one part each, repeated (a test buy, photos: PDF, JPEG, PNG or WebP; at most "
        f"{MAX_EVIDENCE_FILES}). All or none: a refused file is pointed at by its index (/evidence/1).",
    )


_CONFIRM_POINTERS = {"explanation_invalid": "/explanation", "explanation_required": "/explanation"}


def _evidence_validated(files):
    """The files through the filing page's evidence rule (``takedowns.forms``); any refusal refuses them all."""
    try:
        validated, rejected = evidence_uploads_validate(files)
    except forms.ValidationError as exc:
        raise exceptions.ValidationError(
            {"evidence": [ErrorDetail(message, exc.code or "invalid") for message in exc.messages]}
        ) from exc
    if rejected:
        raise exceptions.ValidationError(
            {"evidence": {index: [ErrorDetail(str(why), why.code)] for index, why in rejected.items()}}
        )
    return validated


@extend_schema_view(
    post=extend_schema(
        operation_id="alerts_confirm",
        parameters=[ALERT_ID],
        request={
            "application/json": AlertConfirmInputSerializer,
            "application/x-www-form-urlencoded": AlertConfirmInputSerializer,
            "multipart/form-data": AlertConfirmMultipartSerializer,
        },
        responses=AlertSerializer,
    )
)
class AlertConfirmApi(Idempotent, GenericAPIView):
    """Confirm an open alert: a notice is filed for its listing and asset with your filer details and
    declarations (as ``POST /api/v1/notices/`` takes them), counterfeit and explained by screening's evidence
    unless you say otherwise. The alert then names the notice (``notice``). Once only: a second confirmation
    is a 409 and files nothing. Refused with a 409 when the listing or asset no longer allows a notice (the
    listing removed, the asset not verified). A listing already under the brand's open notice for the asset
    files no second notice: the alert is closed with status ``already_filed`` and ``notice`` names that
    notice (200), to follow instead (evidence sent with it is not stored).

    Evidence files go in multipart (the other fields as form parts), ``evidence`` repeated: each through the
    portal's upload validator as on the filing page (type from the bytes, images re-encoded, size limits, as
    many files). All of them or none: a refused file refuses the confirmation (400, pointed at ``/evidence/<index>``
    with what to do), nothing is filed or stored."""

    required_scopes = {"POST": "alerts:write"}
    # Files a notice: a retry without the header could not tell "filed" from "lost".
    idempotency = "required"
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    upload_kind = "document"  # with evidence, bodies as large as the confirm page's (portal.request_limits)
    queryset = ScreeningAlert.objects.none()
    pagination_class = None
    filter_backends = []

    def post(self, request, alert_id):
        alert = _alert_or_404(request, alert_id)
        # One serializer for every media type: evidence in a JSON body is refused (not a file), never dropped.
        serializer = AlertConfirmMultipartSerializer(data=form_data(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = _evidence_validated(data.get("evidence", []))
        organisation, _ = _acting_organisation(request, data)
        try:
            alert_confirm(
                alert_id=alert.pk,
                actor=request.user,
                data={name: data[name] for name in (*filing.NOTICE_FIELDS, *filing.DECLARATIONS)},
                acting_organisation=organisation,
                channel=Channel.API,
                infringement_type=data.get("infringement_type"),
                explanation=data.get("explanation"),
                evidence=evidence,
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_service_errors(exc)) from exc
        except InvalidInput as exc:
            raise _pointed(exc, _CONFIRM_POINTERS.get(exc.code, "")) from None
        return _alert_response(request, alert_id)


@extend_schema_serializer(component_name="AlertDismissInput")
class AlertDismissInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DismissalReason.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Required when the reason is `other`."
    )


_DISMISS_POINTERS = {"note_required": "/note", "note_invalid": "/note", "reason_invalid": "/reason"}


@extend_schema_view(
    post=extend_schema(
        operation_id="alerts_dismiss",
        parameters=[ALERT_ID],
        request=AlertDismissInputSerializer,
        responses=AlertSerializer,
    )
)
class AlertDismissApi(Idempotent, GenericAPIView):
    """Dismiss an open alert with a reason (``authorised_seller``, ``genuine_goods``, ``not_our_brand``,
    ``other`` with a ``note``). Kept, as screening's measure of its precision."""

    required_scopes = {"POST": "alerts:write"}
    idempotency = "optional"
    queryset = ScreeningAlert.objects.none()
    pagination_class = None
    filter_backends = []

    def post(self, request, alert_id):
        alert = _alert_or_404(request, alert_id)
        serializer = AlertDismissInputSerializer(data=form_data(request))
        serializer.is_valid(raise_exception=True)
        try:
            alert_dismiss(
                alert_id=alert.pk,
                actor=request.user,
                reason=serializer.validated_data["reason"],
                note=serializer.validated_data.get("note", ""),
            )
        except InvalidInput as exc:
            raise _pointed(exc, _DISMISS_POINTERS.get(exc.code, "")) from None
        return _alert_response(request, alert_id)
