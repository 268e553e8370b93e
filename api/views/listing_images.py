"""A listing's images: the marketplace sends and removes them (``listings.images``); callers who see the listing
read them."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import PREFIXES, PublicIdField, object_by_public_id_or_404
from api.idempotency import Idempotent
from api.models import ApiKey
from api.views.reading import public_id_parameter
from listings.images import ListingImagesRejected, listing_image_remove, listing_images_add, listing_images_max
from listings.models import Listing, ListingImage
from listings.selectors import listing_images_of, listings_visible_to
from portal import public_ids

PREFIX = PREFIXES["listing_image"]
LISTING_PREFIX = PREFIXES["listing"]
FIELD = "images"


@extend_schema_serializer(component_name="ListingImage")
class ImageSerializer(serializers.Serializer):
    id = PublicIdField(PREFIX)
    position = serializers.IntegerField(help_text="Its place among the listing's images, smallest first.")
    content_type = serializers.CharField(
        help_text="The type of the bytes as stored: image/jpeg, image/png, image/webp."
    )
    size = serializers.IntegerField(help_text="Bytes stored (re-encoded, without metadata).")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    content_hash = serializers.CharField(
        help_text="SHA-256 of the stored bytes, in hex: the same picture sent again has the same hash."
    )
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ListingImages")
class ImagesSerializer(serializers.Serializer):
    listing = serializers.CharField(help_text="The listing's `lst_…` id.")
    max_images = serializers.IntegerField(help_text="How many images a listing may have.")
    images = ImageSerializer(many=True)


def _images_response(listing, status_code=status.HTTP_200_OK):
    body = {
        "listing": public_ids.encode(LISTING_PREFIX, listing.public_id),
        "max_images": listing_images_max(),
        "images": ImageSerializer(listing_images_of(listing), many=True).data,
    }
    return Response(body, status=status_code)


def _marketplace_only(request):
    # The marketplace's key alone, as for the ingest: a browser session never feeds the catalogue.
    if not isinstance(request.auth, ApiKey):
        raise PermissionDenied("A listing's images are sent and removed with the marketplace's API key.")


def _catalogue_listing(listing_id):
    """Any listing of the catalogue the marketplace feeds (a removed one too: its refusal says why)."""
    return object_by_public_id_or_404(Listing.objects.all(), LISTING_PREFIX, listing_id)


class ListingImageListApi(APIView):
    """A listing's images in their order, for anyone who sees the listing (a removed one only its merchant)."""

    required_scopes = {"GET": "listings:read"}

    @extend_schema(
        operation_id="listing_images_list",
        parameters=[public_id_parameter("listing_id", LISTING_PREFIX)],
        responses=ImagesSerializer,
    )
    def get(self, request, listing_id):
        listing = object_by_public_id_or_404(listings_visible_to(request.user), LISTING_PREFIX, listing_id)
        return _images_response(listing)


class ListingImageAddApi(Idempotent, APIView):
    """The marketplace adds images to a listing: one or several files in `images` (multipart, repeated).

    Each file must be a JPEG, PNG or WebP image (decided from its bytes, not its name), within the
    upload limits (size, pixels); it is re-encoded without its metadata and stored under a name the
    portal makes. The new images go after the listing's others, in the order sent. A listing has
    at most `max_images` images (`too_many_images`); a listing removed from the marketplace keeps
    its images as they were (`listing_removed`, 409). All the files are added, or none: a refused
    file is named by its pointer (`/images/1`) with what to do instead, and nothing is kept. The
    answer is the listing's images, as `GET` gives them.
    """

    idempotency = "required"
    required_scopes = {"POST": "listings:ingest"}
    parser_classes = [MultiPartParser]
    upload_kind = "image"  # api.routing: bodies as large as an image page's (portal.request_limits)

    @extend_schema_serializer(component_name="ListingImagesAdd")
    class InputSerializer(serializers.Serializer):
        images = serializers.ListField(
            child=serializers.FileField(allow_empty_file=True),
            min_length=1,
            help_text="The image files, one part each: JPEG, PNG or WebP.",
        )

    @extend_schema(
        operation_id="listing_images_add",
        parameters=[public_id_parameter("listing_id", LISTING_PREFIX)],
        request={"multipart/form-data": InputSerializer},
        responses={201: ImagesSerializer},
    )
    def post(self, request, listing_id):
        _marketplace_only(request)
        listing = _catalogue_listing(listing_id)
        unknown = sorted(set(request.data) - {FIELD})
        if unknown:
            raise ValidationError({unknown[0]: [ErrorDetail(f"Unknown field; send only `{FIELD}`.", "unknown_field")]})
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            listing_images_add(listing=listing, files=serializer.validated_data[FIELD], actor=request.user)
        except ListingImagesRejected as exc:
            raise ValidationError(
                {
                    FIELD: {
                        index: [ErrorDetail(str(error), code=error.code or "invalid")]
                        for index, error in exc.rejections.items()
                    }
                }
            ) from exc
        listing.refresh_from_db(fields=["updated_at"])
        return _images_response(listing, status.HTTP_201_CREATED)


class ListingImageRemoveApi(APIView):
    """The marketplace removes one image of a listing; the others keep their positions."""

    required_scopes = {"DELETE": "listings:ingest"}

    @extend_schema(
        operation_id="listing_images_remove",
        parameters=[public_id_parameter("listing_id", LISTING_PREFIX), public_id_parameter("image_id", PREFIX)],
        responses={204: None},
    )
    def delete(self, request, listing_id, image_id):
        _marketplace_only(request)
        listing = _catalogue_listing(listing_id)
        image = object_by_public_id_or_404(listing_images_of(listing), PREFIX, image_id)
        try:
            listing_image_remove(image=image, actor=request.user)
        except ListingImage.DoesNotExist:  # removed meanwhile by another request: as if never there
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)
