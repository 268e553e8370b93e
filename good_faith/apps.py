from django.apps import AppConfig


class GoodFaithConfig(AppConfig):
    name = "good_faith"

    def ready(self):
        # The policies takedowns asks for (takedowns.policies): good_faith builds on takedowns,
        # so takedowns never imports good_faith; it calls what is registered here.
        from good_faith import selectors
        from good_faith.audits import quality_audits_select
        from good_faith.membership import membership_texts_register
        from good_faith.misuse import misuse_evaluate
        from takedowns.policies import policy_register

        policy_register("memberships_active_for", selectors.memberships_active_for)
        policy_register("membership_active_for_q", selectors.membership_active_for_q)
        policy_register("partner_privilege_active", selectors.partner_privilege_active)
        policy_register("partner_privilege_q", selectors.partner_privilege_q)
        policy_register("review_queue_extra", selectors.quality_audits_queue_entries)
        policy_register("review_queue_parts", selectors.quality_audits_queue_parts)
        # Asked for by lifecycle: the quality-audit draw when an item is fast-tracked, and the misuse
        # measures after a manifestly unfounded rejection, each in the move's own transaction.
        policy_register("quality_audits_select", quality_audits_select)
        policy_register("misuse_evaluate", misuse_evaluate)
        # A nightly change's reason is a record (English); the pages read it in the reader's language.
        membership_texts_register()
