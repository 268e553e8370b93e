"""What a brand tells screening, over the API (``screening.intel``): extra keywords of its verified assets and
the sellers it reports. The same services as the intelligence page, so the same refusals in the same words.

``GET/POST /api/v1/assets/{asset_id}/keywords/`` and ``DELETE .../keywords/{keyword_id}/``: the extra
keywords of one of the caller's brands' assets. ``GET/POST /api/v1/reported-sellers/`` and
``DELETE /api/v1/reported-sellers/{seller_id}/``: reported sellers, shown by their identifiers' kinds and
last characters only (they are kept as keyed hashes). ``GET/POST /api/v1/counterfeit-images/`` (multipart)
and ``DELETE /api/v1/counterfeit-images/{counterfeit_image_id}/``: the known counterfeit pictures the brand uploaded. Another organisation's asset, keyword or report is a
404 like a missing one; a refusal is a 400 pointing at the field, nothing written.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import PREFIXES, PublicIdField, object_by_public_id_or_404, rights_holder_input
from api.idempotency import Idempotent
from api.views.items import form_data
from api.views.reading import public_id_parameter
from portal.errors import InvalidInput
from rights_holders.models import IPAsset, RightsHolder
from rights_holders.scoping import rights_holder_ids_visible_to
from screening.intel.counterfeits import CounterfeitImagesRejected, counterfeit_image_remove, counterfeit_images_upload
from screening.intel.keywords import KeywordsRefused, asset_keywords_add, extra_keyword_remove
from screening.intel.models import ExtraKeyword, ReportedSeller, SellerIdentityKind
from screening.intel.sellers import IDENTIFIER_MAX_LENGTH, SellerReportRefused, seller_report, seller_report_remove
from screening.models import CounterfeitImage, CounterfeitSource

ASSET_PREFIX = PREFIXES["asset"]
KEYWORD_PREFIX = PREFIXES["keyword"]
SELLER_PREFIX = PREFIXES["reported_seller"]
ASSET_ID = public_id_parameter("asset_id", ASSET_PREFIX, ", of a brand you act for")


def _assets_fed_by(user):
    return IPAsset.objects.filter(rights_holder_id__in=rights_holder_ids_visible_to(user))


def _asset_or_404(request, asset_id):
    return object_by_public_id_or_404(_assets_fed_by(request.user), ASSET_PREFIX, asset_id)


# --- Keywords --------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ExtraKeyword")
class KeywordSerializer(serializers.Serializer):
    id = PublicIdField(KEYWORD_PREFIX)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="AssetKeywords")
class AssetKeywordsSerializer(serializers.Serializer):
    asset = PublicIdField(ASSET_PREFIX)
    registered = serializers.ListField(
        child=serializers.CharField(), source="keywords", help_text="The keywords registered with the asset."
    )
    extra = KeywordSerializer(many=True, source="extra_keywords.all", help_text="The keywords the brand added.")


def _removed(queryset, prefix, public_id, remove):
    """204 once ``remove(pk)`` removed the object of ``queryset`` (what the caller may see) with this public id;
    404 alike for one missing, hidden, or removed meanwhile by another request (as if never there)."""
    found = object_by_public_id_or_404(queryset, prefix, public_id)
    try:
        remove(found.pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    return Response(status=status.HTTP_204_NO_CONTENT)


def _keywords_response(asset, status_code=status.HTTP_200_OK):
    asset = IPAsset.objects.prefetch_related("extra_keywords").get(pk=asset.pk)
    return Response(AssetKeywordsSerializer(asset).data, status=status_code)


@extend_schema_serializer(component_name="AssetKeywordsAdd")
class KeywordsAddSerializer(serializers.Serializer):
    keywords = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False, max_length=200),
        min_length=1,
        max_length=50,
        help_text="Other spellings, model names, the brand in another script: 3 to 60 letters or digits each "
        "(2 Chinese characters).",
    )
    confirm_ordinary_words = serializers.BooleanField(
        default=False,
        help_text="Add ordinary English words to an asset without categories anyway (refused with "
        "`ordinary_word_without_category` otherwise).",
    )


class AssetKeywordListApi(APIView):
    """An asset's registered keywords and the extra keywords its brand added."""

    required_scopes = {"GET": "intelligence:read"}

    @extend_schema(operation_id="asset_keywords_list", parameters=[ASSET_ID], responses=AssetKeywordsSerializer)
    def get(self, request, asset_id):
        return _keywords_response(_asset_or_404(request, asset_id))


class AssetKeywordAddApi(Idempotent, APIView):
    """Add extra keywords to a verified asset: all of them or none. A repeat of a keyword the asset has
    (case, accents and spacing aside), one too short, or without letters is refused, each named with its
    index (`/keywords/1`); an asset not verified is a 400 (`asset_not_verified`). Screening uses them from
    the next listing it screens, and re-screens the brand's listings."""

    required_scopes = {"POST": "intelligence:write"}
    idempotency = "optional"

    @extend_schema(
        operation_id="asset_keywords_add",
        parameters=[ASSET_ID],
        request=KeywordsAddSerializer,
        responses={201: AssetKeywordsSerializer},
    )
    def post(self, request, asset_id):
        asset = _asset_or_404(request, asset_id)
        serializer = KeywordsAddSerializer(data=form_data(request))
        serializer.is_valid(raise_exception=True)
        texts = serializer.validated_data["keywords"]
        try:
            asset_keywords_add(
                asset_id=asset.pk,
                texts=texts,
                actor=request.user,
                confirm_ordinary=serializer.validated_data["confirm_ordinary_words"],
            )
        except KeywordsRefused as exc:
            raise ValidationError({"keywords": _keyword_errors(texts, exc)}) from exc
        except InvalidInput as exc:
            exc.pointer = "/keywords"
            raise
        return _keywords_response(asset, status.HTTP_201_CREATED)


def _keyword_errors(texts, refused):
    """{index of the keyword sent: [its error]} (the whole list's when a problem names no keyword)."""
    positions = {" ".join(str(text).split()): index for index, text in reversed(list(enumerate(texts)))}
    errors = {}
    for keyword, why in refused.problems:
        index = positions.get(keyword)
        detail = ErrorDetail(f'"{keyword}": {why}' if keyword else why, code=refused.code)
        if index is None:
            return [detail]
        errors.setdefault(index, []).append(detail)
    return errors


class AssetKeywordRemoveApi(APIView):
    """Remove one extra keyword of the asset."""

    required_scopes = {"DELETE": "intelligence:write"}

    @extend_schema(
        operation_id="asset_keywords_remove",
        parameters=[ASSET_ID, public_id_parameter("keyword_id", KEYWORD_PREFIX)],
        responses={204: None},
    )
    def delete(self, request, asset_id, keyword_id):
        asset = _asset_or_404(request, asset_id)
        keywords = ExtraKeyword.objects.filter(asset=asset)
        return _removed(
            keywords, KEYWORD_PREFIX, keyword_id, lambda pk: extra_keyword_remove(keyword_id=pk, actor=request.user)
        )


# --- Reported sellers ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ReportedSellerIdentifier")
class IdentifierSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SellerIdentityKind.choices)
    last4 = serializers.CharField(help_text="Its last characters, separators aside: the rest is kept only hashed.")


@extend_schema_serializer(component_name="ReportedSeller")
class ReportedSellerSerializer(serializers.Serializer):
    id = PublicIdField(SELLER_PREFIX)
    rights_holder = PublicIdField(PREFIXES["rights_holder"], source="rights_holder.public_id")
    identifiers = IdentifierSerializer(many=True, source="identities.all")
    created_at = serializers.DateTimeField()


def _sellers_fed_by(user):
    return (
        ReportedSeller.objects.filter(rights_holder_id__in=rights_holder_ids_visible_to(user))
        .select_related("rights_holder")
        .prefetch_related("identities")
        .order_by("-created_at", "-id")
    )


@extend_schema_serializer(component_name="ReportedSellerInput")
class SellerReportSerializer(serializers.Serializer):
    rights_holder = rights_holder_input("The brand that reports")
    store = serializers.CharField(
        required=False, allow_blank=True, max_length=IDENTIFIER_MAX_LENGTH, help_text="A store's sto_… id or name."
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=IDENTIFIER_MAX_LENGTH)
    licence = serializers.CharField(
        required=False, allow_blank=True, max_length=IDENTIFIER_MAX_LENGTH, help_text="Business licence number."
    )
    payout = serializers.CharField(
        required=False, allow_blank=True, max_length=IDENTIFIER_MAX_LENGTH, help_text="Payout account (IBAN, ...)."
    )


class ReportedSellerListApi(APIView):
    """The sellers the brands you act for reported, newest first."""

    required_scopes = {"GET": "intelligence:read"}

    @extend_schema(operation_id="reported_sellers_list", responses=ReportedSellerSerializer(many=True))
    def get(self, request):
        return Response(ReportedSellerSerializer(_sellers_fed_by(request.user), many=True).data)


def _reporting_holder(request, data):
    holders = RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(request.user))
    public_id = data.get("rights_holder_public_id")
    if public_id is not None:
        holder = holders.filter(public_id=public_id).first()
        if holder is None:
            raise ValidationError({"rights_holder": [ErrorDetail("No brand you act for has this id.", "not_found")]})
        return holder
    own = list(holders.filter(organisation__members=request.user).distinct()[:2])
    if len(own) != 1:
        raise ValidationError({"rights_holder": [ErrorDetail("Name the brand that reports (rhd_…).", "required")]})
    return own[0]


class ReportedSellerCreateApi(Idempotent, APIView):
    """Report a seller by any of its store (id or name), phone, business licence number and payout account:
    at least one. Each is kept only as a keyed hash; a store whose merchant shares one is then a moderate
    signal on the brand's listings. An identifier the brand already reported is refused (`already_reported`),
    a malformed one pointed at (`/phone`)."""

    required_scopes = {"POST": "intelligence:write"}
    idempotency = "optional"

    @extend_schema(
        operation_id="reported_sellers_create",
        request=SellerReportSerializer,
        responses={201: ReportedSellerSerializer},
    )
    def post(self, request):
        serializer = SellerReportSerializer(data=form_data(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        holder = _reporting_holder(request, data)
        identifiers = {kind: data.get(kind.value, "") for kind in SellerIdentityKind}
        try:
            report = seller_report(rights_holder_id=holder.pk, identifiers=identifiers, actor=request.user)
        except SellerReportRefused as exc:
            raise ValidationError(
                {str(kind): [ErrorDetail(why, code=exc.code)] for kind, why in exc.problems.items()}
            ) from exc
        except InvalidInput as exc:
            exc.pointer = ""
            raise
        return Response(
            ReportedSellerSerializer(_sellers_fed_by(request.user).get(pk=report.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ReportedSellerRemoveApi(APIView):
    """Withdraw a report."""

    required_scopes = {"DELETE": "intelligence:write"}

    @extend_schema(
        operation_id="reported_sellers_remove",
        parameters=[public_id_parameter("seller_id", SELLER_PREFIX)],
        responses={204: None},
    )
    def delete(self, request, seller_id):
        return _removed(
            _sellers_fed_by(request.user),
            SELLER_PREFIX,
            seller_id,
            lambda pk: seller_report_remove(report_id=pk, actor=request.user),
        )


# --- Known counterfeit pictures ----------------------------------------------------------------------

IMAGE_PREFIX = PREFIXES["counterfeit_image"]
IMAGES_FIELD = "images"


@extend_schema_serializer(component_name="CounterfeitImage")
class CounterfeitImageSerializer(serializers.Serializer):
    id = PublicIdField(IMAGE_PREFIX)
    rights_holder = PublicIdField(PREFIXES["rights_holder"], source="rights_holder.public_id")
    asset = serializers.SerializerMethodField(help_text="The asset it counterfeits (ast_…), or null: every one.")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    content_hash = serializers.CharField(help_text="SHA-256 of the stored bytes, in hex.")
    created_at = serializers.DateTimeField()

    def get_asset(self, image) -> str | None:
        return PublicIdField(ASSET_PREFIX).to_representation(image.asset.public_id) if image.asset else None


def _uploads_fed_by(user):
    return (
        CounterfeitImage.objects.filter(
            rights_holder_id__in=rights_holder_ids_visible_to(user), source=CounterfeitSource.HOLDER_UPLOAD
        )
        .select_related("rights_holder", "asset")
        .order_by("-created_at", "-id")
    )


@extend_schema_serializer(component_name="CounterfeitImagesAdd")
class CounterfeitImagesAddSerializer(serializers.Serializer):
    rights_holder = rights_holder_input("The brand")
    asset = PublicIdField(
        ASSET_PREFIX,
        read_only=False,
        required=False,
        source="asset_public_id",
        help_text="One of the brand's verified assets (ast_…); left out, the pictures count for all of them.",
    )
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        min_length=1,
        help_text="The pictures, one part each: JPEG, PNG or WebP.",
    )


class CounterfeitImageListApi(APIView):
    """The known counterfeit pictures the brands you act for uploaded, newest first."""

    required_scopes = {"GET": "intelligence:read"}

    @extend_schema(operation_id="counterfeit_images_list", responses=CounterfeitImageSerializer(many=True))
    def get(self, request):
        return Response(CounterfeitImageSerializer(_uploads_fed_by(request.user), many=True).data)


class CounterfeitImageAddApi(Idempotent, APIView):
    """Upload known counterfeit pictures (multipart, `images` repeated): each through the portal's upload
    validator (type from the bytes, re-encoded, size and pixel limits). All of them or none: a refused file
    is pointed at (`/images/1`) with what to do, one uploaded before is refused with its date. Screening
    compares listing images with them from the next listing it screens."""

    required_scopes = {"POST": "intelligence:write"}
    idempotency = "optional"
    parser_classes = [MultiPartParser]
    upload_kind = "image"  # api.routing: bodies as large as an image page's (portal.request_limits)

    @extend_schema(
        operation_id="counterfeit_images_add",
        request={"multipart/form-data": CounterfeitImagesAddSerializer},
        responses={201: CounterfeitImageSerializer(many=True)},
    )
    def post(self, request):
        serializer = CounterfeitImagesAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        holder = _reporting_holder(request, data)
        asset_id = None
        if data.get("asset_public_id") is not None:
            asset = IPAsset.objects.filter(rights_holder=holder, public_id=data["asset_public_id"]).first()
            if asset is None:
                raise ValidationError({"asset": [ErrorDetail("No asset of this brand has this id.", "not_found")]})
            asset_id = asset.pk
        try:
            rows = counterfeit_images_upload(
                rights_holder_id=holder.pk, asset_id=asset_id, files=data[IMAGES_FIELD], actor=request.user
            )
        except CounterfeitImagesRejected as exc:
            raise ValidationError(
                {IMAGES_FIELD: {i: [ErrorDetail(why, code=exc.code)] for i, why in exc.rejections.items()}}
            ) from exc
        except InvalidInput as exc:
            exc.pointer = "/asset" if exc.code == "asset_not_verified" else f"/{IMAGES_FIELD}"
            raise
        shown = _uploads_fed_by(request.user).filter(pk__in=[row.pk for row in rows]).order_by("pk")
        return Response(CounterfeitImageSerializer(shown, many=True).data, status=status.HTTP_201_CREATED)


class CounterfeitImageRemoveApi(APIView):
    """Remove an uploaded counterfeit picture (its file goes once the removal is committed)."""

    required_scopes = {"DELETE": "intelligence:write"}

    @extend_schema(
        operation_id="counterfeit_images_remove",
        parameters=[public_id_parameter("counterfeit_image_id", IMAGE_PREFIX)],
        responses={204: None},
    )
    def delete(self, request, counterfeit_image_id):
        return _removed(
            _uploads_fed_by(request.user),
            IMAGE_PREFIX,
            counterfeit_image_id,
            lambda pk: counterfeit_image_remove(image_id=pk, actor=request.user),
        )
