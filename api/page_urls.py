"""The owner's API key pages, under /account/organisations/<slug>/api-keys/ (portal.urls)."""

from django.urls import path

from api import pages

app_name = "api-keys"

urlpatterns = [
    path("", pages.key_list, name="list"),
    path("new/", pages.key_create, name="create"),
    path("<int:pk>/revoke/", pages.key_revoke, name="revoke"),
]
