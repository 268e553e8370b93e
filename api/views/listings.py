"""Listings: look up by id or external id, search by text, and the marketplace's bulk ingest."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import PREFIXES, PublicIdField
from api.filters import IsoDateTimeFilter
from api.idempotency import Idempotent
from api.models import ApiKey
from api.views.reading import VisibleDetailApi, VisibleListApi, public_id_parameter
from listings.catalogue import MAX_ROWS, VALUE_FIELDS, ListingAction, ListingChange, ListingOutcome, listings_apply
from listings.models import Listing, ListingStatus
from listings.selectors import SEARCH_MAX_LENGTH, SEARCH_MIN_LENGTH, listings_search, listings_visible_to
from portal import public_ids

PREFIX = PREFIXES["listing"]
STORE_PREFIX = PREFIXES["store"]


@extend_schema_serializer(component_name="ListingStore")
class StoreSerializer(serializers.Serializer):
    id = PublicIdField(STORE_PREFIX)
    name = serializers.CharField()


@extend_schema_serializer(component_name="Listing")
class ListingSerializer(serializers.Serializer):
    id = PublicIdField(PREFIX)
    external_id = serializers.CharField(help_text="The marketplace's own id of the listing.")
    store = StoreSerializer()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=ListingStatus.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _search_text(value):
    text = " ".join(value.split())
    if not SEARCH_MIN_LENGTH <= len(text) <= SEARCH_MAX_LENGTH:
        raise ValidationError(
            {
                "q": [
                    ErrorDetail(
                        f"Search with {SEARCH_MIN_LENGTH} to {SEARCH_MAX_LENGTH} characters.", code="invalid_length"
                    )
                ]
            }
        )
    return text


class ListingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=f"Words of the title or description ({SEARCH_MIN_LENGTH} to {SEARCH_MAX_LENGTH} characters): each "
        'word must appear; "a phrase" in quotes, -word to exclude (PostgreSQL).',
    )
    external_id = django_filters.CharFilter(label="The marketplace's own id of the listing.")
    store = django_filters.CharFilter(method="by_store", label="An `sto_…` id.")
    status = django_filters.ChoiceFilter(choices=ListingStatus.choices)
    category = django_filters.CharFilter()
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Listing
        fields = ["external_id", "status", "category"]

    def search(self, queryset, name, value):
        return listings_search(queryset, _search_text(value))

    def by_store(self, queryset, name, value):
        store_id = public_ids.decode(STORE_PREFIX, value)
        if store_id is None:
            raise ValidationError({"store": [ErrorDetail(f"Not an id of the form {STORE_PREFIX}_…", "invalid_id")]})
        return queryset.filter(store__public_id=store_id)


@extend_schema_view(get=extend_schema(operation_id="listings_list"))
class ListingListApi(VisibleListApi):
    """Listings on the marketplace (a merchant also sees the ones it removed); by external id, store or text."""

    required_scopes = {"GET": "listings:read"}
    serializer_class = ListingSerializer
    filterset_class = ListingFilter
    queryset = Listing.objects.none()  # for the schema generator; requests read ``visible``
    visible = staticmethod(listings_visible_to)


@extend_schema_view(
    get=extend_schema(
        operation_id="listings_retrieve",
        parameters=[public_id_parameter("listing_id", PREFIX)],
        responses=ListingSerializer,
    )
)
class ListingDetailApi(VisibleDetailApi):
    """One listing as the pages show it (a removed one only to its merchant), by its id."""

    required_scopes = {"GET": "listings:read"}
    serializer_class = ListingSerializer
    visible = staticmethod(listings_visible_to)
    prefix = PREFIX
    lookup_url_kwarg = "listing_id"


_ROW_FIELDS = frozenset({"external_id", "action", "store", *VALUE_FIELDS})


def _row_change(index, row, errors):
    """One ingest row as a ListingChange, or None with its shape errors added (pointer, code, detail)."""
    pointer = f"/listings/{index}"
    if not isinstance(row, dict):
        errors.append((index, {"pointer": pointer, "code": "invalid", "detail": "Each listing is a JSON object."}))
        return None
    unknown = sorted(set(row) - _ROW_FIELDS)
    for name in unknown:
        errors.append(
            (
                index,
                {
                    "pointer": f"{pointer}/{_escape(name)}",
                    "code": "unknown_field",
                    "detail": f"A listing has no field {name!r}; known: {', '.join(sorted(_ROW_FIELDS))}.",
                },
            )
        )
    store_id = None
    if row.get("store") is not None:
        store_id = public_ids.decode(STORE_PREFIX, row["store"])
        if store_id is None:
            errors.append(
                (
                    index,
                    {
                        "pointer": f"{pointer}/store",
                        "code": "invalid_id",
                        "detail": f"Not an id of the form {STORE_PREFIX}_…",
                    },
                )
            )
    if unknown or (row.get("store") is not None and store_id is None):
        return None
    return ListingChange(
        external_id=row.get("external_id"),
        action=row.get("action", ListingAction.UPSERT),
        store_public_id=store_id,
        values={name: row[name] for name in VALUE_FIELDS if name in row},
    )


def _escape(name):
    return str(name).replace("~", "~0").replace("/", "~1")


@extend_schema_serializer(component_name="ListingIngestRow")
class IngestRowSerializer(serializers.Serializer):
    """One row of an ingest (documentation: rows are checked by listings.catalogue, one by one)."""

    external_id = serializers.CharField(max_length=64)
    action = serializers.ChoiceField(choices=ListingAction.choices, default=ListingAction.UPSERT)
    store = serializers.CharField(required=False, help_text="An `sto_…` id; required to create.")
    title = serializers.CharField(required=False, max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    category = serializers.CharField(required=False, max_length=100)
    price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2)
    currency = serializers.CharField(required=False, min_length=3, max_length=3, help_text="ISO 4217; EUR if new.")


@extend_schema_serializer(component_name="ListingIngestResult")
class IngestResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The row's position in `listings`.")
    external_id = serializers.CharField()
    id = serializers.CharField(help_text="The listing's `lst_…` id.")
    outcome = serializers.ChoiceField(choices=ListingOutcome.choices)


@extend_schema_serializer(component_name="ListingIngestError")
class IngestErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="RFC 6901 JSON pointer into the request, e.g. /listings/17/price.")
    code = serializers.CharField()
    detail = serializers.CharField()


class ListingIngestApi(Idempotent, APIView):
    """The marketplace feeds its listings in: up to 1,000 creations, changes and removals per request.

    Each row is applied or refused on its own: the answer lists every applied row's
    outcome and every refused row's errors (a JSON pointer into the request, a
    code, a reason). Rows are matched by `external_id`: `upsert` (the default)
    creates a new listing or changes an existing one (only the fields sent);
    `create` and `update` insist on one or the other; `remove` takes the
    listing off the marketplace. A new listing names its store (`sto_…`) and
    gives a title, a category and a price. A store under a restriction,
    suspended, closed or banned adds no listings; no listing is created in, or
    moved into, a category the marketplace prohibits (`banned_category`, on
    `/listings/{index}/category`); a listing stays in its store; a removed
    listing is not changed again.
    """

    idempotency = "required"
    required_scopes = {"POST": "listings:ingest"}
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="ListingIngest")
    class InputSerializer(serializers.Serializer):
        listings = IngestRowSerializer(many=True, min_length=1, max_length=MAX_ROWS)

    @extend_schema_serializer(component_name="ListingIngestReport")
    class OutputSerializer(serializers.Serializer):
        applied = serializers.IntegerField(help_text="Rows applied (including those that changed nothing).")
        refused = serializers.IntegerField(help_text="Rows refused; each has at least one entry in `errors`.")
        results = IngestResultSerializer(many=True)
        errors = IngestErrorSerializer(many=True)

    @extend_schema(
        operation_id="listings_ingest",
        request=InputSerializer,
        responses={200: OutputSerializer},
    )
    def post(self, request):
        # The marketplace's key alone: a browser session never ingests (apikeys gives the scope to it only).
        if not isinstance(request.auth, ApiKey):
            raise PermissionDenied("Listings are ingested with the marketplace's API key.")
        rows = _rows(request.data)
        shape_errors, changes, indexes = [], [], []
        for index, row in enumerate(rows):
            change = _row_change(index, row, shape_errors)
            if change is not None:
                changes.append(change)
                indexes.append(index)
        applied = listings_apply(changes, actor=request.user)
        errors = shape_errors + [
            (
                indexes[e.index],
                {
                    "pointer": f"/listings/{indexes[e.index]}" + (f"/{e.field}" if e.field else ""),
                    "code": e.code,
                    "detail": e.message,
                },
            )
            for e in applied.errors
        ]
        errors.sort(key=lambda pair: pair[0])
        results = [
            {
                "index": indexes[o.index],
                "external_id": o.listing.external_id,
                "id": public_ids.encode(PREFIX, o.listing.public_id),
                "outcome": o.outcome,
            }
            for o in applied.outcomes
        ]
        return Response(
            {
                "applied": len(results),
                "refused": len({index for index, _ in errors}),
                "results": results,
                "errors": [error for _, error in errors],
            }
        )


def _rows(data):
    if not isinstance(data, dict) or not isinstance(data.get("listings"), list):
        raise ValidationError({"listings": [ErrorDetail('Send {"listings": [...]}, a list of listings.', "invalid")]})
    rows = data["listings"]
    if not rows:
        raise ValidationError({"listings": [ErrorDetail("Send at least one listing.", "empty")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            {
                "listings": [
                    ErrorDetail(
                        f"At most {MAX_ROWS:,} listings per request (this one has {len(rows):,}); nothing was "
                        "applied. Send the rest in another request.",
                        "too_many",
                    )
                ]
            }
        )
    unknown = sorted(set(data) - {"listings"})
    if unknown:
        raise ValidationError({unknown[0]: [ErrorDetail("Unknown field; send only `listings`.", "unknown_field")]})
    return rows
