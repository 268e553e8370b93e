from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api.docs import ApiDocsRedocView, ApiDocsSwaggerView
from api.routing import by_method
from api.views import assets, good_faith, items, listings, me, notices, webhooks

v1 = [
    path("me/", me.MeApi.as_view(), name="me"),
    path("assets/", by_method(GET=assets.AssetListApi, POST=assets.AssetCreateApi), name="assets"),
    path("assets/<str:asset_id>/", assets.AssetDetailApi.as_view(), name="asset"),
    path("listings/", listings.ListingListApi.as_view(), name="listings"),
    path("listings/ingest/", listings.ListingIngestApi.as_view(), name="listings-ingest"),
    path("listings/<str:listing_id>/", listings.ListingDetailApi.as_view(), name="listing"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("notices/", by_method(GET=notices.NoticeListApi, POST=notices.NoticeCreateApi), name="notices"),
    path("notices/<str:notice_id>/", notices.NoticeDetailApi.as_view(), name="notice-detail"),
    path("items/", items.ItemListApi.as_view(), name="items"),
    path("items/<str:item_id>/", items.ItemDetailApi.as_view(), name="item-detail"),
    path("items/<str:item_id>/withdraw/", items.ItemWithdrawApi.as_view(), name="item-withdraw"),
    path("items/<str:item_id>/reply/", items.ItemReplyApi.as_view(), name="item-reply"),
    path("items/<str:item_id>/appeal/", items.ItemAppealApi.as_view(), name="item-appeal"),
    path("items/<str:item_id>/counter-notice/", items.ItemCounterNoticeApi.as_view(), name="item-counter-notice"),
    path("rights-holders/", notices.RightsHolderListApi.as_view(), name="rights-holders"),
    path("good-faith/", good_faith.GoodFaithStatusApi.as_view(), name="good-faith"),
    path("webhooks/", by_method(GET=webhooks.WebhookListApi, POST=webhooks.WebhookCreateApi), name="webhook-list"),
    path("webhooks/event-types/", webhooks.WebhookEventTypeListApi.as_view(), name="webhook-event-types"),
    path(
        "webhooks/<str:webhook_id>/",
        by_method(GET=webhooks.WebhookDetailApi, PATCH=webhooks.WebhookUpdateApi, DELETE=webhooks.WebhookDeleteApi),
        name="webhook-detail",
    ),
    path("webhooks/<str:webhook_id>/rotate-secret/", webhooks.WebhookSecretRotateApi.as_view(), name="webhook-rotate"),
    path("webhooks/<str:webhook_id>/test/", webhooks.WebhookTestApi.as_view(), name="webhook-test"),
    path("webhooks/<str:webhook_id>/deliveries/", webhooks.WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:event_id>/",
        webhooks.WebhookDeliveryDetailApi.as_view(),
        name="webhook-delivery",
    ),
    path(
        "webhooks/<str:webhook_id>/deliveries/<str:event_id>/redeliver/",
        webhooks.WebhookRedeliverApi.as_view(),
        name="webhook-redeliver",
    ),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("docs/", ApiDocsSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", ApiDocsRedocView.as_view(url_name="api:schema"), name="redoc"),
]
