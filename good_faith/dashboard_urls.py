"""The home page "/" (portal/urls.py): a brand's people land on their dashboard, everyone else on portal's home."""

from django.urls import path

from good_faith.views.dashboard import home_or_dashboard

urlpatterns = [path("", home_or_dashboard, name="brand-dashboard")]
