from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/). It sits above good_faith: it imports the domain apps, none imports it."""

    name = "api"
    verbose_name = "Partner API"

    def ready(self):
        from api import schema  # noqa: F401  (registers the OpenAPI extension of the key authentication)
        from api.request_limits import api_caller, api_too_large, api_unreadable
        from portal.request_limits import API_POLICIES

        # The body limits run before DRF: the API says whom a large request acts as, and answers its 413 (and
        # the 400 of a multipart body that cannot be parsed).
        API_POLICIES.register("api_caller", api_caller)
        API_POLICIES.register("api_too_large", api_too_large)
        API_POLICIES.register("api_unreadable", api_unreadable)

        from api.webhooks.fanout import listeners
        from portal.events import events_listener_register

        # What the engine announces (portal.events) becomes webhook events and deliveries.
        for source, listener in listeners().items():
            events_listener_register(source, listener)

        from api.webhooks.health import webhooks_health
        from portal.health import HealthCheck, health_check_register

        # The delivery backlog and what gave up lately: a warning for staff (and a token), never for the public probe.
        health_check_register(HealthCheck("webhooks", public=None, detailed=webhooks_health))
