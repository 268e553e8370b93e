"""Portal pages of the notice lifecycle (behind login). Each sub-module owns its routes."""

from django.urls import include, path

app_name = "takedowns"

urlpatterns = [
    path("", include("takedowns.urls_pages")),
    path("notifications/", include("takedowns.urls_notifications")),
]
