from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Proactive screening"

    def ready(self):
        from listings.announcements import announcement_listener_register as listings_listener_register
        from rights_holders.announcements import announcement_listener_register as ip_listener_register
        from screening.counterfeits import upheld_items_changed
        from screening.feeding import listings_screen_enqueue
        from screening.snapshot_build import ip_register_changed_answer
        from takedowns.announcements import announcement_listener_register as decisions_listener_register

        # Every listing created or changed is screened; every change of the screened IP moves the snapshot on.
        listings_listener_register("listings_changed", listings_screen_enqueue)
        ip_listener_register("ip_register_changed", ip_register_changed_answer)
        # Every image of a listing upheld as counterfeit is a known counterfeit (until the decision is reversed).
        decisions_listener_register("items_upheld_changed", upheld_items_changed)
