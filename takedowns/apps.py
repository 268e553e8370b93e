from django.apps import AppConfig


class TakedownsConfig(AppConfig):
    name = "takedowns"

    def ready(self):
        from listings.policies import policy_register
        from portal.health import HealthCheck, health_check_register
        from takedowns import files
        from takedowns.effects import effects_health
        from takedowns.penalties.bans import banned_identity_fields

        files.register()
        policy_register("banned_identity_fields", banned_identity_fields)
        # Failed effects are a warning for staff (and a HEALTH_CHECK_TOKEN caller), never for the public probe.
        health_check_register(HealthCheck("effects", public=None, detailed=effects_health))
