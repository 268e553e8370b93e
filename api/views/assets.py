"""IP assets: list, detail, and registration with a proof document (the pages' form and service)."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import PREFIXES, PublicIdField
from api.filters import IsoDateTimeFilter
from api.idempotency import Idempotent
from api.views.reading import VisibleDetailApi, VisibleListApi, public_id_parameter
from portal import public_ids
from rights_holders.forms import IPAssetForm
from rights_holders.models import IPAsset, IPAssetKind, RightsHolder, TrademarkType, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to
from rights_holders.selectors import ip_assets_shown_to
from rights_holders.services import ip_asset_register

PREFIX = PREFIXES["asset"]


def _assets_visible_to(user):
    return ip_assets_shown_to(user, proofs=True)  # the asset pages' selector


@extend_schema_serializer(component_name="AssetRightsHolder")
class RightsHolderSerializer(serializers.Serializer):
    id = PublicIdField(PREFIXES["rights_holder"])
    name = serializers.CharField(source="legal_name")


@extend_schema_serializer(component_name="AssetProof")
class ProofSerializer(serializers.Serializer):
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="Asset")
class AssetSerializer(serializers.Serializer):
    id = PublicIdField(PREFIX)
    rights_holder = RightsHolderSerializer()
    kind = serializers.ChoiceField(choices=IPAssetKind.choices)
    name = serializers.CharField()
    trademark_type = serializers.CharField()
    registration_number = serializers.CharField()
    office = serializers.CharField()
    nice_classes = serializers.ListField(child=serializers.IntegerField())
    registered_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    verification_status = serializers.ChoiceField(choices=VerificationStatus.choices)
    verification_reason = serializers.CharField(help_text="The reviewer's reason, shown to the rights holder.")
    verified_at = serializers.DateTimeField(allow_null=True)
    keywords = serializers.ListField(child=serializers.CharField())
    reference_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    reference_currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    proofs = ProofSerializer(
        many=True,
        help_text="The proof documents, for the rights holder's own side (its staff and agents); a partner "
        "that vets the brand reads its verified assets without them (an empty list).",
    )


class AssetFilter(django_filters.FilterSet):
    verification_status = django_filters.ChoiceFilter(choices=VerificationStatus.choices)
    kind = django_filters.ChoiceFilter(choices=IPAssetKind.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = IPAsset
        fields = ["verification_status", "kind"]


@extend_schema_view(get=extend_schema(operation_id="assets_list"))
class AssetListApi(VisibleListApi):
    """The IP assets of the rights holders the caller may file for: all of its own brand's and those of the
    brands it holds a valid letter of authorisation for; the verified ones of the brands a partner vets."""

    required_scopes = {"GET": "assets:read"}
    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    queryset = IPAsset.objects.none()  # for the schema generator; requests read ``visible``
    visible = staticmethod(_assets_visible_to)


@extend_schema_view(
    get=extend_schema(
        operation_id="assets_retrieve", parameters=[public_id_parameter("asset_id", PREFIX)], responses=AssetSerializer
    )
)
class AssetDetailApi(VisibleDetailApi):
    """One IP asset you may read (as in the list), by its id."""

    required_scopes = {"GET": "assets:read"}
    serializer_class = AssetSerializer
    visible = staticmethod(_assets_visible_to)
    prefix = PREFIX
    lookup_url_kwarg = "asset_id"


# The form's field names where the API's differ.
_FORM_TO_API = {"nice_classes_text": "nice_classes", "keywords_text": "keywords", "__all__": "non_field_errors"}


def _no_comma(value):
    if "," in value:
        raise serializers.ValidationError("A keyword cannot contain a comma; send each keyword on its own.")


class AssetCreateApi(Idempotent, APIView):
    """Register an IP asset with its proof; it waits for a reviewer's verification, as on the page.

    `multipart/form-data`; the lists (`keywords`, `nice_classes`) repeat their field,
    one value each. The checks are the registration page's (its form and service),
    the proof goes through the portal's upload validator, and nothing is kept of a
    refused request.
    """

    idempotency = "optional"
    required_scopes = {"POST": "assets:write"}
    parser_classes = [MultiPartParser]
    upload_kind = "document"  # api.routing: bodies as large as the registration page's

    @extend_schema_serializer(component_name="AssetCreate")
    class InputSerializer(serializers.Serializer):
        rights_holder = serializers.CharField(
            required=False,
            help_text="The rights holder (`rhd_…`); needed only when the key's organisation acts for more "
            "than one (an agent with several letters of authorisation).",
        )
        kind = serializers.ChoiceField(choices=IPAssetKind.choices)
        name = serializers.CharField()
        trademark_type = serializers.ChoiceField(choices=TrademarkType.choices, required=False, allow_blank=True)
        registration_number = serializers.CharField(required=False, allow_blank=True)
        office = serializers.CharField(required=False, allow_blank=True)
        nice_classes = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=45), required=False, help_text="Trademarks only."
        )
        registered_on = serializers.DateField(required=False, allow_null=True)
        expires_on = serializers.DateField(required=False, allow_null=True)
        description = serializers.CharField(required=False, allow_blank=True)
        keywords = serializers.ListField(
            child=serializers.CharField(validators=[_no_comma]),
            required=False,
            help_text="Brand keywords screened in listings.",
        )
        reference_price = serializers.DecimalField(
            max_digits=12, decimal_places=2, required=False, allow_null=True, help_text="What the genuine sells for."
        )
        reference_currency = serializers.CharField(required=False, allow_blank=True)
        proof = serializers.FileField(help_text="Registration certificate or other proof: PDF, JPEG, PNG or WebP.")

    @extend_schema(
        operation_id="assets_create",
        request={"multipart/form-data": InputSerializer},
        responses={201: AssetSerializer},
    )
    def post(self, request):
        holders = RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(request.user))
        if not holders.exists():
            raise PermissionDenied("This organisation acts for no rights holder; it cannot register rights.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        holder = _holder_choose(holders, data.get("rights_holder"))
        form = IPAssetForm(_form_data(data, holder), {"proof": data["proof"]}, holders=holders)
        if not form.is_valid():
            raise _form_errors(form)
        holder, fields, proof = form.registration()  # the page's form and service: one mapping for both
        try:
            asset = ip_asset_register(rights_holder=holder, fields=fields, proof_file=proof, actor=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(
                {"proof": [ErrorDetail(m, code=exc.code or "invalid") for m in exc.messages]}
            ) from exc
        asset = _assets_visible_to(request.user).get(pk=asset.pk)
        return Response(AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


def _holder_choose(holders, text):
    """The rights holder the request names (``rhd_…``), or the only one the caller acts for."""
    holders = list(holders.order_by("legal_name"))
    if text is not None:
        public_id = public_ids.decode(PREFIXES["rights_holder"], text)
        if public_id is None:
            raise ValidationError(
                {"rights_holder": [ErrorDetail(f"Not an id of the form {PREFIXES['rights_holder']}_…", "invalid_id")]}
            )
        for holder in holders:
            if holder.public_id == public_id:
                return holder
        raise ValidationError({"rights_holder": [ErrorDetail("You act for no such rights holder.", code="not_found")]})
    if len(holders) > 1:
        names = ", ".join(
            f"{public_ids.encode(PREFIXES['rights_holder'], h.public_id)} ({h.legal_name})" for h in holders
        )
        raise ValidationError(
            {"rights_holder": [ErrorDetail(f"Say which rights holder registers the asset: {names}.", code="required")]}
        )
    return holders[0]


def _form_data(data, holder):
    """The validated request as the registration form reads it."""
    form_data = {"rights_holder": str(holder.pk)}
    for name in (
        "kind",
        "name",
        "trademark_type",
        "registration_number",
        "office",
        "description",
        "reference_currency",
    ):
        form_data[name] = data.get(name) or ""
    for name in ("registered_on", "expires_on", "reference_price"):
        form_data[name] = "" if data.get(name) is None else str(data[name])
    form_data["nice_classes_text"] = ", ".join(str(n) for n in data.get("nice_classes", []))
    form_data["keywords_text"] = ", ".join(data.get("keywords", []))
    return form_data


def _form_errors(form):
    errors = {}
    for name, field_errors in form.errors.as_data().items():
        api_name = _FORM_TO_API.get(name, name)
        details = errors.setdefault(api_name, [])
        for error in field_errors:
            for message in error.messages:
                details.append(ErrorDetail(message, code=error.code or "invalid"))
    return ValidationError(errors)
