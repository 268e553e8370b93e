"""URLs of the takedowns app: one module per namespace.

This one: the pages of the notice lifecycle (behind login), mounted at /takedowns/
(namespace "takedowns"). ``public``: the public register, mounted at /register/.
"""

from django.urls import path

from takedowns.views import effects, filing, imports, items, merchant, notices, notifications, queue, review

app_name = "takedowns"

urlpatterns = [
    path("", notices.notice_list, name="notice-list"),
    path("notices/export.csv", notices.notice_export, name="notice-export"),
    path("merchant/", merchant.merchant_dashboard, name="merchant-dashboard"),
    path("notices/new/", filing.notice_create, name="notice-create"),
    path("notices/new/review/", filing.notice_review, name="notice-review"),
    path("notices/new/rows/", filing.draft_row_add, name="draft-row-add"),
    path("notices/new/rows/<int:pk>/remove/", filing.draft_row_remove, name="draft-row-remove"),
    path("notices/new/files/<int:pk>/remove/", filing.draft_evidence_remove, name="draft-evidence-remove"),
    path("notices/new/listings/", filing.draft_listing_add, name="draft-listing-add"),
    path("listings/", filing.listing_search, name="listing-search"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/receipt/", notices.notice_receipt, name="notice-receipt"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/template.csv", imports.import_template, name="import-template"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/errors.csv", imports.import_errors, name="import-errors"),
    path("items/<int:pk>/", items.item_detail, name="item-detail"),
    path("items/<int:pk>/counter-notice/", items.item_counter_notice, name="item-counter-notice"),
    path(
        "counter-notice-files/<int:pk>/remove/",
        items.counter_notice_file_remove,
        name="counter-notice-file-remove",
    ),
    path("items/<int:pk>/reply/", items.item_reply, name="item-reply"),
    path("items/<int:pk>/withdraw/", items.item_withdraw, name="item-withdraw"),
    path("items/<int:pk>/appeal/", items.item_appeal, name="item-appeal"),
    path("items/<int:pk>/decide/", items.item_decide, name="item-decide"),
    path("items/<int:pk>/release/", items.item_release, name="item-release"),
    path("appeals/<int:pk>/decide/", items.appeal_decide, name="appeal-decide"),
    path("queue/", queue.review_queue, name="review-queue"),
    path("queue/bulk/", review.bulk_decide, name="bulk-decide"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/menu/", notifications.notification_menu, name="notifications-menu"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification-open"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification-read"),
    path("notifications/read-all/", notifications.notification_read_all, name="notifications-read-all"),
    path("effects/failed/", effects.effects_failed, name="effects-failed"),
    path("effects/<int:pk>/retry/", effects.effect_retry, name="effect-retry"),
]
