"""The lifecycle demo's story: every scenario, as steps in time order (``DemoLifecycle.steps``)."""

from demo.lifecycle.actions import DemoActions, Step, image_upload
from demo.lifecycle.cast import (
    AUTHORISED_STORE,
    CN_GENUINE,
    CN_WHOLESALE,
    DEMO_MERCHANT_STORES,
    OTHER_STORES,
    RING_STORE,
)
from takedowns.notices import ItemDraft


class DemoLifecycle(DemoActions):
    """The lifecycle demo: notices in every state, filed and decided in time order."""

    # --- The story --------------------------------------------------------------------
    def steps(self):
        h = self.ago
        Y, OTHER = DEMO_MERCHANT_STORES, OTHER_STORES
        steps = []

        def at(when, label, run):
            steps.append(Step(at=when, order=len(steps), run=run, label=label))

        # 1. A counterfeit ring store: three items accepted, none answered, upheld by the sweeper. The third
        #    upheld counterfeit against one right closes the store (repeat infringer) and lists it publicly.
        at(
            h(480),
            "ring filed",
            lambda t: self.file(
                "ring",
                "northwind",
                [
                    self.draft(
                        "Northwind Athletics",
                        (RING_STORE,),
                        evidence=[image_upload("test-buy-photo.png", "TEST BUY: fake NORTHWIND logo")],
                        test_buy_order_number="TB-2026-0187",
                        test_buy_report="Test buy received 3 days after ordering; logo misprinted, no serial label.",
                    ),
                    self.draft("Northwind Athletics", (RING_STORE,)),
                    self.draft("Northwind Athletics", (RING_STORE,)),
                ],
                t,
            ),
        )
        for index in range(3):
            at(h(477 - index), f"ring {index} accepted", lambda t, i=index: self.accept("ring", t, i))

        # 2. Upheld by default on the demo merchant's store, then reversed on the merchant's appeal.
        at(
            h(456),
            "reversed filed",
            lambda t: self.file(
                "reversed", "northwind", [self.draft("Northwind Athletics", Y[:1], "trademark_misuse")], t
            ),
        )
        at(h(454), "reversed accepted", lambda t: self.accept("reversed", t))
        at(
            h(360),
            "reversed appealed",
            lambda t: self.appeal(
                "reversed",
                t,
                "demo-merchant",
                "These are genuine Northwind shoes from Northwind's distributor for China (invoice attached to our "
                "account). We missed the three-day window during the national holiday.",
            ),
        )
        at(
            h(338),
            "reversed decided",
            lambda t: self.decide_appeal(
                "reversed",
                t,
                reverse=True,
                reason="The merchant's invoices from Northwind's authorised distributor match the goods in the "
                "listing. The takedown is reversed and the listing reinstated.",
            ),
        )

        # 3. Standard track, counter-notice, the agent's reply, upheld by a reviewer; the appeal is confirmed.
        at(h(384), "confirmed filed", lambda t: self.file("confirmed", "lumen", [self.draft("Lumen Optics", Y[1:])], t))
        at(h(380), "confirmed accepted", lambda t: self.accept("confirmed", t))
        at(h(360), "confirmed counter-notice", lambda t: self.counter_notice("confirmed", t, CN_WHOLESALE))
        at(
            h(340),
            "confirmed reply",
            lambda t: self.reply(
                "confirmed",
                t,
                "lumen",
                "Lumen Optics sells no factory surplus and has no distributor in Guangzhou. Our test buy from this "
                "store had no serial engraving on the temple, which every genuine frame carries.",
            ),
        )
        at(
            h(318),
            "confirmed upheld",
            lambda t: self.uphold(
                "confirmed",
                t,
                "The merchant's invoice names a wholesaler that is not one of Lumen Optics' distributors, and the "
                "rights holder's test buy shows frames without the serial engraving every genuine frame carries. "
                "The listing offers counterfeit goods and is removed.",
            ),
        )
        at(
            h(290),
            "confirmed appealed",
            lambda t: self.appeal(
                "confirmed", t, "demo-merchant", "We bought the stock in good faith and did not know it was fake."
            ),
        )
        at(
            h(266),
            "confirmed decided",
            lambda t: self.decide_appeal(
                "confirmed",
                t,
                reverse=False,
                reason="Good faith in buying does not make the goods genuine; the evidence that they are counterfeit "
                "stands. The decision is confirmed.",
            ),
        )

        # 4. Fast track (partner-vetted): taken down at once, no counter-notice, upheld by the sweeper.
        at(
            h(312),
            "fast upheld filed",
            lambda t: self.file("fast-upheld", "marlow", [self.draft("Marlow & Finch", Y[:1])], t),
        )
        at(h(310), "fast upheld accepted if not fast", lambda t: self.accept("fast-upheld", t))

        # 5. Rejected by a reviewer; the rights holder's appeal is still open.
        at(
            h(432),
            "rejected filed",
            lambda t: self.file(
                "rejected",
                "northwind",
                [
                    self.draft(
                        "Northwind Athletics",
                        OTHER,
                        "design",
                        explanation="Looks suspicious, please remove.",
                    )
                ],
                t,
            ),
        )
        at(
            h(414),
            "rejected",
            lambda t: self.reject(
                "rejected",
                t,
                "The notice does not explain how the listing infringes the right named and gives no evidence; the "
                "registration named is a word mark, not a design. You may file again with photos or a test buy.",
            ),
        )
        at(
            h(8),
            "rejected appealed",
            lambda t: self.appeal(
                "rejected",
                t,
                "demo-brand-owner",
                "Our test buy (order TB-2026-0203) arrived yesterday: the shoes carry a fake NORTHWIND logo. "
                "Photos attached to our new notice; please reopen this one.",
            ),
        )

        # 6. Standard track, counter-notice with invoices, the reply window lapses, dismissed by a reviewer.
        at(
            h(288),
            "dismissed filed",
            lambda t: self.file("dismissed", "northwind", [self.draft("Northwind Athletics", Y[1:])], t),
        )
        at(h(285), "dismissed accepted", lambda t: self.accept("dismissed", t))
        at(h(264), "dismissed counter-notice", lambda t: self.counter_notice("dismissed", t, CN_GENUINE))
        at(
            h(170),
            "dismissed",
            lambda t: self.dismiss(
                "dismissed",
                t,
                "The merchant's invoices trace the goods to Northwind's authorised distributor, and the rights "
                "holder did not reply to the counter-notice. The listing stays.",
            ),
        )

        # 7. Fast track, counter-notice, the partner's reply, dismissed: the listing is reinstated.
        at(
            h(264),
            "fast dismissed filed",
            lambda t: self.file("fast-dismissed", "marlow", [self.draft("Marlow & Finch", Y[:1])], t),
        )
        at(h(263), "fast dismissed accepted if not fast", lambda t: self.accept("fast-dismissed", t))
        at(h(242), "fast dismissed counter-notice", lambda t: self.counter_notice("fast-dismissed", t, CN_GENUINE))
        at(
            h(228),
            "fast dismissed reply",
            lambda t: self.reply(
                "fast-dismissed", t, "marlow", "We cannot confirm the distributor named; please check the letter."
            ),
        )
        at(
            h(216),
            "fast dismissed",
            lambda t: self.dismiss(
                "fast-dismissed",
                t,
                "The authorisation letter from Marlow & Finch's Benelux distributor is genuine (confirmed with the "
                "distributor). The takedown is lifted and the listing reinstated.",
            ),
        )

        # 8. Withdrawn: by the brand after a settlement (standard), by the partner after its own check (fast).
        at(
            h(216),
            "withdrawn filed",
            lambda t: self.file("withdrawn", "northwind", [self.draft("Northwind Athletics", OTHER)], t),
        )
        at(h(214), "withdrawn accepted", lambda t: self.accept("withdrawn", t))
        at(
            h(190),
            "withdrawn",
            lambda t: self.withdraw(
                "withdrawn", t, "northwind", "Settled with the seller, who agreed to stop using our mark."
            ),
        )
        at(
            h(144),
            "fast withdrawn filed",
            lambda t: self.file("fast-withdrawn", "marlow", [self.draft("Marlow & Finch", Y[1:])], t),
        )
        at(
            h(130),
            "fast withdrawn",
            lambda t: self.withdraw(
                "fast-withdrawn",
                t,
                "marlow",
                "Our second check found this is a licensed collaboration product; withdrawn with apologies.",
            ),
        )

        # 9. Waiting for adjudication: after the agent's reply, and after the reply window lapsed.
        at(
            h(100),
            "adjudication (reply) filed",
            lambda t: self.file("adj-reply", "lumen", [self.draft("Lumen Optics", Y[:1])], t),
        )
        at(h(99), "adjudication (reply) accepted", lambda t: self.accept("adj-reply", t))
        at(h(60), "adjudication (reply) counter-notice", lambda t: self.counter_notice("adj-reply", t, CN_WHOLESALE))
        at(
            h(10),
            "adjudication (reply) reply",
            lambda t: self.reply(
                "adj-reply",
                t,
                "lumen",
                "The wholesaler named is not a Lumen Optics distributor; genuine LUMEN frames are never sold as "
                "factory surplus.",
            ),
        )
        at(
            h(150),
            "adjudication (lapse) filed",
            lambda t: self.file("adj-lapse", "northwind", [self.draft("Northwind Athletics", Y[1:])], t),
        )
        at(h(148), "adjudication (lapse) accepted", lambda t: self.accept("adj-lapse", t))
        at(h(80), "adjudication (lapse) counter-notice", lambda t: self.counter_notice("adj-lapse", t, CN_GENUINE))

        # 10. Counter-noticed, the rights holder's reply window still open (standard and fast track).
        at(
            h(60),
            "counter-noticed filed",
            lambda t: self.file("countered", "northwind", [self.draft("Northwind Athletics", Y[:1])], t),
        )
        at(h(58), "counter-noticed accepted", lambda t: self.accept("countered", t))
        at(h(20), "counter-noticed", lambda t: self.counter_notice("countered", t, CN_GENUINE))
        at(
            h(40),
            "fast counter-noticed filed",
            lambda t: self.file("fast-countered", "marlow", [self.draft("Marlow & Finch", Y[1:])], t),
        )
        at(h(39), "fast counter-noticed accepted if not fast", lambda t: self.accept("fast-countered", t))
        at(h(6), "fast counter-noticed", lambda t: self.counter_notice("fast-countered", t, CN_GENUINE, invoice=False))

        # 11. Awaiting a counter-notice with the deadline still ahead: the demo merchant has these to answer.
        at(
            h(30),
            "awaiting filed",
            lambda t: self.file(
                "awaiting",
                "northwind",
                [
                    self.draft("Northwind Athletics", Y[:1]),
                    self.draft("Northwind Athletics", Y[1:], "trademark_misuse"),
                ],
                t,
            ),
        )
        at(h(26), "awaiting 0 accepted", lambda t: self.accept("awaiting", t, 0))
        at(h(25), "awaiting 1 accepted", lambda t: self.accept("awaiting", t, 1))
        at(
            h(20),
            "fast awaiting filed",
            lambda t: self.file("fast-awaiting", "marlow", [self.draft("Marlow & Finch", Y[:1])], t),
        )
        at(
            h(28),
            "agent awaiting filed",
            lambda t: self.file("agent-awaiting", "lumen", [self.draft("Lumen Optics", OTHER)], t),
        )
        at(h(24), "agent awaiting accepted", lambda t: self.accept("agent-awaiting", t))

        # 12. In the reviewer's queue, with invalid items kept beside valid ones in the same notice: a duplicate
        #     of an open complaint, an asset that is not the filer's, and the brand's own authorised reseller
        #     (flagged for the reviewer, never fast-tracked).
        def queue_northwind(t):
            duplicate = self.item("awaiting", 0)
            self.file(
                "queue",
                "northwind",
                [
                    self.draft("Northwind Athletics", Y[1:]),
                    self.draft("Northwind Athletics", (AUTHORISED_STORE,), infringing=False),
                    ItemDraft(
                        listing_ref=duplicate.listing.external_id,
                        ip_asset_id=duplicate.ip_asset_id,
                        infringement_type="counterfeit",
                        explanation="Same fake shoes again, still online.",
                    ),
                ],
                t,
            )

        at(h(5), "queue filed", queue_northwind)

        def queue_agent(t):
            self.file(
                "agent-queue",
                "lumen",
                [
                    self.draft("Lumen Optics", OTHER),
                    ItemDraft(
                        listing_ref=self.listing("Northwind Athletics", OTHER).external_id,
                        ip_asset_id=self.asset("Northwind Athletics").pk,
                        infringement_type="counterfeit",
                        explanation="Counterfeit running shoes.",
                    ),
                ],
                t,
            )

        at(h(2), "agent queue filed", queue_agent)
        return steps
