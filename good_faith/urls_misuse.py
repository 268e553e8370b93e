"""Misuse pages, mounted at /good-faith/misuse/ (namespace "good_faith")."""

from django.urls import path

from good_faith import views_misuse

urlpatterns = [
    path("", views_misuse.misuse_list, name="misuse"),
    path("<int:pk>/appeal/", views_misuse.misuse_appeal, name="misuse-appeal"),
    path("<int:pk>/decide/", views_misuse.misuse_decide, name="misuse-decide"),
]
