from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.routing import by_method
from api.views import assets, listings, me

v1 = [
    path("me/", me.MeApi.as_view(), name="me"),
    path("assets/", by_method(GET=assets.AssetListApi, POST=assets.AssetCreateApi), name="assets"),
    path("assets/<str:asset_id>/", assets.AssetDetailApi.as_view(), name="asset"),
    path("listings/", listings.ListingListApi.as_view(), name="listings"),
    path("listings/ingest/", listings.ListingIngestApi.as_view(), name="listings-ingest"),
    path("listings/<str:listing_id>/", listings.ListingDetailApi.as_view(), name="listing"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
