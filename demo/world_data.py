"""The demo world's fixed facts: brands, agent, partner, merchants, product words, logins.

Generated data (listings, orders) is drawn from these with ``random.Random(SEED)``, so
every run builds the same world.
"""

from decimal import ROUND_HALF_UP, Decimal

from portal.roles import PlatformRole

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - a published demo password, never used in production
SEED = 2026
LISTING_COUNT = 3000
LISTING_PREFIX = "DEMO-"
BUYER_PREFIX = "DEMO-BUYER-"
BATCH_SIZE = 500

BRANDS = [
    {
        "name": "Northwind Athletics",
        "country": "DE",
        "website": "https://northwind-athletics.example",
        "mark": "NORTHWIND",
        "keyword": "northwind",
        "obfuscations": ["n0rthwind", "north wind", "nørthwind", "northw1nd"],
        "reference_price": Decimal("129.00"),
        "category": "shoes",
        "products": ["Trail Runner GTX", "Aero Knit Running Shoe", "Stratus Training Shoe", "Vento Racing Flat"],
        "colour": (20, 60, 120),
        "registrations": [("EUIPO", "018234567", [25, 28]), ("USPTO", "6123456", [25])],
    },
    {
        "name": "Lumen Optics",
        "country": "IT",
        "website": "https://lumen-optics.example",
        "mark": "LUMEN",
        "keyword": "lumen",
        "obfuscations": ["1umen", "lumen0ptics", "lu-men"],
        "reference_price": Decimal("189.00"),
        "category": "eyewear",
        "products": ["Polarised Aviator Sunglasses", "Classic Wayfarer", "Titanium Round Frames", "Sport Wrap Shades"],
        "colour": (200, 140, 20),
        "registrations": [("EUIPO", "017998812", [9]), ("USPTO", "5987301", [9])],
    },
    {
        "name": "Aurelia Paris",
        "country": "FR",
        "website": "https://aurelia-paris.example",
        "mark": "AURELIA",
        "keyword": "aurelia",
        "obfuscations": ["aure1ia", "aurelia-style", "aur3lia"],
        "reference_price": Decimal("890.00"),
        "category": "bags",
        "products": ["Quilted Leather Handbag", "Monogram Tote", "Chain Shoulder Bag", "Mini Crossbody Bag"],
        "colour": (110, 20, 50),
        "registrations": [("EUIPO", "016554321", [18, 25]), ("USPTO", "4876543", [18])],
    },
    {
        "name": "Kestrel Audio",
        "country": "GB",
        "website": "https://kestrel-audio.example",
        "mark": "KESTREL",
        "keyword": "kestrel",
        "obfuscations": ["k3strel", "kestre1", "kestrell"],
        "reference_price": Decimal("299.00"),
        "category": "electronics",
        "products": ["Noise Cancelling Headphones", "True Wireless Earbuds", "Studio Monitor Headphones"],
        "colour": (30, 30, 30),
        "registrations": [("EUIPO", "018112233", [9]), ("USPTO", "6054321", [9])],
    },
    {
        "name": "Marlow & Finch",
        "country": "NL",
        "website": "https://marlowfinch.example",
        "mark": "MARLOW & FINCH",
        "keyword": "marlow & finch",
        "obfuscations": ["marlow finch", "marlow+finch", "m&f marlow"],
        "reference_price": Decimal("75.00"),
        "category": "accessories",
        "products": ["Leather Card Wallet", "Woven Leather Belt", "Key Ring Organiser"],
        "colour": (40, 100, 70),
        "registrations": [("EUIPO", "018445566", [18])],
    },
]

AGENT = {"name": "Hale & Partners LLP", "country": "GB", "contact_email": "notices@hale-partners.example"}
AGENT_BRAND = "Lumen Optics"
PARTNER = {"name": "Independent Brands Association", "country": "NL", "contact_email": "vetting@iba.example"}
PARTNER_VETS = "Marlow & Finch"
# The marketplace itself: a partner of kind "marketplace", the one organisation whose keys may ingest listings.
MARKETPLACE = {"name": "Marketplace Operations", "country": "IE", "contact_email": "catalogue@marketplace.example"}

# (legal name, country, [(store, region, city, opened: days before the seed)]). The established shops opened years
# ago; the counterfeit stores (the ones in Yiwu, Hangzhou, Shenzhen and Istanbul, world.py) months ago, just before
# the oldest of their listings (180 days) and the complaint history filed against them: not new enough for
# screening's new-store signal (screening.core.thresholds: merchant_new_store_days).
MERCHANTS = [
    ("Sportivo Retail BV", "NL", [("Sportivo Rotterdam", "Zuid-Holland", "Rotterdam", 3_870)]),
    (
        "Yiwu Bright Trading Co",
        "CN",
        [("BrightDeals Global", "Zhejiang", "Yiwu", 1_120), ("Bright Outlet", "Zhejiang", "Hangzhou", 640)],
    ),
    ("Shenzhen Soundwave Ltd", "CN", [("Soundwave Direct", "Guangdong", "Shenzhen", 236)]),
    ("Casa Bella SRL", "IT", [("Casa Bella Milano", "Lombardia", "Milan", 2_900)]),
    ("Maison Dupont SARL", "FR", [("Dupont Boutique", "Ile-de-France", "Paris", 5_210)]),
    ("Nordic Home AB", "SE", [("Nordic Home Store", "Stockholm", "Stockholm", 1_850)]),
    (
        "Berlin Goods GmbH",
        "DE",
        [("Kiez Kaufhaus", "Berlin", "Berlin", 2_480), ("Kiez Sport", "Berlin", "Berlin", 910)],
    ),
    ("Istanbul Bazaar Ltd", "TR", [("Grand Bazaar Online", "Istanbul", "Istanbul", 205)]),
]
# The one new store: the demo merchant's third, opened days before the seed, after the world's listings were
# drawn. Its only listings are the screening showcase (demo.screening): disguised brands at cut prices, the
# pattern the new-store signal is for.
NEW_STORE = ("Yiwu Bright Trading Co", ("Bright Deals Yiwu", "Zhejiang", "Yiwu", 4))
AUTHORISED = ("Northwind Athletics", "Sportivo Rotterdam")

GENERIC = {
    "shoes": (
        ["Running Shoes", "Canvas Sneakers", "Hiking Boots", "Slip-on Loafers", "Trail Shoes", "Sandals"],
        (25, 140),
    ),
    "eyewear": (["Sunglasses", "Reading Glasses", "Blue Light Glasses", "Ski Goggles"], (9, 90)),
    "bags": (["Backpack", "Tote Bag", "Messenger Bag", "Duffel Bag", "Crossbody Bag", "Laptop Sleeve"], (15, 160)),
    "electronics": (
        ["Bluetooth Speaker", "Wireless Earbuds", "Over-ear Headphones", "USB-C Charger", "Power Bank"],
        (12, 180),
    ),
    "accessories": (["Leather Wallet", "Belt", "Scarf", "Beanie", "Watch Strap", "Keychain"], (5, 60)),
    "home": (["Ceramic Mug", "Scented Candle", "Throw Blanket", "Cushion Cover", "Table Lamp", "Plant Pot"], (6, 90)),
    "kitchen": (["Chef's Knife", "Cast Iron Pan", "Cutting Board", "French Press", "Spice Rack"], (8, 120)),
    "toys": (["Building Blocks Set", "Plush Bear", "Wooden Puzzle", "RC Car", "Kite"], (7, 70)),
    "sports": (["Yoga Mat", "Resistance Bands", "Water Bottle", "Jump Rope", "Dumbbell Set"], (6, 110)),
    "clothing": (
        ["Cotton T-Shirt", "Hoodie", "Rain Jacket", "Chino Trousers", "Wool Sweater", "Running Shorts"],
        (9, 120),
    ),
}
ADJECTIVES = [
    "Classic",
    "Lightweight",
    "Premium",
    "Vintage",
    "Eco",
    "Waterproof",
    "Slim",
    "Everyday",
    "Compact",
    "Deluxe",
]
COLOURS = ["Black", "White", "Navy", "Olive", "Grey", "Sand", "Burgundy", "Sky Blue", "Forest Green", "Charcoal"]
SIZES = ["S", "M", "L", "XL", "EU 38", "EU 42", "EU 44"]
VARIANTS = ["One Size", "Pack of 2", "Set of 3", "2026 Edition", "Gift Box"]
SIZED = {"shoes", "clothing"}
# How a counterfeit listing of the world describes itself (world.py): what tells the demo's counterfeits apart.
COUNTERFEIT_PITCH = "Same as the shop, much cheaper. Fast shipping worldwide."
FAKE_HOOKS = ["Original", "100% Authentic", "Factory Outlet", "Best Replica Quality", "AAA Grade", "New With Tags"]

PLATFORM_USERS = [
    ("demo-reviewer", "Reviewer", PlatformRole.REVIEWER, False),
    ("demo-senior-reviewer", "Senior reviewer", PlatformRole.SENIOR_REVIEWER, False),
    ("demo-admin", "Platform admin", PlatformRole.ADMIN, True),
]


def money(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


DEMO_TIME_ZONES = {
    "demo-brand-owner": "Europe/Paris",
    "demo-brand-staff": "Europe/Paris",
    "demo-agent": "Europe/London",
    "demo-merchant": "Asia/Shanghai",
    "demo-partner": "America/New_York",
    "demo-marketplace": "Europe/Dublin",
    "demo-reviewer": "Europe/Dublin",
    "demo-senior-reviewer": "Europe/Dublin",
}
