from django.apps import AppConfig


class GoodFaithConfig(AppConfig):
    name = "good_faith"

    def ready(self):
        # The policies takedowns asks for (takedowns.policies): good_faith builds on takedowns,
        # so takedowns never imports good_faith; it calls what is registered here.
        from good_faith import selectors
        from takedowns.policies import policy_register

        policy_register("membership_active_for", selectors.membership_active_for)
        policy_register("membership_active_for_q", selectors.membership_active_for_q)
        policy_register("partner_privilege_active", selectors.partner_privilege_active)
        policy_register("partner_privilege_q", selectors.partner_privilege_q)
        policy_register("review_queue_extra", selectors.quality_audits_queue_entries)
