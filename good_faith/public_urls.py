"""The public transparency page (no login), mounted at /transparency/ (namespace "transparency")."""

from django.urls import path

from good_faith.views import transparency

app_name = "transparency"

urlpatterns = [
    path("", transparency.transparency, name="report"),
]
