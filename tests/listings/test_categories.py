"""listings.categories: banned categories, compared exactly as the screening core compares them."""

import random

import pytest
from django.conf import settings
from django.test import override_settings

from listings.categories import banned_category_message, category_banned, category_key, category_refusal
from screening.core.listing import ListingInput
from screening.core.screener import Screener
from screening.core.snapshot import Snapshot
from screening.core.snapshot import category_key as core_category_key

BANNED = ["Vehicle parts > Airbag components", "Straße", "Ivory products", "Ｆｕｌｌ", "İstanbul rugs"]

# Categories chosen to sit on every edge of the rule: case (Unicode folding: ß, İ, the Kelvin sign, ligatures,
# Greek final sigma), whitespace of every kind, the ">" of a path with and without its spaces, prefixes that
# are not a step, full-width forms (NFKC), blanks.
CATEGORIES = [
    "",
    " ",
    "\t\n",
    "Vehicle parts > Airbag components",
    "vehicle parts > airbag components",
    "VEHICLE PARTS > AIRBAG COMPONENTS",
    "  Vehicle   parts >  Airbag\tcomponents  ",
    "Vehicle\u00a0parts\u2003>\u3000Airbag components",
    "Vehicle parts > Airbag components > Driver",
    "Vehicle parts > Airbag components >",
    "Vehicle parts > Airbag components>Driver",
    "Vehicle parts > Airbag components >> Driver",
    "Vehicle parts>Airbag components",
    "Vehicle parts >Airbag components",
    "Vehicle parts > Airbag componentsX",
    "Vehicle parts > Airbag component",
    "Vehicle parts",
    "Vehicle parts > Mirrors",
    "Airbag components",
    "Ａｉｒｂａｇ components",
    "Straße",
    "STRASSE",
    "strasse > Maps",
    "Strasse>Maps",
    "Strassen",
    "Ivory products",
    "IVORY PRODUCTS > Carvings > Small",
    "Ivory",
    "Ｆｕｌｌ",
    "ｆｕｌｌ",
    "Full",
    "İstanbul rugs",
    "i̇stanbul rugs",
    "Istanbul rugs",
    "\u212aelvin",
    "Kelvin",
    "ﬁsh",
    "fish",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "σίσυφοσ",
    "shoes",
    "Sneakers > Running",
]

STEPS = [
    "Vehicle parts",
    "VEHICLE  PARTS",
    "Airbag components",
    "airbag\u00a0components",
    "Straße",
    "STRASSE",
    "Ivory products",
    "Ｆｕｌｌ",
    "İstanbul rugs",
    "Driver",
    "Σίσυφος",
    "shoes",
    "",
    " ",
]
SEPARATORS = [" > ", ">", " >", "> ", "  >\t", " >> ", " ", ""]


def _generated(count, seed):
    rng = random.Random(seed)  # noqa: S311 (test data)
    categories = []
    for _ in range(count):
        steps = [rng.choice(STEPS) for _ in range(rng.randint(1, 3))]
        text = steps[0]
        for step in steps[1:]:
            text += rng.choice(SEPARATORS) + step
        categories.append(rng.choice(["", " ", "\t"]) + text + rng.choice(["", " ", "\n"]))
    return categories


def _core_blocked(snapshot, category):
    """What the screener decides, through its own code path (Screener._category_key)."""
    key = core_category_key(category) if category else ""
    return bool(key) and snapshot.is_banned(key)


@pytest.mark.parametrize("banned", [BANNED, BANNED[:1], ["Vehicle parts"], []])
def test_listings_and_the_screening_core_agree_on_every_category(banned):
    snapshot = Snapshot.from_dict({"brands": [], "banned_categories": banned})
    cases = CATEGORIES + _generated(3000, seed=11) + [*banned, *(b.upper() + " > x" for b in banned)]
    disagreements = []
    for category in cases:
        assert category_key(category) == core_category_key(category), category
        ours = category_banned(category, banned)
        if (ours is not None) != _core_blocked(snapshot, category):
            disagreements.append((category, ours))
        if ours is not None:
            assert ours in banned
    assert disagreements == []
    # Both sides saw categories of each answer (the cases are not all one way).
    answers = {category_banned(c, banned) is not None for c in cases}
    assert answers == ({True, False} if banned else {False})


def test_a_listing_refused_here_is_what_the_screener_reports_blocked():
    screener = Screener(Snapshot.from_dict({"brands": [], "banned_categories": BANNED}))
    for n, category in enumerate(CATEGORIES):
        result = screener.screen(ListingInput(id=n, title="A plain product", category=category))
        assert (result.outcome == "blocked") == (category_banned(category, BANNED) is not None), category


@pytest.mark.parametrize(
    "category, banned_category",
    [
        ("Vehicle parts > Airbag components", "Vehicle parts > Airbag components"),
        ("  vehicle PARTS >  airbag components ", "Vehicle parts > Airbag components"),
        ("Vehicle parts > Airbag components > Passenger side", "Vehicle parts > Airbag components"),
        ("Vehicle parts > Airbag components>Driver", "Vehicle parts > Airbag components"),  # spaces don't matter
        ("Vehicle parts>Airbag components", "Vehicle parts > Airbag components"),
        ("Ｖｅｈｉｃｌｅ ｐａｒｔｓ > Airbag components", "Vehicle parts > Airbag components"),  # full-width
        ("Airbag components", "Vehicle parts > Airbag components"),  # the banned kind, filed on its own
        ("Cars > Airbag components > Driver", "Vehicle parts > Airbag components"),  # or anywhere else
        ("Vehicle parts > Airbag componentsX", None),
        ("Airbag components covers", None),  # a step is compared whole
        ("Vehicle parts", None),  # the parent of a banned category is allowed
        ("Vehicle parts > Mirrors", None),
        ("strasse", "Straße"),
        ("", None),
    ],
)
def test_a_category_is_banned_when_a_banned_ones_last_step_is_one_of_its_steps(category, banned_category):
    assert category_banned(category, BANNED) == banned_category


def test_the_setting_is_the_default_list():
    assert "Vehicle parts > Airbag components" in settings.LISTING_BANNED_CATEGORIES
    assert category_banned("vehicle parts > airbag components") == "Vehicle parts > Airbag components"
    with override_settings(LISTING_BANNED_CATEGORIES=("Toys > Slingshots",)):
        assert category_banned("Vehicle parts > Airbag components") is None
        assert category_banned("toys > slingshots > metal") == "Toys > Slingshots"
    with override_settings(LISTING_BANNED_CATEGORIES=()):
        assert category_banned("Vehicle parts > Airbag components") is None


def test_the_message_names_the_category_says_it_is_prohibited_and_what_to_do():
    exact = banned_category_message("Vehicle parts > Airbag components", "Vehicle parts > Airbag components")
    assert exact.startswith(
        "The category \u201cVehicle parts > Airbag components\u201d is prohibited on this marketplace"
    )
    inside = banned_category_message("Vehicle parts > Airbag components > Driver", "Vehicle parts > Airbag components")
    assert (
        "\u201cVehicle parts > Airbag components > Driver\u201d falls under \u201cVehicle parts > Airbag components\u201d"
        in inside
    )
    for message in (exact, inside):
        assert "cannot be sold here" in message and "give the product's right category" in message
    assert category_refusal("Vehicle parts > Airbag components > Driver") == ("banned_category", inside)
    assert category_refusal("Vehicle parts > Mirrors") is None
