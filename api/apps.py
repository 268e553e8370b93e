from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/). It sits above good_faith: it imports the domain apps, none imports it."""

    name = "api"
    verbose_name = "Partner API"

    def ready(self):
        from api import schema  # noqa: F401  (registers the OpenAPI extension of the key authentication)
