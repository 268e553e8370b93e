from django.apps import AppConfig


class TakedownsConfig(AppConfig):
    name = "takedowns"

    def ready(self):
        from listings.policies import policy_register
        from takedowns import files
        from takedowns.penalties.bans import banned_identity_fields

        files.register()
        policy_register("banned_identity_fields", banned_identity_fields)
