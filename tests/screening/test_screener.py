"""Signals, scores and outcomes: each signal on its own, then together.

The brands: Northwind (sneakers, 140 EUR, one authorised store, a Chinese keyword), Harbor (an
ordinary word; bags, 216 USD = 200 EUR), Quill (pens; has not opted in to proactive notices),
Vantor (watches; its own, stricter notice threshold).
"""

from decimal import Decimal

import pytest

from screening.core import ListingInput, MerchantFacts, Outcome, Screener, Snapshot, Thresholds
from screening.core.images import ImageFindings, ImageMatch
from screening.core.results import Signal, SignalKind
from screening.core.thresholds import DEFAULT_THRESHOLDS, score_of

ASSETS = {
    "brands": [
        {
            "id": "nw",
            "name": "Northwind",
            "keywords": ["北风"],
            "categories": ["Sneakers"],
            "reference_price": "140.00",
            "currency": "EUR",
            "authorised_stores": ["s-auth"],
        },
        {"id": "hb", "name": "Harbor", "categories": ["Bags"], "reference_price": "216.00", "currency": "USD"},
        {
            "id": "qu",
            "name": "Quillmark",
            "categories": ["Pens"],
            "reference_price": "50",
            "currency": "EUR",
            "proactive_notices": False,
        },
        {
            "id": "va",
            "name": "Vantor",
            "categories": ["Watches"],
            "reference_price": "900",
            "currency": "EUR",
            "thresholds": {"notice": 0.99},
        },
    ],
    "banned_categories": ["Airbag components"],
}


@pytest.fixture(scope="module")
def screener():
    return Screener(Snapshot.from_dict(ASSETS))


def listing(title, *, description="", category="Sneakers", price="130.00", currency="EUR", store="s-1", **more):
    return ListingInput(
        id=1,
        title=title,
        description=description,
        store=store,
        category=category,
        price=None if price is None else Decimal(price),
        currency=currency,
        **more,
    )


def kinds(result):
    return [signal.kind for signal in result.signals]


def evidence(result, kind):
    return [signal.evidence for signal in result.signals if signal.kind == kind]


# --- outcomes from the score ---------------------------------------------------------------------


def test_points_make_the_score_two_points_alert_four_points_notice():
    assert score_of(2.0) == 0.5 == DEFAULT_THRESHOLDS.alert
    assert score_of(4.0) == 0.9 == DEFAULT_THRESHOLDS.notice
    assert score_of(0) < score_of(1) < score_of(3) < score_of(6) < 1


def test_the_score_is_the_points_of_the_signals_reported(screener):
    result = screener.screen(listing("N0rthw1nd sneakers AAA quality", price="25"))
    assert result.score == score_of(sum(signal.points for signal in result.signals))


def test_a_listing_naming_no_brand_is_clear_with_nothing_to_report(screener):
    result = screener.screen(listing("White running sneakers AAA quality", price="5"))
    assert (result.outcome, result.brand_id, result.score, result.signals) == (Outcome.CLEAR, None, 0.0, ())


# --- keyword ---------------------------------------------------------------------------------------


def test_the_brand_named_at_a_normal_price_is_clear_genuine_goods_are_resold(screener):
    result = screener.screen(listing("Northwind sneakers, size 42"))
    assert (result.outcome, result.brand_id) == (Outcome.CLEAR, "nw")
    assert evidence(result, SignalKind.KEYWORD) == ['title: "Northwind" (keyword "Northwind")']


def test_evidence_quotes_the_listing_as_written(screener):
    result = screener.screen(listing("Brand new N-0-r-t-h-w-1-n-d sneakers"))
    assert evidence(result, SignalKind.KEYWORD) == ['title: "N-0-r-t-h-w-1-n-d" (keyword "Northwind", disguised)']
    result = screener.screen(listing("运动鞋", description="正品北风跑鞋"))
    assert evidence(result, SignalKind.KEYWORD) == ['description: "北风" (keyword "北风")']


@pytest.mark.parametrize(
    "title", ["N0rthw1nd sneakers", "Nоrthwіnd sneakers", "N.o.r.t.h.w.i.n.d sneakers", "ＮＯＲＴＨＷＩＮＤ sneakers"]
)
def test_a_disguised_brand_name_is_an_alert_on_its_own(screener, title):
    result = screener.screen(listing(title))
    assert result.outcome == Outcome.ALERT
    assert "disguised" in evidence(result, SignalKind.KEYWORD)[0]


def test_a_disguised_brand_name_at_a_low_price_is_a_notice(screener):
    assert screener.screen(listing("N0rthw1nd sneakers", price="30")).outcome == Outcome.NOTICE


def test_the_brand_in_the_description_only_is_never_a_notice(screener):
    result = screener.screen(listing("Sneakers AAA quality", description="like Northwind", price="20"))
    assert result.brand_id == "nw" and result.score >= DEFAULT_THRESHOLDS.notice
    assert result.outcome == Outcome.ALERT


# --- a brand's own misspellings ---------------------------------------------------------------------

# The demo's Kestrel Audio (demo/world_data.py): it registered misspellings of its name as keywords.
KESTREL = {
    "id": "ke",
    "name": "KESTREL",
    "keywords": ["kestrel", "k3strel", "kestre1", "kestrell"],
    "categories": ["electronics"],
    "reference_price": "299",
    "currency": "EUR",
}


def kestrel_screener(**changes):
    return Screener(Snapshot.from_dict({"brands": [{**KESTREL, **changes}]}))


@pytest.fixture(scope="module")
def kestrel():
    return kestrel_screener()


def kestrel_listing(title, price="305.00"):
    return listing(title, category="electronics", price=price)


def test_the_genuine_brand_is_clear_though_it_registered_misspellings_of_its_name(kestrel):
    # Issue 11's report: the misspellings made a plain "Kestrel" count as disguised (an alert, 0.75).
    genuine = kestrel_listing("Kestrel Audio Noise Cancelling Headphones Navy")
    result = kestrel.screen(genuine)
    assert (result.outcome, result.brand_id, result.score) == (Outcome.CLEAR, "ke", 0.366)
    assert result == kestrel_screener(keywords=["kestrel"]).screen(genuine)
    assert evidence(result, SignalKind.KEYWORD) == ['title: "Kestrel" (keyword "KESTREL")']


def test_a_plain_spelling_the_brand_registered_is_the_brand_named_not_disguised(kestrel):
    result = kestrel.screen(kestrel_listing("Kestrell noise cancelling headphones"))
    assert (result.outcome, result.score) == (Outcome.CLEAR, 0.366)
    assert evidence(result, SignalKind.KEYWORD) == ['title: "Kestrell" (keyword "kestrell")']


@pytest.mark.parametrize(
    "disguised", ["K3str3l", "Кestrel", "K.e.s.t.r.e.l", "K e s t r e l", "ＫＥＳＴＲＥＬ", "Kes\u200btrel"]
)
def test_a_disguise_the_brand_did_not_register_is_still_disguised(kestrel, disguised):
    result = kestrel.screen(kestrel_listing(f"{disguised} noise cancelling headphones"))
    assert (result.outcome, result.score) == (Outcome.ALERT, 0.75)
    [line] = evidence(result, SignalKind.KEYWORD)
    assert line.endswith('(keyword "KESTREL", disguised)'), line


@pytest.mark.parametrize("registered", ["K3strel", "KESTRE1"])
def test_a_disguise_the_brand_registered_to_catch_is_still_a_disguise(kestrel, registered):
    # "k3strel" is the same word as the brand's "KESTREL" with a digit for a letter: the brand registered
    # it because sellers write it to slip past filters, so registering it must not hide them.
    title = f"{registered} noise cancelling headphones"
    result = kestrel.screen(kestrel_listing(title))
    assert result == kestrel_screener(keywords=[]).screen(kestrel_listing(title))
    assert (result.outcome, result.score) == (Outcome.ALERT, 0.75)
    assert evidence(result, SignalKind.KEYWORD) == [f'title: "{registered}" (keyword "KESTREL", disguised)']
    assert kestrel.screen(kestrel_listing(title, price="49.00")).outcome == Outcome.NOTICE


def test_a_spelling_registered_alone_is_the_brands_own_even_with_digits():
    # Nothing plainer registered for the same word: "4Runner" is how the brand writes its model.
    screener = kestrel_screener(keywords=["4Runner"], categories=["cars"])
    result = screener.screen(listing("Toyota 4Runner roof rack", category="cars", price="300"))
    assert result.outcome == Outcome.CLEAR
    assert evidence(result, SignalKind.KEYWORD) == ['title: "4Runner" (keyword "4Runner")']


def test_each_mention_is_quoted_once_however_many_keywords_it_matches(kestrel):
    result = kestrel.screen(kestrel_listing("Kestrel headphones", price="20.00"))
    assert evidence(result, SignalKind.KEYWORD) == ['title: "Kestrel" (keyword "KESTREL")']
    # A keyword of several words is also found without its spaces, where the brand's name is found.
    brand = {"id": "nw", "name": "Northwind", "keywords": ["North Wind"], "ordinary_word": False}
    screener = Screener(Snapshot.from_dict({"brands": [brand]}))
    result = screener.screen(listing("Northwind sneakers, north wind jacket", category=""))
    assert evidence(result, SignalKind.KEYWORD) == [
        'title: "Northwind" (keyword "Northwind")',
        'title: "north wind" (keyword "North Wind")',
    ]


def test_a_name_of_several_words_registered_with_other_separators_is_not_disguised():
    # The demo's Marlow & Finch registered "marlow finch" and "marlow+finch": the same words.
    brand = {"id": "mf", "name": "Marlow & Finch", "keywords": ["marlow finch", "marlow+finch", "m4rlow finch"]}
    screener = Screener(Snapshot.from_dict({"brands": [{**brand, "categories": ["Wallets"]}]}))
    for title in ("Marlow & Finch card wallet", "Marlow Finch card wallet", "MARLOW+FINCH card wallet"):
        result = screener.screen(listing(title, category="Wallets", price=None))
        assert result.outcome == Outcome.CLEAR, title
        assert (
            len(evidence(result, SignalKind.KEYWORD)) == 1
            and "disguised" not in evidence(result, SignalKind.KEYWORD)[0]
        )
    disguised = screener.screen(listing("M4rlow & F1nch card wallet", category="Wallets", price=None))
    assert disguised.outcome == Outcome.ALERT


def test_an_accessory_for_a_brand_with_registered_misspellings_is_clear(kestrel):
    for title in ("Replacement ear pads for Kestrel headphones", "Audio cable compatible with Kestrell"):
        result = kestrel.screen(kestrel_listing(title, price="14.00"))
        assert result.outcome == Outcome.CLEAR, title
        assert "what an accessory is for" in evidence(result, SignalKind.KEYWORD)[0]


def test_an_ordinary_word_brand_keeps_its_rule_with_a_disguise_registered():
    brand = {"id": "hb", "name": "Harbor", "keywords": ["H4rbor"], "categories": ["Bags"]}
    screener = Screener(Snapshot.from_dict({"brands": [brand]}))
    assert screener.screen(listing("Harbor view poster", category="Posters")).brand_id is None
    result = screener.screen(listing("H4rbor poster", category="Posters", price="5"))
    assert (result.outcome, result.brand_id) == (Outcome.ALERT, "hb")
    assert evidence(result, SignalKind.KEYWORD) == ['title: "H4rbor" (keyword "Harbor", disguised, an ordinary word)']


# --- replica words ---------------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["AAA quality", "1:1", "mirror quality", "高仿", "原单", "R3PL1CA AAA QUAL1TY"])
def test_the_brand_with_words_only_copies_use_is_a_notice(screener, words):
    result = screener.screen(listing(f"Northwind sneakers {words}"))
    assert result.outcome == Outcome.NOTICE
    assert SignalKind.REPLICA in kinds(result)


def test_replica_alone_is_an_alert_official_replica_jerseys_exist(screener):
    assert screener.screen(listing("Northwind replica sneakers")).outcome == Outcome.ALERT
    assert screener.screen(listing("Northwind replica sneakers", price="20")).outcome == Outcome.NOTICE


def test_a_denied_replica_word_counts_for_nothing(screener):
    result = screener.screen(listing("Northwind sneakers, authentic, not a replica, no fakes"))
    assert (result.outcome, kinds(result)) == (Outcome.CLEAR, [SignalKind.KEYWORD, SignalKind.CATEGORY])
    result = screener.screen(listing("北风运动鞋 正品 不是高仿"))
    assert SignalKind.REPLICA not in kinds(result)


def test_fake_fur_is_a_material_not_a_copy(screener):
    result = screener.screen(listing("Northwind sneakers with fake fur lining, imitation leather"))
    assert SignalKind.REPLICA not in kinds(result)
    assert screener.screen(listing("Northwind fake sneakers")).outcome == Outcome.ALERT


def test_several_replica_words_add_a_little_each_up_to_a_cap(screener):
    one = screener.screen(listing("Northwind sneakers replica", category="Other", price=None))
    three = screener.screen(listing("Northwind sneakers replica dupe inspired", category="Other", price=None))
    many = screener.screen(
        listing("Northwind sneakers replica dupe inspired lookalike 复刻", category="Other", price=None)
    )
    points = [sum(s.points for s in r.signals if s.kind == SignalKind.REPLICA) for r in (one, three, many)]
    t = DEFAULT_THRESHOLDS
    assert points == [t.replica, t.replica + t.replica_more_cap, t.replica + t.replica_more_cap]


# --- price -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "currency", "points"),
    [
        ("130.00", "EUR", None),
        ("71.00", "EUR", None),  # 51 %
        ("70.00", "EUR", DEFAULT_THRESHOLDS.price_moderate),  # 50 %
        ("42.00", "EUR", DEFAULT_THRESHOLDS.price_strong),  # 30 %
        ("45.36", "USD", DEFAULT_THRESHOLDS.price_strong),  # 42 EUR
        ("327.60", "CNY", DEFAULT_THRESHOLDS.price_strong),  # 42 EUR
        ("500.00", "CNY", DEFAULT_THRESHOLDS.price_moderate),  # 64.10 EUR, 46 %
    ],
)
def test_a_price_far_below_the_reference_after_conversion(screener, price, currency, points):
    result = screener.screen(listing("Northwind sneakers", price=price, currency=currency))
    price_points = [s.points for s in result.signals if s.kind == SignalKind.PRICE]
    assert price_points == ([] if points is None else [points])


def test_the_price_evidence_shows_the_conversion(screener):
    result = screener.screen(listing("Northwind sneakers", price="327.60", currency="CNY"))
    assert evidence(result, SignalKind.PRICE) == ["327.60 CNY (42.00 EUR) is 30% of the reference price 140.00 EUR"]


def test_a_low_price_outside_the_brands_categories_says_nothing(screener):
    result = screener.screen(listing("Northwind keychain", category="Keychains", price="5"))
    assert (result.outcome, kinds(result)) == (Outcome.CLEAR, [SignalKind.KEYWORD])
    no_category = screener.screen(listing("Northwind sneakers", category="", price="5"))
    assert SignalKind.PRICE in kinds(no_category)


def test_a_brand_named_with_a_very_low_price_in_its_category_is_an_alert_perhaps_used_goods(screener):
    assert screener.screen(listing("Northwind sneakers", price="20")).outcome == Outcome.ALERT


# --- accessories -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Phone case for Northwind X2 phone",
        "Laces compatible with Northwind sneakers",
        "Northwind-compatible insoles",
        "Replacement for Northwind charger",
        "鞋带 适用于北风运动鞋",
    ],
)
def test_an_accessory_for_the_brand_is_clear_at_its_price(screener, title):
    for category in ("Accessories", "Sneakers"):
        result = screener.screen(listing(title, category=category, price="9.00"))
        assert result.outcome == Outcome.CLEAR, (title, category, result)
        assert SignalKind.PRICE not in kinds(result)
        assert "what an accessory is for" in evidence(result, SignalKind.KEYWORD)[0]


def test_an_accessory_never_becomes_a_notice(screener):
    result = screener.screen(listing("AAA quality case for Northwind phone", category="Sneakers", price="3"))
    assert result.outcome == Outcome.ALERT


# --- category --------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["Airbag components", "AIRBAG  components", "Airbag components > Modules"])
def test_a_banned_category_is_blocked_whatever_the_text(screener, category):
    result = screener.screen(listing("Steering wheel airbag module", category=category))
    assert (result.outcome, result.brand_id, result.score) == (Outcome.BLOCKED, None, 1.0)
    assert evidence(result, SignalKind.CATEGORY) == [f'category "{category}" is banned']


def test_the_brands_own_category_adds_to_the_score(screener):
    inside = screener.screen(listing("Northwind sneakers AAA quality", category="Sneakers"))
    outside = screener.screen(listing("Northwind sneakers AAA quality", category="Bags"))
    assert inside.score > outside.score
    assert evidence(inside, SignalKind.CATEGORY) == ['category "Sneakers" is one of the brand\'s']


# --- ordinary-word brands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "category"),
    [("Harbor view poster", "Posters"), ("Harbor lights, cheap", "Lamps"), ("Boat for the harbor", "Boats")],
)
def test_an_ordinary_word_brand_in_an_unrelated_listing_is_not_even_named(screener, title, category):
    result = screener.screen(listing(title, category=category, price="3"))
    assert (result.outcome, result.brand_id, result.signals) == (Outcome.CLEAR, None, ())


def test_an_ordinary_word_brand_counts_inside_its_categories(screener):
    result = screener.screen(listing("Harbor tote bag AAA quality", category="Bags", price="30"))
    assert (result.outcome, result.brand_id) == (Outcome.NOTICE, "hb")
    assert "an ordinary word" in evidence(result, SignalKind.KEYWORD)[0]


def test_an_ordinary_word_brand_counts_outside_with_another_signal_but_never_as_a_notice(screener):
    result = screener.screen(listing("Harbor AAA quality mirror copy", category="Posters", price="3"))
    assert (result.outcome, result.brand_id) == (Outcome.ALERT, "hb")
    disguised = screener.screen(listing("H4rb0r poster", category="Posters"))
    assert (disguised.outcome, disguised.brand_id) == (Outcome.ALERT, "hb")


# --- merchant --------------------------------------------------------------------------------------


def test_an_authorised_store_is_never_alerted_on(screener):
    result = screener.screen(listing("Northwind sneakers AAA quality replica", price="10", store="s-auth"))
    assert (result.outcome, result.brand_id, result.score) == (Outcome.CLEAR, "nw", 0.0)
    assert evidence(result, SignalKind.MERCHANT) == ['store "s-auth" is on the brand\'s list of authorised stores']


def test_an_authorised_store_is_named_in_the_evidence_when_its_name_is_known(screener):
    facts = MerchantFacts(store_name="Northwind Official")
    result = screener.screen(listing("Northwind sneakers", store="s-auth", merchant=facts))
    assert evidence(result, SignalKind.MERCHANT) == [
        'store "Northwind Official" (s-auth) is on the brand\'s list of authorised stores'
    ]


def test_an_authorised_store_of_one_brand_is_still_screened_for_another(screener):
    result = screener.screen(listing("Northwind and Vantor AAA quality", category="Watches", store="s-auth"))
    assert result.brand_id == "va"


def test_merchant_facts_add_to_the_score(screener):
    facts = MerchantFacts(
        store_age_days=3,
        past_penalty_points=20,
        linked_to_banned=True,
        linked_to_banned_evidence="same payout account as banned store s-9",
        branded_share=0.9,
    )
    plain = screener.screen(listing("Northwind sneakers"))
    risky = screener.screen(listing("Northwind sneakers", merchant=facts))
    assert plain.outcome == Outcome.CLEAR
    # Above the notice threshold, but circumstances only: the listing itself shows no copy.
    assert risky.score >= DEFAULT_THRESHOLDS.notice and risky.outcome == Outcome.ALERT
    assert evidence(risky, SignalKind.MERCHANT) == [
        "same payout account as banned store s-9",
        "the store has 20 penalty points",
        "the store opened 3 days ago",
        "90% of the store's listings name a brand",
    ]
    t = DEFAULT_THRESHOLDS
    merchant_points = sum(s.points for s in risky.signals if s.kind == SignalKind.MERCHANT)
    assert merchant_points == t.merchant_banned_link + t.merchant_penalties + t.merchant_new_store + t.merchant_branded


def test_merchant_facts_alone_name_no_brand(screener):
    result = screener.screen(listing("White sneakers", merchant=MerchantFacts(linked_to_banned=True)))
    assert (result.outcome, result.brand_id) == (Outcome.CLEAR, None)


def test_a_seller_the_brand_reported_is_a_moderate_signal_for_that_brand_only(screener):
    reported = MerchantFacts(
        reported_by=(("nw", "the store's merchant shares its contact phone with a seller the brand reported"),)
    )
    plain = screener.screen(listing("Northwind sneakers"))
    flagged = screener.screen(listing("Northwind sneakers", merchant=reported))
    assert plain.outcome == Outcome.CLEAR
    assert flagged.outcome == Outcome.ALERT and flagged.brand_id == "nw"
    [signal] = [s for s in flagged.signals if s.kind == SignalKind.MERCHANT]
    assert signal.evidence == "the store's merchant shares its contact phone with a seller the brand reported"
    assert signal.points == DEFAULT_THRESHOLDS.merchant_reported < DEFAULT_THRESHOLDS.merchant_banned_link
    assert flagged.score == score_of(plain_points(plain) + DEFAULT_THRESHOLDS.merchant_reported)
    # Another brand's report says nothing about Northwind.
    other = screener.screen(listing("Northwind sneakers", merchant=MerchantFacts(reported_by=(("hb", "x"),))))
    assert other.outcome == Outcome.CLEAR and not [s for s in other.signals if s.kind == SignalKind.MERCHANT]


def test_a_reported_seller_never_brings_a_notice_by_itself(screener):
    reported = MerchantFacts(
        reported_by=(("nw", "reported"),), linked_to_banned=True, store_age_days=2, past_penalty_points=30
    )
    result = screener.screen(listing("Northwind sneakers", merchant=reported))
    assert result.score >= DEFAULT_THRESHOLDS.notice and result.outcome == Outcome.ALERT


def test_a_reported_seller_lets_an_ordinary_word_brand_count_outside_its_categories(screener):
    # "Harbor" alone in an unrelated listing is clear; a seller Harbor reported makes it worth a look.
    assert screener.screen(listing("Harbor view poster", category="Posters")).outcome == Outcome.CLEAR
    merchant = MerchantFacts(reported_by=(("hb", "reported"),))
    result = screener.screen(listing("Harbor view poster", category="Posters", merchant=merchant))
    assert result.brand_id == "hb" and any(s.kind == SignalKind.MERCHANT for s in result.signals)


def plain_points(result):
    return sum(s.points for s in result.signals)


# --- brands' choices -------------------------------------------------------------------------------


def test_a_brand_that_has_not_opted_in_gets_alerts_at_most(screener):
    result = screener.screen(listing("Quillmark pen AAA quality", category="Pens", price="5"))
    assert result.score >= DEFAULT_THRESHOLDS.notice and result.outcome == Outcome.ALERT


def test_a_brands_own_thresholds_apply_to_it(screener):
    result = screener.screen(listing("Vantor watch AAA quality", category="Watches", price="800"))
    assert DEFAULT_THRESHOLDS.notice <= result.score < 0.99 and result.outcome == Outcome.ALERT
    stronger = screener.screen(listing("V4nt0r watch AAA quality", category="Watches", price="50"))
    assert stronger.score >= 0.99 and stronger.outcome == Outcome.NOTICE


def test_thresholds_given_to_the_screener_apply():
    lenient = Screener(Snapshot.from_dict(ASSETS), Thresholds(notice=0.7))
    assert lenient.screen(listing("Northwind sneakers", price="20")).outcome == Outcome.NOTICE


def test_the_brand_with_the_highest_score_is_reported(screener):
    result = screener.screen(listing("Northwind sneakers and a Vantor AAA quality watch", category="Watches"))
    assert result.brand_id == "va"


# --- images (the hook the image core fills) ---------------------------------------------------------


class FakeImages:
    def __init__(self, findings):
        self.found = findings
        self.asked = []

    def findings(self, listing):
        self.asked.append(listing.images)
        return self.found


def test_listing_images_are_passed_to_the_image_screener_and_add_nothing_by_default():
    images = FakeImages(ImageFindings())
    screener = Screener(Snapshot.from_dict(ASSETS), images=images)
    result = screener.screen(listing("White sneakers", images=("a.png",)))
    assert images.asked == [("a.png",)] and result.outcome == Outcome.CLEAR
    screener.screen(listing("White sneakers"))
    assert len(images.asked) == 1  # no images, not asked


def test_text_read_from_images_is_matched_like_the_title():
    images = FakeImages(ImageFindings(ocr_text="NORTHWIND 1:1"))
    screener = Screener(Snapshot.from_dict(ASSETS), images=images)
    result = screener.screen(listing("White sneakers", images=("a.png",)))
    assert (result.outcome, result.brand_id) == (Outcome.NOTICE, "nw")
    assert evidence(result, SignalKind.OCR) == ['image text: "NORTHWIND" (keyword "Northwind")']
    assert evidence(result, SignalKind.REPLICA) == ['image text: "1:1"']


def test_an_image_match_names_the_brand_by_itself():
    match = ImageMatch("nw", Signal(SignalKind.IMAGE, "like known counterfeit fake-3.png (distance 4)", 2.5))
    screener = Screener(Snapshot.from_dict(ASSETS), images=FakeImages(ImageFindings(matches=(match,))))
    result = screener.screen(listing("White sneakers", images=("a.png",), price="30"))
    assert (result.outcome, result.brand_id) == (Outcome.NOTICE, "nw")
    assert evidence(result, SignalKind.IMAGE) == ["like known counterfeit fake-3.png (distance 4)"]
