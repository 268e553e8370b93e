from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world (``manage.py seed_demo``): it sits above every domain app and only calls their services."""

    name = "demo"
