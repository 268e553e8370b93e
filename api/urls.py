from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api.docs import ApiDocsRedocView, ApiDocsSwaggerView
from api.routing import by_method
from api.views import alerts, assets, good_faith, intelligence, items, listing_images, listings, me, notices, webhooks

# Every path through by_method, one class per method: the methods a path does not serve, and OPTIONS, are
# answered alike on every path (api.routing).
v1 = [
    path("me/", by_method(GET=me.MeApi), name="me"),
    path("assets/", by_method(GET=assets.AssetListApi, POST=assets.AssetCreateApi), name="assets"),
    path("assets/<str:asset_id>/", by_method(GET=assets.AssetDetailApi), name="asset"),
    path(
        "assets/<str:asset_id>/keywords/",
        by_method(GET=intelligence.AssetKeywordListApi, POST=intelligence.AssetKeywordAddApi),
        name="asset-keywords",
    ),
    path(
        "assets/<str:asset_id>/keywords/<str:keyword_id>/",
        by_method(DELETE=intelligence.AssetKeywordRemoveApi),
        name="asset-keyword",
    ),
    path("listings/", by_method(GET=listings.ListingListApi), name="listings"),
    path("listings/ingest/", by_method(POST=listings.ListingIngestApi), name="listings-ingest"),
    path("listings/<str:listing_id>/", by_method(GET=listings.ListingDetailApi), name="listing"),
    path(
        "listings/<str:listing_id>/images/",
        by_method(GET=listing_images.ListingImageListApi, POST=listing_images.ListingImageAddApi),
        name="listing-images",
    ),
    path(
        "listings/<str:listing_id>/images/<str:image_id>/",
        by_method(DELETE=listing_images.ListingImageRemoveApi),
        name="listing-image",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("notices/", by_method(GET=notices.NoticeListApi, POST=notices.NoticeCreateApi), name="notices"),
    path("notices/<str:notice_id>/", by_method(GET=notices.NoticeDetailApi), name="notice-detail"),
    path("items/", by_method(GET=items.ItemListApi), name="items"),
    path("items/<str:item_id>/", by_method(GET=items.ItemDetailApi), name="item-detail"),
    path("items/<str:item_id>/withdraw/", by_method(POST=items.ItemWithdrawApi), name="item-withdraw"),
    path("items/<str:item_id>/reply/", by_method(POST=items.ItemReplyApi), name="item-reply"),
    path("items/<str:item_id>/appeal/", by_method(POST=items.ItemAppealApi), name="item-appeal"),
    path(
        "items/<str:item_id>/counter-notice/",
        by_method(POST=items.ItemCounterNoticeApi),
        name="item-counter-notice",
    ),
    path("alerts/", by_method(GET=alerts.AlertListApi), name="alerts"),
    path("alerts/<str:alert_id>/", by_method(GET=alerts.AlertDetailApi), name="alert-detail"),
    path("alerts/<str:alert_id>/confirm/", by_method(POST=alerts.AlertConfirmApi), name="alert-confirm"),
    path("alerts/<str:alert_id>/dismiss/", by_method(POST=alerts.AlertDismissApi), name="alert-dismiss"),
    path(
        "reported-sellers/",
        by_method(GET=intelligence.ReportedSellerListApi, POST=intelligence.ReportedSellerCreateApi),
        name="reported-sellers",
    ),
    path(
        "reported-sellers/<str:seller_id>/",
        by_method(DELETE=intelligence.ReportedSellerRemoveApi),
        name="reported-seller",
    ),
    path(
        "counterfeit-images/",
        by_method(GET=intelligence.CounterfeitImageListApi, POST=intelligence.CounterfeitImageAddApi),
        name="counterfeit-images",
    ),
    path(
        "counterfeit-images/<str:counterfeit_image_id>/",
        by_method(DELETE=intelligence.CounterfeitImageRemoveApi),
        name="counterfeit-image",
    ),
    path("rights-holders/", by_method(GET=notices.RightsHolderListApi), name="rights-holders"),
    path("good-faith/", by_method(GET=good_faith.GoodFaithStatusApi), name="good-faith"),
    path("webhooks/", by_method(GET=webhooks.WebhookListApi, POST=webhooks.WebhookCreateApi), name="webhook-list"),
    path("webhooks/event-types/", by_method(GET=webhooks.WebhookEventTypeListApi), name="webhook-event-types"),
    path(
        "webhooks/<str:webhook_id>/",
        by_method(GET=webhooks.WebhookDetailApi, PATCH=webhooks.WebhookUpdateApi, DELETE=webhooks.WebhookDeleteApi),
        name="webhook-detail",
    ),
    path(
        "webhooks/<str:webhook_id>/rotate-secret/",
        by_method(POST=webhooks.WebhookSecretRotateApi),
        name="webhook-rotate",
    ),
    path("webhooks/<str:webhook_id>/test/", by_method(POST=webhooks.WebhookTestApi), name="webhook-test"),
    path(
        "webhooks/<str:webhook_id>/deliveries/",
        by_method(GET=webhooks.WebhookDeliveryListApi),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:event_id>/",
        by_method(GET=webhooks.WebhookDeliveryDetailApi),
        name="webhook-delivery",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:event_id>/redeliver/",
        by_method(POST=webhooks.WebhookRedeliverApi),
        name="webhook-redeliver",
    ),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("docs/", ApiDocsSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", ApiDocsRedocView.as_view(url_name="api:schema"), name="redoc"),
]
