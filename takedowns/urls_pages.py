"""Pages of the notice lifecycle, mounted at /takedowns/ (namespace "takedowns")."""

from django.urls import path

from takedowns.views import items, notices, queue

urlpatterns = [
    path("", notices.notice_list, name="notice-list"),
    path("notices/new/", notices.notice_create, name="notice-create"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/receipt/", notices.notice_receipt, name="notice-receipt"),
    path("items/<int:pk>/", items.item_detail, name="item-detail"),
    path("items/<int:pk>/counter-notice/", items.item_counter_notice, name="item-counter-notice"),
    path("items/<int:pk>/reply/", items.item_reply, name="item-reply"),
    path("items/<int:pk>/withdraw/", items.item_withdraw, name="item-withdraw"),
    path("items/<int:pk>/appeal/", items.item_appeal, name="item-appeal"),
    path("items/<int:pk>/decide/", items.item_decide, name="item-decide"),
    path("appeals/<int:pk>/decide/", items.appeal_decide, name="appeal-decide"),
    path("queue/", queue.review_queue, name="review-queue"),
]
