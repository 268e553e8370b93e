import pgtrigger
from django.apps import AppConfig


class TakedownsConfig(AppConfig):
    name = "takedowns"

    def ready(self):
        from listings.policies import policy_register
        from portal.authentication import session_user_annotation_register
        from portal.health import HealthCheck, health_check_register
        from takedowns import files
        from takedowns.context_processors import UNREAD_ATTRIBUTE, notifications_unread_expression
        from takedowns.effects import effects_health
        from takedowns.lifecycle.table import item_status_trigger
        from takedowns.models import NoticeItem
        from takedowns.penalties.bans import banned_identity_fields

        files.register()
        session_user_annotation_register(UNREAD_ATTRIBUTE, notifications_unread_expression)
        # The item's status trigger takes its pairs from lifecycle's transition table, which imports
        # the models; so it is registered here, once the models exist, rather than on the class.
        pgtrigger.register(item_status_trigger())(NoticeItem)
        policy_register("banned_identity_fields", banned_identity_fields)
        # Failed effects are a warning for staff (and a HEALTH_CHECK_TOKEN caller), never for the public probe.
        health_check_register(HealthCheck("effects", public=None, detailed=effects_health))
