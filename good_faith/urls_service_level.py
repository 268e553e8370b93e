"""The service level page, mounted at /good-faith/service-level/ (namespace "good_faith").

Included from ``good_faith.urls`` as ``path("service-level/", include("good_faith.urls_service_level"))``.
"""

from django.urls import path

from good_faith.views_service_level import service_level

urlpatterns = [
    path("", service_level, name="service-level"),
]
