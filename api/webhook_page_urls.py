"""The owner's webhook pages, under /integrations/webhooks/ (portal.urls)."""

from django.urls import path

from api import webhook_pages as webhooks

app_name = "webhooks"
urlpatterns = [
    path("", webhooks.webhook_list, name="list"),
    path("new/", webhooks.webhook_create, name="create"),
    path("<str:webhook_id>/", webhooks.webhook_detail, name="detail"),
    path("<str:webhook_id>/active/", webhooks.webhook_active_set, name="active"),
    path("<str:webhook_id>/test/", webhooks.webhook_test, name="test"),
    path("<str:webhook_id>/rotate-secret/", webhooks.webhook_rotate, name="rotate"),
    path("<str:webhook_id>/delete/", webhooks.webhook_delete, name="delete"),
    path("<str:webhook_id>/deliveries/<str:event_id>/redeliver/", webhooks.webhook_redeliver_page, name="redeliver"),
]
