from django.apps import AppConfig


class TakedownsConfig(AppConfig):
    name = "takedowns"

    def ready(self):
        from takedowns import files

        files.register()
