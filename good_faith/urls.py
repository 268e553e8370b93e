"""Good Faith pages (behind login). Each sub-module owns its routes."""

from django.urls import include, path

app_name = "good_faith"

urlpatterns = [
    path("", include("good_faith.urls_pages")),
    path("misuse/", include("good_faith.urls_misuse")),
    path("service-level/", include("good_faith.urls_service_level")),
]
