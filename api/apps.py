from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/). It sits above good_faith: it imports the domain apps, none imports it."""

    name = "api"
    verbose_name = "Partner API"

    def ready(self):
        from api import schema  # noqa: F401  (registers the OpenAPI extension of the key authentication)
        from api.authentication import request_signed_in_by_key
        from portal import request_limits

        request_limits.policy_register("request_signed_in_by_key", request_signed_in_by_key)
