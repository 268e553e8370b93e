"""The help centre (no login), mounted at /help/ (namespace "help")."""

from django.urls import path

from takedowns.views import help_centre

app_name = "help"

urlpatterns = [
    path("", help_centre.help_index, name="index"),
    path("<slug:topic>/", help_centre.help_topic, name="topic"),
]
