"""A labelled set of synthetic listings for screening, generated from a seed (issue 11's proof of quality).

    python -m tests.screening.labelled OUTDIR [--seed 11]

writes OUTDIR/ASSETS.json, OUTDIR/LISTINGS.jsonl (``screen_file``'s input) and OUTDIR/LABELS.jsonl
(``{"id", "group", "acceptable": [...], "infringing", "needs"}`` a line), so the same set can be
screened from the shell and compared.

Each case is a listing with the *set* of outcomes a careful reviewer would accept (where reasonable
people could differ, more than one), whether it infringes, and what screening needs to see it:
``text`` (title, description, price, category, store), ``ocr`` (the brand only in an image's
text: ``image_text`` says what the image shows) or ``image`` (a copy of a reference image). The
floors of issue 11 are asserted on the ``text`` cases (tests/screening/test_labelled_set.py); the
image core adds its cases (and renders their images) under the other two.

Groups, and what they are for:

- clean: ``genuine_resale`` (the brand at a normal price, also in Chinese and "not a replica"),
  ``used_goods`` (a moderately low price), ``generic`` (no brand, some replica words or "fake fur"),
  ``ordinary_word_unrelated`` (Harbor and Summit, ordinary words, in unrelated listings),
  ``accessory_for`` ("case for Lumetta X5" at an accessory's price), ``authorised_store``
  (discounts and re-issues from a store the brand authorised), ``genuine_warns_of_fakes`` (copies
  named only to deny them: "not a replica", "we do not sell fakes or replicas", 非高仿);
- ``banned_category``: blocked whatever the text;
- infringing: ``replica_words`` (also obfuscated: "r3plica", "ＡＡＡ quality"), ``obfuscated_name``
  (every disguise: digit and symbol swaps, Cyrillic and Greek look-alikes, full-width, dots,
  spaces, hyphens, underscores, invisible characters, swaps inside spelled-out names),
  ``chinese`` (Chinese titles with 高仿, 原单, 复刻...), ``lookalike`` ("Northwind-inspired"), ``price_only``, ``merchant_linked``,
  ``description_only``, ``ordinary_word_counterfeit``, ``not_opted_in`` (alerts only);
- ``ocr_only``: the brand and the replica words only in an image's caption, rendered with Pillow
  (English and Chinese); ``ocr_hard``: the same with captions hard to read (light text on a dark
  label, turned by a few degrees, recompressed at JPEG quality 40, small print);
- ``image_copy``: no brand in the text, the image a copy of one of the brand's reference images
  (resized, recompressed at JPEG quality 60, cropped, brighter or darker, or all of it); alert;
- ``counterfeit_image``: the image a copy of a known counterfeit's picture, at a low price;
- clean, with images: ``image_unrelated`` (unbranded goods with their own photos, in the brands'
  categories too) and ``image_authorised`` (the brand's own picture, from a store it authorised);
- brands that register misspellings of their own name (``SPELLING_BRANDS``, text only): clean
  ``own_misspelling_genuine`` (the genuine goods at a normal price from an ordinary store, named as
  the brand writes itself: its name, or a plain spelling it registered, "Kestrell") and
  ``own_misspelling_accessory`` (accessories "for" it); infringing ``own_misspelling_disguised``
  (disguises it did not register: "K35tre1", Cyrillic letters, dots...) and
  ``own_registered_disguise`` (a disguise it registered to catch, "K3strel", written so).

Every brand has two reference images and one known counterfeit image (``images/ref-*``,
``images/fake-*``); ``render_images`` draws them and every listing's images (tests/screening/imaging.py)
from each case's recipe (``extra["images"]``), and ``write`` does it beside the files.
"""

import argparse
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tests.screening import imaging

DEFAULT_SEED = 11

BRANDS = [
    {
        "id": "northwind",
        "name": "Northwind",
        "keywords": ["北风", "NW Airstride"],
        "categories": ["Sneakers", "Running shoes"],
        "reference_price": "140.00",
        "currency": "EUR",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": ["s-nw-official", "s-runners-depot"],
    },
    {
        "id": "harbor",
        "name": "Harbor",
        "keywords": [],
        "categories": ["Bags", "Handbags"],
        "reference_price": "216.00",
        "currency": "USD",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": ["s-harbor-store"],
    },
    {
        "id": "vellmora",
        "name": "Vellmora",
        "keywords": ["维尔莫拉"],
        "categories": ["Watches"],
        "reference_price": "900.00",
        "currency": "EUR",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": ["s-time-gallery"],
    },
    {
        "id": "lumetta",
        "name": "Lumetta",
        "keywords": ["Lumetta X5"],
        "categories": ["Phones"],
        "reference_price": "899.00",
        "currency": "EUR",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": ["s-lumetta-official"],
    },
    {
        "id": "summit",
        "name": "Summit",
        "keywords": [],
        "categories": ["Jackets", "Outdoor clothing"],
        "reference_price": "250.00",
        "currency": "EUR",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": [],
    },
    {
        "id": "zephyra",
        "name": "Zephyra",
        "keywords": ["泽菲拉"],
        "categories": ["Perfume"],
        "reference_price": "95.00",
        "currency": "EUR",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": [],
    },
    {
        "id": "tianlu",
        "name": "Tianlu",
        "keywords": ["天鹿"],
        "categories": ["Tea"],
        "reference_price": "780.00",
        "currency": "CNY",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": [],
    },
    {
        "id": "quillmark",
        "name": "Quillmark",
        "keywords": [],
        "categories": ["Pens"],
        "reference_price": "50.00",
        "currency": "EUR",
        "reference_images": [],
        "counterfeit_images": [],
        "authorised_stores": [],
        "proactive_notices": False,
    },
]
# Brands that register misspellings of their own name as keywords (as the demo's Kestrel Audio does): the
# plain ones ("Kestrell", "Marlow Finch") are ways the brand is written, the others ("k3strel") disguises
# it wants caught. Text only: no pictures, so the image cases (and the OCR they cost) stay as they are.
SPELLING_BRANDS = [
    {
        "id": "kestrel",
        "name": "Kestrel",
        "keywords": ["k3strel", "kestre1", "kestrell"],
        "categories": ["Headphones", "Electronics"],
        "reference_price": "299.00",
        "currency": "EUR",
        "authorised_stores": [],
    },
    {
        "id": "orvane",
        "name": "Orvane",
        "keywords": ["0rvane", "orvanne", "Or-Vane"],
        "categories": ["Skincare"],
        "reference_price": "68.00",
        "currency": "EUR",
        "authorised_stores": [],
    },
    {
        "id": "marlowfinch",
        "name": "Marlow & Finch",
        "keywords": ["marlow finch", "marlow+finch", "m4rlow finch"],
        "categories": ["Wallets", "Belts"],
        "reference_price": "75.00",
        "currency": "EUR",
        "authorised_stores": [],
    },
]
# Of each: what it makes, accessories for it (with the categories they are filed in), the plain spellings it
# registered beside its name, and the disguises it registered.
SPELLING_PRODUCTS = {
    "kestrel": ["noise cancelling headphones", "true wireless earbuds", "studio monitor headphones"],
    "orvane": ["vitamin C serum 30ml", "night cream 50ml", "hyaluronic toner"],
    "marlowfinch": ["leather card wallet", "woven leather belt", "bifold wallet"],
}
SPELLING_ACCESSORIES = {
    "kestrel": (["replacement ear pads", "3.5 mm audio cable", "hard carrying case"], "Accessories"),
    "orvane": (["travel pump bottles", "refill pouch holder"], "Beauty accessories"),
    "marlowfinch": (["leather care balm", "belt hole punch"], "Accessories"),
}
SPELLING_PLAIN = {"kestrel": ["Kestrell"], "orvane": ["Orvanne", "Or-Vane"], "marlowfinch": ["Marlow Finch"]}
SPELLING_REGISTERED_DISGUISES = {
    "kestrel": ["K3strel", "KESTRE1"],
    "orvane": ["0rvane"],
    "marlowfinch": ["M4rlow Finch"],
}
BANNED_CATEGORIES = ["Airbag components", "Ivory products", "Prescription drugs"]

# The brands' pictures: two reference images and one known counterfeit image each (product scenes drawn
# from a seed, see reference_recipe).
for _brand in BRANDS:
    _brand["reference_images"] = [f"images/ref-{_brand['id']}-{n}.png" for n in (1, 2)]
    _brand["counterfeit_images"] = [f"images/fake-{_brand['id']}-1.png"]

# The edits a copier makes to a picture (tests/screening/imaging.py), by name.
IMAGE_EDITS = {
    "resized to 60%": lambda image: imaging.resized(image, 0.6),
    "JPEG quality 60": lambda image: imaging.recompressed(image, 60),
    "5% cut top left": lambda image: imaging.cropped(image, left=0.05, top=0.05),
    "5% cut right": lambda image: imaging.cropped(image, right=0.05),
    "20% brighter": lambda image: imaging.brightened(image, 1.2),
    "20% darker": lambda image: imaging.brightened(image, 0.8),
    "all of it": lambda image: imaging.recompressed(
        imaging.brightened(imaging.cropped(imaging.resized(image, 0.7), left=0.03, bottom=0.04), 1.2), 60
    ),
}


def brand_image_seed(path):
    """The seed a brand picture is drawn from: its brand's place and its number, unrelated to listing photos."""
    kind, brand_id, number = Path(path).stem.split("-")
    index = [brand["id"] for brand in BRANDS].index(brand_id)
    return (5000 if kind == "ref" else 6000) + 10 * index + int(number)


def render_image(recipe):
    """A PIL image from a recipe: ("brand", path), ("copy", brand path, edit), ("text", seed, lines), ("product", seed)."""
    kind = recipe[0]
    if kind == "brand":
        return imaging.product_image(brand_image_seed(recipe[1]))
    if kind == "copy":
        return IMAGE_EDITS[recipe[2]](imaging.product_image(brand_image_seed(recipe[1])))
    if kind == "text":
        return imaging.text_image(recipe[1], list(recipe[2]))
    if kind == "hard text":  # ("hard text", seed, lines, one of OCR_HARD_WAYS)
        options, edit = OCR_HARD_WAYS[recipe[3]]
        image = imaging.text_image(recipe[1], list(recipe[2]), **options)
        return edit(image) if edit else image
    if kind == "product":
        return imaging.product_image(recipe[1])
    raise ValueError(recipe)


def render_images(directory, cases):
    """Draws the brands' pictures and every case's images under ``directory`` (paths as the files give them)."""
    directory = Path(directory)
    recipes = {}
    for brand in BRANDS:
        for path in [*brand["reference_images"], *brand["counterfeit_images"]]:
            recipes[path] = ("brand", path)
    for case in cases:
        recipes.update(case.extra.get("images", {}))
    for path, recipe in recipes.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        image = render_image(recipe)
        image.save(target, format="JPEG" if target.suffix == ".jpg" else "PNG", quality=90)
    return len(recipes)


# What each brand makes, in English and in Chinese, and accessories for it.
PRODUCTS = {
    "northwind": (["sneakers", "running shoes", "trainers", "high-top sneakers", "trail runners"], ["运动鞋", "跑鞋"]),
    "harbor": (["tote bag", "leather handbag", "crossbody bag", "shoulder bag"], ["手提包", "单肩包"]),
    "vellmora": (["automatic watch", "chronograph watch", "diver watch", "dress watch"], ["手表", "机械表"]),
    "lumetta": (["smartphone 256GB", "5G phone 128GB", "smartphone, dual SIM"], ["手机"]),
    "summit": (["down jacket", "rain jacket", "fleece jacket", "parka"], ["羽绒服", "冲锋衣"]),
    "zephyra": (["eau de parfum 50ml", "perfume 100ml", "eau de toilette"], ["香水"]),
    "tianlu": (["oolong tea gift box", "green tea 250g"], ["茶叶礼盒", "乌龙茶"]),
    "quillmark": (["fountain pen", "ballpoint pen set"], ["钢笔"]),
}
ACCESSORIES = {
    "northwind": ["laces", "insoles", "shoe cleaning kit", "shoe trees"],
    "harbor": ["bag strap", "purse organizer insert"],
    "vellmora": ["watch strap", "watch winder", "crystal protector"],
    "lumetta": ["phone case", "screen protector", "charging cable", "tempered glass", "silicone case"],
    "summit": ["replacement zipper pulls"],
    "zephyra": ["travel atomizer"],
    "quillmark": ["ink cartridges", "refills"],
}
CHINESE_ACCESSORIES = {"northwind": "鞋带", "vellmora": "表带", "zephyra": "分装瓶"}
STRONG_REPLICA = ["AAA quality", "1:1", "mirror quality", "top copy", "super fake", "AAA grade", "high copy"]
OBFUSCATED_REPLICA = [
    "r3plica",
    "R.E.P.L.I.C.A",
    "ＡＡＡ Quality",
    "1：1",
    "M1rror quality",
    "REPL1CA",
    "ＲＥＰＬＩＣＡ",
]
CHINESE_REPLICA = ["高仿", "原单", "精仿", "1比1", "仿品", "复刻", "A货", "超A"]
OBFUSCATIONS = [
    "leet",
    "symbols",
    "cyrillic",
    "greek",
    "fullwidth",
    "dots",
    "spaces",
    "hyphens",
    "underscores",
    "zero_width",
    "leet_spelled",
    "mixed_case_leet",
]
COLOURS = ["black", "white", "navy", "red", "beige", "olive", "grey"]
BENIGN = [
    "Fast shipping from our warehouse.",
    "Returns accepted within 30 days.",
    "Comes in the original box.",
    "Please check the size chart before ordering.",
    "Ships within 2 business days.",
    "Gift wrapping available.",
    "Smoke-free home.",
    "Ask me anything about it.",
    "",
]
GENERIC = [
    ("Men's running shoes, breathable mesh", "Sneakers", 35),
    ("Leather tote bag for women", "Bags", 45),
    ("Stainless steel automatic watch", "Watches", 120),
    ("Unlocked 5G smartphone 128GB", "Phones", 199),
    ("Waterproof hiking jacket", "Jackets", 60),
    ("Floral eau de parfum 50ml", "Perfume", 25),
    ("Oolong tea gift box 200g", "Tea", 18),
    ("Fountain pen with converter", "Pens", 12),
    ("Vintage world map poster, replica of a 1750 print", "Posters", 9),
    ("AAA batteries, 24 pack", "Electronics", 8),
    ("1:1 scale model of a medieval sword (decor, blunt)", "Decor", 70),
    ("Fake fur throw blanket, 150x200", "Home", 30),
    ("Imitation leather notebook cover", "Stationery", 7),
    ("Faux leather biker jacket", "Jackets", 55),
    ("Replica Roman coin set for teaching history", "Toys", 15),
    ("Copy paper A4, 500 sheets", "Stationery", 5),
    ("USB-C charging cable 2m", "Phone accessories", 6),
    ("Kids' light-up trainers", "Sneakers", 22),
    ("Canvas backpack, 20 L", "Bags", 28),
    ("Digital kitchen scale", "Home", 14),
    ("Bamboo sunglasses", "Accessories", 16),
    ("Ceramic tea cups, set of 6", "Tea", 19),
    ("Ballpoint pens, 10 pack", "Pens", 4),
    ("Silk scarf with paisley print", "Accessories", 21),
    ("Wireless earbuds with case", "Electronics", 24),
    ("Yoga mat, non-slip", "Sports", 17),
    ("运动鞋 男款 透气", "Sneakers", 30),
    ("女士单肩包 真皮", "Bags", 40),
    ("绿茶 250克 新茶", "Tea", 12),
    ("Look-alike lamp shade for IKEA lamps", "Lamps", 11),
]
ORDINARY_UNRELATED = [
    ("harbor", "Harbor view canvas print, 60x40", "Posters"),
    ("harbor", "Sunset over the harbor, framed photo", "Posters"),
    ("harbor", "Harbor seal plush toy", "Toys"),
    ("harbor", "Boston Harbor map, vintage style", "Posters"),
    ("harbor", "Harbor lights LED string, 10 m", "Lamps"),
    ("harbor", "Model ship for the harbor diorama", "Toys"),
    ("harbor", "Safe harbor: a novel (paperback)", "Books"),
    ("harbor", "Harbor blue wall paint, 2.5 L", "Home"),
    ("harbor", "Harbour and harbor: a sailing guide", "Books"),
    ("harbor", "Lobster trap decor from a Maine harbor", "Decor"),
    ("summit", "Summit of Everest, photo print", "Posters"),
    ("summit", "Mountain summit jigsaw puzzle, 1000 pieces", "Toys"),
    ("summit", "Summit meeting notebook, A5 dotted", "Stationery"),
    ("summit", "Trekking poles for your next summit", "Sports"),
    ("summit", "Summit County trail map", "Books"),
    ("summit", "Summit cross climbing keychain", "Accessories"),
    ("summit", "Business summit lanyards, 50 pack", "Stationery"),
    ("summit", "Reach the summit motivational poster", "Posters"),
    ("summit", "Summit fever: a climbing memoir", "Books"),
    ("summit", "Summit ridge 3D printed relief", "Decor"),
]
# Ordinary words outside their brand's categories beside replica words: a reviewer could go either way.
ORDINARY_WITH_REPLICA = [
    ("harbor", "Harbor at dawn oil painting, museum replica", "Posters"),
    ("summit", "Summit cross replica for climbers' memorial", "Decor"),
]
BANNED = [
    ("Driver airbag module for steering wheel", "Airbag components"),
    ("Passenger airbag, used, tested", "Airbag components"),
    ("Northwind branded airbag cover", "Airbag components"),
    ("Seat belt pretensioner and airbag set", "Airbag components"),
    ("Carved ivory figurine", "Ivory products"),
    ("Antique ivory chess set", "Ivory products"),
    ("Ivory bangle, vintage", "Ivory products"),
    ("Vellmora watch with ivory dial", "Ivory products"),
    ("Antibiotics 500mg, no prescription needed", "Prescription drugs"),
    ("Painkillers strong, 100 tablets", "Prescription drugs"),
    ("Sleeping pills fast delivery", "Prescription drugs"),
    ("Weight loss pills (prescription)", "Prescription drugs"),
    ("Airbag ECU module reset", "airbag components"),
    ("安全气囊 模块", "Airbag Components"),
    ("Ivory carving, Tianlu tea scene", "Ivory products > Carvings"),
]
OCR_ONLY = [
    ("northwind", "Running shoes, white", "Sneakers", "NORTHWIND AAA QUALITY"),
    ("northwind", "运动鞋 新款", "Sneakers", "北风 高仿"),
    ("vellmora", "Automatic watch, steel", "Watches", "VELLMORA 1:1"),
    ("harbor", "Leather tote bag", "Bags", "HARBOR MIRROR QUALITY"),
    ("lumetta", "5G smartphone 256GB", "Phones", "LUMETTA X5 REPLICA"),
    ("zephyra", "Perfume 100ml", "Perfume", "ZEPHYRA SUPER FAKE"),
    ("summit", "Down jacket, warm", "Jackets", "SUMMIT TOP COPY"),
    ("tianlu", "乌龙茶 礼盒", "Tea", "天鹿 精仿"),
]
# Captions made hard to read the ways photos are: light text on a dark label, turned by a few degrees,
# recompressed hard, small print. (brand, title, category, caption, how; the style, the edit or the font.)
OCR_HARD = [
    ("northwind", "Trainers, size 42", "Sneakers", "NORTHWIND REPLICA", "light on dark"),
    ("vellmora", "Watch, automatic", "Watches", "VELLMORA AAA QUALITY", "light on dark"),
    ("lumetta", "Smartphone 128GB", "Phones", "LUMETTA X5 1:1", "turned 4 degrees"),
    ("zephyra", "Eau de parfum 50ml", "Perfume", "ZEPHYRA REPLICA", "turned -3 degrees"),
    ("harbor", "Shoulder bag", "Bags", "HARBOR SUPER FAKE", "JPEG quality 40"),
    ("summit", "Rain jacket", "Jackets", "SUMMIT AAA QUALITY", "JPEG quality 40"),
    ("northwind", "Running shoes, grey", "Running shoes", "NORTHWIND 1:1", "small print"),
    ("vellmora", "Dress watch", "Watches", "VELLMORA REPLICA", "small print"),
]
OCR_HARD_WAYS = {
    "light on dark": ({"style": "dark"}, None),
    "turned 4 degrees": ({}, lambda image: imaging.rotated(image, 4)),
    "turned -3 degrees": ({}, lambda image: imaging.rotated(image, -3)),
    "JPEG quality 40": ({}, lambda image: imaging.recompressed(image, 40)),
    "small print": ({"font_px": (20, 26)}, None),
}
CYRILLIC = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "s": "ѕ", "h": "һ",
            "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т"}  # fmt: skip
GREEK = {"A": "Α", "B": "Β", "E": "Ε", "Z": "Ζ", "H": "Η", "I": "Ι", "K": "Κ", "M": "Μ", "N": "Ν", "O": "Ο",
         "P": "Ρ", "T": "Τ", "Y": "Υ", "X": "Χ", "o": "ο", "v": "ν", "i": "ι", "u": "υ", "a": "α"}  # fmt: skip
LEET = {"o": "0", "i": "1", "e": "3", "a": "4", "s": "5", "t": "7", "l": "1"}


@dataclass(frozen=True)
class Case:
    listing: dict  # a LISTINGS.jsonl object (and "merchant" facts where the case has them)
    acceptable: frozenset  # outcomes a careful reviewer would accept
    infringing: bool | None  # None: a banned category, judged by "blocked" alone
    group: str
    needs: str = "text"  # "text", "ocr" (image_text is what the image shows) or "image"
    note: str = ""
    image_text: str = ""
    extra: dict = field(default_factory=dict)

    def label(self):
        return {
            "id": self.listing["id"],
            "group": self.group,
            "acceptable": sorted(self.acceptable),
            "infringing": self.infringing,
            "needs": self.needs,
            "note": self.note,
            "image_text": self.image_text,
        }


def obfuscate(name, kind, rng):
    """The brand's name disguised one way (each way changes at least one character)."""
    letters = list(name)
    if kind in ("leet", "mixed_case_leet"):
        spots = [i for i, c in enumerate(letters) if c.lower() in LEET and i > 0]
        for i in rng.sample(spots, k=max(1, min(len(spots), rng.randint(1, 3)))):
            letters[i] = LEET[letters[i].lower()]
        if kind == "mixed_case_leet":
            letters = [c.upper() if rng.random() < 0.5 else c.lower() for c in letters]
        return "".join(letters)
    if kind == "symbols":
        if letters[0].lower() == "s":
            letters[0] = "$"
        spots = [i for i in range(1, len(letters) - 1) if letters[i] in "ai"]
        for i in spots[:2]:
            letters[i] = "@" if letters[i] == "a" else "!"
        return "".join(letters)
    if kind in ("cyrillic", "greek"):
        table = CYRILLIC if kind == "cyrillic" else GREEK
        spots = [i for i, c in enumerate(letters) if c in table]
        for i in rng.sample(spots, k=max(1, min(len(spots), rng.randint(1, 3)))):
            letters[i] = table[letters[i]]
        return "".join(letters)
    if kind == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    if kind == "dots":
        return ".".join(letters if rng.random() < 0.5 else [c.upper() for c in letters])
    if kind == "spaces":
        return " ".join(letters)
    if kind == "hyphens":
        return "-".join(letters)
    if kind == "underscores":
        return "_".join(letters)
    if kind == "zero_width":
        cut = rng.randint(1, len(name) - 1)
        return name[:cut] + rng.choice(["\u200b", "\u200d", "\u00ad"]) + name[cut:]
    if kind == "leet_spelled":
        swapped = obfuscate(name, "leet", rng)
        return rng.choice(["-", " ", "."]).join(swapped)
    raise ValueError(kind)


class _Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.cases = []
        self.brands = {brand["id"]: brand for brand in BRANDS + SPELLING_BRANDS}

    # --- helpers ------------------------------------------------------------------------------

    def add(self, group, title, *, acceptable, infringing, category, price, currency="EUR", store=None, **more):
        number = len(self.cases) + 1
        listing = {
            "id": f"L{number:04d}",
            "store": store or f"s-{self.rng.randint(1000, 9999)}",
            "title": title,
            "description": more.pop("description", self.rng.choice(BENIGN)),
            "category": category,
            "price": f"{Decimal(price):.2f}",
            "currency": currency,
            "images": more.pop("images", []),
        }
        if "merchant" in more:
            listing["merchant"] = more.pop("merchant")
        self.cases.append(Case(listing, frozenset(acceptable), infringing, group, **more))

    def price(self, brand_id, low, high, currency=None):
        """(price, currency): a share between low and high of the brand's reference, in some currency."""
        brand = self.brands[brand_id]
        currency = currency or self.rng.choice(["EUR", "EUR", "USD", "CNY"])
        per_euro = {"EUR": Decimal("1"), "USD": Decimal("1.08"), "CNY": Decimal("7.8")}
        euros = Decimal(brand["reference_price"]) / per_euro[brand["currency"]]
        share = Decimal(str(round(self.rng.uniform(low, high), 3)))
        return (euros * share * per_euro[currency]).quantize(Decimal("0.01")), currency

    def product(self, brand_id):
        return self.rng.choice(PRODUCTS[brand_id][0])

    def category(self, brand_id):
        return self.rng.choice(self.brands[brand_id]["categories"])

    def chinese_keyword(self, brand_id):
        return next((k for k in self.brands[brand_id]["keywords"] if not k.isascii()), None)

    def brand_ids(self, *, chinese=False, exclude=()):
        ids = [b["id"] for b in BRANDS if b["id"] not in exclude and (not chinese or self.chinese_keyword(b["id"]))]
        return ids

    # --- clean --------------------------------------------------------------------------------

    def genuine_resale(self, count):
        templates = [
            "{brand} {product}",
            "{brand} {product}, {colour}",
            "Authentic {brand} {product}, original box",
            "New {brand} {product} - 100% genuine, not a replica",
            "{brand} {product} size {size}",
            "{brand} {product} | fast shipping",
            "NEW {BRAND} {PRODUCT}",
            "Genuine {brand} {product}, no fakes",
        ]
        for index in range(count):
            brand_id = self.rng.choice(self.brand_ids())
            name = self.brands[brand_id]["name"]
            price, currency = self.price(brand_id, 0.75, 1.2)
            chinese = self.chinese_keyword(brand_id)
            if chinese and index % 5 == 0:
                title = f"{chinese}{self.rng.choice(PRODUCTS[brand_id][1])} 正品 全新"
            else:
                product = self.product(brand_id)
                title = self.rng.choice(templates).format(
                    brand=name,
                    product=product,
                    BRAND=name.upper(),
                    PRODUCT=product.upper(),
                    colour=self.rng.choice(COLOURS),
                    size=self.rng.randint(36, 46),
                )
            self.add(
                "genuine_resale",
                title,
                acceptable={"clear"},
                infringing=False,
                category=self.category(brand_id),
                price=price,
                currency=currency,
            )

    def used_goods(self, count):
        templates = [
            "Used {brand} {product}",
            "Pre-owned {brand} {product}, good condition",
            "{brand} {product} (worn)",
        ]
        for _ in range(count):
            brand_id = self.rng.choice(self.brand_ids(exclude=("tianlu", "zephyra")))
            price, currency = self.price(brand_id, 0.32, 0.6)
            title = self.rng.choice(templates).format(
                brand=self.brands[brand_id]["name"], product=self.product(brand_id)
            )
            self.add(
                "used_goods",
                title,
                acceptable={"clear", "alert"},
                infringing=False,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                note="second-hand at a lower price",
            )

    def generic(self):
        for title, category, euros in GENERIC:
            self.add("generic", title, acceptable={"clear"}, infringing=False, category=category, price=euros)

    def ordinary_unrelated(self):
        for brand_id, title, category in ORDINARY_UNRELATED:
            self.add(
                "ordinary_word_unrelated",
                title,
                acceptable={"clear"},
                infringing=False,
                category=category,
                price=self.rng.choice([3, 5, 8, 12, 19, 25]),
                note=f"{brand_id} is an ordinary word",
            )
        for brand_id, title, category in ORDINARY_WITH_REPLICA:
            self.add(
                "ordinary_word_unrelated",
                title,
                acceptable={"clear", "alert"},
                infringing=False,
                category=category,
                price=self.rng.choice([15, 40]),
                note=f"{brand_id} is an ordinary word, beside a replica word outside its categories",
            )

    def accessory_for(self, count):
        templates = [
            "{accessory} for {brand} {product}",
            "{Accessory} compatible with {brand}",
            "{brand}-compatible {accessory}",
            "Replacement {accessory} for {brand}",
            "{Accessory} fits {brand} {product}",
        ]
        ids = list(ACCESSORIES)
        for index in range(count):
            brand_id = self.rng.choice(ids)
            name = self.brands[brand_id]["name"]
            accessory = self.rng.choice(ACCESSORIES[brand_id])
            if brand_id in CHINESE_ACCESSORIES and index % 6 == 0:
                title = (
                    f"适用于{self.chinese_keyword(brand_id)}{PRODUCTS[brand_id][1][0]} {CHINESE_ACCESSORIES[brand_id]}"
                )
            else:
                title = self.rng.choice(templates).format(
                    accessory=accessory,
                    Accessory=accessory.capitalize(),
                    brand=name,
                    product=self.product(brand_id).split(",")[0],
                )
            category = self.category(brand_id) if index % 3 == 0 else "Accessories"
            self.add(
                "accessory_for",
                title,
                acceptable={"clear"},
                infringing=False,
                category=category,
                price=self.rng.choice([4.99, 7.5, 9.9, 12, 15, 19.99, 24, 29]),
                note="an accessory for the brand's product, at an accessory's price",
            )

    def authorised_store(self, count):
        templates = [
            "{brand} {product} - official store",
            "{brand} {product}, outlet -60%",
            "{brand} {product} clearance",
            "{brand} retro {product}, 复刻版 re-issue",
            "{brand} {product} factory second",
        ]
        ids = [b for b in self.brands if self.brands[b]["authorised_stores"]]
        for _ in range(count):
            brand_id = self.rng.choice(ids)
            price, currency = self.price(brand_id, 0.2, 1.1)
            title = self.rng.choice(templates).format(
                brand=self.brands[brand_id]["name"], product=self.product(brand_id)
            )
            self.add(
                "authorised_store",
                title,
                acceptable={"clear"},
                infringing=False,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                store=self.rng.choice(self.brands[brand_id]["authorised_stores"]),
                note="the brand authorised this store",
            )

    def genuine_warns_of_fakes(self):
        """Genuine sellers who mention copies only to deny them, or to warn of others' (the last ones read
        like copies to a matcher of words: either outcome is acceptable)."""
        cases = [
            ("Genuine {brand} {product} - beware of replicas", "", {"clear"}),
            ("{brand} {product}. We do not sell fakes or replicas.", "", {"clear"}),
            ("{brand} {product}, 100% authentic, no AAA quality copies here", "", {"clear"}),
            ("Original {brand} {product} (not a 1:1 copy)", "", {"clear"}),
            ("{zh}{zh_product} 正品 非高仿", "", {"clear"}),
            ("{brand} {product}, authentic", "Not fake, not replica, bought in the official store.", {"clear"}),
            ("{brand} {product}, authentic", "Many sellers here offer replicas; ours comes with the receipt.", {"clear", "alert"}),
            ("{brand} {product} original", "Compare with the fake ones: ours has the serial number.", {"clear", "alert"}),
        ]  # fmt: skip
        for title, description, acceptable in cases:
            brand_id = self.rng.choice(self.brand_ids(chinese="{zh}" in title))
            price, currency = self.price(brand_id, 0.8, 1.1)
            self.add(
                "genuine_warns_of_fakes",
                title.format(
                    brand=self.brands[brand_id]["name"],
                    product=self.product(brand_id),
                    zh=self.chinese_keyword(brand_id),
                    zh_product=PRODUCTS[brand_id][1][0],
                ),
                acceptable=acceptable,
                infringing=False,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                description=description,
            )

    # --- banned -------------------------------------------------------------------------------

    def banned(self):
        for title, category in BANNED:
            self.add(
                "banned_category",
                title,
                acceptable={"blocked"},
                infringing=None,
                category=category,
                price=self.rng.choice([20, 80, 150]),
            )

    # --- infringing ---------------------------------------------------------------------------

    def replica_words(self, count):
        templates = [
            "{brand} {product} {term}",
            "{term} {brand} {product}",
            "{brand} {product} - {term}, free shipping",
            "[{term}] {brand} {product}",
        ]
        for index in range(count):
            brand_id = self.rng.choice(self.brand_ids(exclude=("quillmark",)))
            name = self.brands[brand_id]["name"]
            low = index % 2 == 0
            price, currency = self.price(brand_id, 0.08, 0.3) if low else self.price(brand_id, 0.7, 1.1)
            description = self.rng.choice(BENIGN)
            if index % 7 == 3:
                title = f"{name} {self.product(brand_id)}"
                description = f"{self.rng.choice(STRONG_REPLICA)}, same as the original."
            elif index % 7 == 5:
                title = self.rng.choice(templates).format(
                    brand=name, product=self.product(brand_id), term=self.rng.choice(OBFUSCATED_REPLICA)
                )
            else:
                term = self.rng.choice(STRONG_REPLICA + ["replica"])
                title = self.rng.choice(templates).format(brand=name, product=self.product(brand_id), term=term)
            self.add(
                "replica_words",
                title,
                acceptable={"notice", "alert"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                description=description,
            )

    def obfuscated_name(self, rounds):
        for _ in range(rounds):
            for kind in OBFUSCATIONS:
                disguised = name = ""
                while disguised == name:  # not every name has a letter for every disguise ("@" needs an inner "a")
                    brand_id = self.rng.choice(self.brand_ids(exclude=("quillmark",)))
                    name = self.brands[brand_id]["name"]
                    disguised = obfuscate(name, kind, self.rng)
                low = self.rng.random() < 0.5
                price, currency = self.price(brand_id, 0.1, 0.3) if low else self.price(brand_id, 0.7, 1.1)
                title = f"{disguised} {self.product(brand_id)}"
                if self.rng.random() < 0.3:
                    title = f"{title}, {self.rng.choice(COLOURS)}"
                self.add(
                    "obfuscated_name",
                    title,
                    acceptable={"alert", "notice"},
                    infringing=True,
                    category=self.category(brand_id),
                    price=price,
                    currency=currency,
                    note=f"disguised: {kind}",
                    extra={"obfuscation": kind},
                )

    def chinese(self, count):
        for index in range(count):
            brand_id = self.rng.choice(self.brand_ids(chinese=True))
            keyword = self.chinese_keyword(brand_id)
            term = self.rng.choice(CHINESE_REPLICA)
            product = self.rng.choice(PRODUCTS[brand_id][1])
            price, _ = self.price(brand_id, 0.08, 0.35, "CNY")
            if index % 4 == 1:
                title = f"{keyword}{self.brands[brand_id]['name']}{product} {term} 包邮"
            else:
                title = self.rng.choice(
                    [f"{keyword}{product} {term}", f"【{term}】{keyword}{product}", f"{term}{keyword}{product} 新款"]
                )
            self.add(
                "chinese",
                title,
                acceptable={"notice", "alert"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency="CNY",
                description=self.rng.choice(["", "支持验货", "七天无理由退换"]),
            )

    def lookalike(self, count):
        templates = ["{brand}-inspired {product}", "{brand} style {product}, dupe", "{brand} lookalike {product}"]
        for _ in range(count):
            brand_id = self.rng.choice(self.brand_ids(exclude=("quillmark",)))
            price, currency = self.price(brand_id, 0.2, 0.9)
            title = self.rng.choice(templates).format(
                brand=self.brands[brand_id]["name"], product=self.product(brand_id)
            )
            self.add(
                "lookalike",
                title,
                acceptable={"alert", "notice"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                note="sells on the brand's name as a lookalike",
            )

    def price_only(self, count):
        for _ in range(count):
            brand_id = self.rng.choice(self.brand_ids(exclude=("quillmark",)))
            price, currency = self.price(brand_id, 0.05, 0.28)
            self.add(
                "price_only",
                f"{self.brands[brand_id]['name']} {self.product(brand_id)}",
                acceptable={"alert"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                note="far below the reference price, nothing else",
            )

    def merchant_linked(self, count):
        for index in range(count):
            brand_id = self.rng.choice(self.brand_ids(exclude=("quillmark",)))
            price, currency = self.price(brand_id, 0.7, 1.0)
            facts = {
                "linked_to_banned": True,
                "linked_to_banned_evidence": "same payout account as banned store s-0042",
            }
            if index % 2:
                facts.update(store_age_days=self.rng.randint(1, 20), past_penalty_points=self.rng.choice([12, 18, 30]))
            self.add(
                "merchant_linked",
                f"{self.brands[brand_id]['name']} {self.product(brand_id)}",
                acceptable={"alert"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                merchant=facts,
                note="a store linked to a banned merchant",
            )

    def description_only(self, count):
        for _ in range(count):
            brand_id = self.rng.choice(self.brand_ids(exclude=("quillmark", "harbor", "summit")))
            name = self.brands[brand_id]["name"]
            product = self.product(brand_id)
            price, currency = self.price(brand_id, 0.1, 0.9)
            self.add(
                "description_only",
                f"{product.capitalize()} {self.rng.choice(STRONG_REPLICA)}",
                acceptable={"alert"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                description=self.rng.choice(
                    [f"{name} style, same factory.", f"Looks exactly like {name}.", f"As {name}, 1:1."]
                ),
                note="the brand only in the description",
            )

    def ordinary_counterfeit(self, count):
        for index in range(count):
            brand_id = self.rng.choice(["harbor", "summit"])
            name = self.brands[brand_id]["name"]
            if index % 3 == 2:
                name = obfuscate(name, "leet", self.rng)
                price, currency = self.price(brand_id, 0.7, 1.0)
                title = f"{name} {self.product(brand_id)}"
            else:
                price, currency = self.price(brand_id, 0.1, 1.0)
                title = f"{name} {self.product(brand_id)} {self.rng.choice(STRONG_REPLICA)}"
            self.add(
                "ordinary_word_counterfeit",
                title,
                acceptable={"notice", "alert"},
                infringing=True,
                category=self.category(brand_id),
                price=price,
                currency=currency,
                note="an ordinary-word brand inside its categories",
            )

    def not_opted_in(self, count):
        for _ in range(count):
            price, currency = self.price("quillmark", 0.1, 0.3)
            self.add(
                "not_opted_in",
                f"Quillmark {self.product('quillmark')} {self.rng.choice(STRONG_REPLICA)}",
                acceptable={"alert"},
                infringing=True,
                category="Pens",
                price=price,
                currency=currency,
                note="Quillmark has not opted in to proactive notices",
            )

    def ocr_only(self):
        for index, (brand_id, title, category, text) in enumerate(OCR_ONLY, start=1):
            price, currency = self.price(brand_id, 0.1, 0.3)
            self.add(
                "ocr_only",
                title,
                acceptable={"notice", "alert"},
                infringing=True,
                category=category,
                price=price,
                currency=currency,
                images=[f"images/ocr-{index:03d}.png"],
                needs="ocr",
                image_text=text,
                note="the brand only in the image",
                extra={"images": {f"images/ocr-{index:03d}.png": ("text", 8000 + index, (text,))}},
            )

    def ocr_hard(self):
        """The brand only in a caption that is hard to read (OCR_HARD): alert or notice."""
        for index, (brand_id, title, category, text, way) in enumerate(OCR_HARD, start=1):
            price, currency = self.price(brand_id, 0.1, 0.3)
            path = f"images/ocr-hard-{index:03d}.png"
            self.add(
                "ocr_hard",
                title,
                acceptable={"notice", "alert"},
                infringing=True,
                category=category,
                price=price,
                currency=currency,
                images=[path],
                needs="ocr",
                image_text=text,
                note=f"the brand only in the image ({way})",
                extra={"images": {path: ("hard text", 8100 + index, (text,), way)}, "ocr_way": way},
            )

    def image_copy(self, per_brand):
        """No brand in the text; the picture is a copy of the brand's own (edited): alert (or notice)."""
        edits = list(IMAGE_EDITS)
        for brand in BRANDS:
            for number in range(per_brand):
                source = brand["reference_images"][number % len(brand["reference_images"])]
                edit = edits[(len(self.cases) + number) % len(edits)]
                path = f"images/copy-{len(self.cases) + 1:04d}.jpg"
                price, currency = self.price(brand["id"], 0.6, 1.0)
                self.add(
                    "image_copy",
                    self.rng.choice(PRODUCTS[brand["id"]][0]).capitalize(),
                    acceptable={"alert", "notice"},
                    infringing=True,
                    category=self.category(brand["id"]),
                    price=price,
                    currency=currency,
                    images=[path],
                    needs="image",
                    note=f"a copy of {source} ({edit})",
                    extra={"images": {path: ("copy", source, edit)}, "edit": edit},
                )

    def counterfeit_image(self):
        """The picture of a known counterfeit (edited) at a low price."""
        edits = list(IMAGE_EDITS)
        for index, brand in enumerate(BRANDS):
            source = brand["counterfeit_images"][0]
            edit = edits[index % len(edits)]
            path = f"images/copy-{len(self.cases) + 1:04d}.jpg"
            price, currency = self.price(brand["id"], 0.15, 0.35)
            self.add(
                "counterfeit_image",
                self.rng.choice(PRODUCTS[brand["id"]][0]).capitalize(),
                acceptable={"notice", "alert"} if brand.get("proactive_notices", True) else {"alert"},
                infringing=True,
                category=self.category(brand["id"]),
                price=price,
                currency=currency,
                images=[path],
                needs="image",
                note=f"a copy of the known counterfeit {source} ({edit})",
                extra={"images": {path: ("copy", source, edit)}, "edit": edit},
            )

    def image_unrelated(self, count):
        """Unbranded goods with their own photos (two each, sometimes), in the brands' categories too: clear."""
        for index in range(count):
            title, category, euros = GENERIC[index % len(GENERIC)]
            paths = [f"images/photo-{len(self.cases) + 1:04d}-{n}.jpg" for n in range(1 + index % 2)]
            self.add(
                "image_unrelated",
                title,
                acceptable={"clear"},
                infringing=False,
                category=category,
                price=euros,
                images=paths,
                needs="image",
                extra={"images": {path: ("product", 7000 + 10 * index + n) for n, path in enumerate(paths)}},
            )

    def image_authorised(self):
        """The brand's own picture, from a store the brand authorised: clear."""
        for brand in BRANDS:
            if not brand["authorised_stores"]:
                continue
            source = brand["reference_images"][0]
            path = f"images/copy-{len(self.cases) + 1:04d}.jpg"
            price, currency = self.price(brand["id"], 0.7, 1.0)
            self.add(
                "image_authorised",
                self.rng.choice(PRODUCTS[brand["id"]][0]).capitalize(),
                acceptable={"clear"},
                infringing=False,
                category=self.category(brand["id"]),
                price=price,
                currency=currency,
                store=brand["authorised_stores"][0],
                images=[path],
                needs="image",
                extra={"images": {path: ("copy", source, "JPEG quality 60")}},
            )

    # --- brands that register misspellings of their name ------------------------------------------

    def own_misspellings(self):
        """Brands that registered misspellings of their own name (SPELLING_BRANDS). Clean: the genuine goods
        at a normal price from an ordinary store, named as the brand writes itself (its name, or a plain
        spelling it registered: "Kestrell"), and accessories "for" it. Infringing: its name disguised in a
        way it did not register ("K3str3l", Cyrillic letters, dots), and the disguises it did register
        ("K3strel"), which a seller still writes to slip past filters."""
        for round_ in range(4):
            for brand in SPELLING_BRANDS:
                brand_id, name = brand["id"], brand["name"]
                product = self.rng.choice(SPELLING_PRODUCTS[brand_id])
                price, currency = self.price(brand_id, 0.85, 1.15)
                written = [name, name.upper(), *SPELLING_PLAIN[brand_id]][round_ % (2 + len(SPELLING_PLAIN[brand_id]))]
                title = self.rng.choice(["{name} {product}", "{name} {product}, {colour}", "Genuine {name} {product}"])
                self.add(
                    "own_misspelling_genuine",
                    title.format(name=written, product=product, colour=self.rng.choice(COLOURS)),
                    acceptable={"clear"},
                    infringing=False,
                    category=self.category(brand_id),
                    price=price,
                    currency=currency,
                    note="the brand named as it writes itself; it registered misspellings of its name",
                )
                accessories, category = SPELLING_ACCESSORIES[brand_id]
                written = [name, *SPELLING_PLAIN[brand_id]][round_ % (1 + len(SPELLING_PLAIN[brand_id]))]
                title = self.rng.choice(["{Accessory} for {name} {product}", "{Accessory} compatible with {name}"])
                self.add(
                    "own_misspelling_accessory",
                    title.format(Accessory=self.rng.choice(accessories).capitalize(), name=written, product=product),
                    acceptable={"clear"},
                    infringing=False,
                    category=category if round_ % 2 else self.category(brand_id),
                    price=self.rng.choice([6.5, 9.9, 14, 19.99]),
                    note="an accessory for a brand that registered misspellings of its name",
                )
        for index, kind in enumerate(OBFUSCATIONS):
            # The one-word names in turn ("Kestrel" has no inner "a" or "i" for "@" or "!": then "Orvane").
            turn = (SPELLING_BRANDS[index % 2], SPELLING_BRANDS[1 - index % 2])
            brand, disguised = self.unregistered_disguise(kind, turn)
            note = f"disguised ({kind}) in a way the brand did not register"
            self.spelled("own_misspelling_disguised", brand, disguised, index % 3 == 0, note, {"obfuscation": kind})
        for index in range(8):
            brand = SPELLING_BRANDS[index % len(SPELLING_BRANDS)]
            disguises = SPELLING_REGISTERED_DISGUISES[brand["id"]]
            note = "a disguise the brand registered to catch, written as registered"
            self.spelled("own_registered_disguise", brand, disguises[index // 3 % len(disguises)], index % 2, note)

    def unregistered_disguise(self, kind, brands):
        """(brand, its name disguised one way), of the first of ``brands`` with such a disguise it did not register."""
        for brand in brands:
            registered = {plain.casefold() for plain in [brand["name"], *brand["keywords"]]}
            for _ in range(20):
                disguised = obfuscate(brand["name"], kind, self.rng)
                if disguised.casefold() not in registered:
                    return brand, disguised
        raise ValueError(kind)

    def spelled(self, group, brand, written, low, note, extra=None):
        """An infringing listing: the brand written so, at a low or a normal price."""
        price, currency = self.price(brand["id"], 0.1, 0.3) if low else self.price(brand["id"], 0.8, 1.1)
        self.add(
            group,
            f"{written} {self.rng.choice(SPELLING_PRODUCTS[brand['id']])}",
            acceptable={"alert", "notice"},
            infringing=True,
            category=self.category(brand["id"]),
            price=price,
            currency=currency,
            note=note,
            extra=extra or {},
        )


def labelled_set(seed=DEFAULT_SEED):
    """(assets, cases): ASSETS.json's object and the labelled cases, the same for the same seed."""
    generator = _Generator(seed)
    generator.genuine_resale(40)
    generator.used_goods(15)
    generator.generic()
    generator.ordinary_unrelated()
    generator.accessory_for(30)
    generator.authorised_store(20)
    generator.genuine_warns_of_fakes()
    generator.banned()
    generator.replica_words(35)
    generator.obfuscated_name(5)
    generator.chinese(20)
    generator.lookalike(10)
    generator.price_only(15)
    generator.merchant_linked(10)
    generator.description_only(10)
    generator.ordinary_counterfeit(15)
    generator.not_opted_in(8)
    generator.ocr_only()
    generator.ocr_hard()
    generator.image_copy(2)
    generator.counterfeit_image()
    generator.image_unrelated(24)
    generator.image_authorised()
    generator.own_misspellings()
    assets = {"brands": BRANDS + SPELLING_BRANDS, "banned_categories": BANNED_CATEGORIES}
    return assets, generator.cases


def write(directory, seed=DEFAULT_SEED):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    assets, cases = labelled_set(seed)
    (directory / "ASSETS.json").write_text(json.dumps(assets, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (directory / "LISTINGS.jsonl").open("w", encoding="utf-8") as listings:
        for case in cases:
            listings.write(json.dumps(case.listing, ensure_ascii=False) + "\n")
    with (directory / "LABELS.jsonl").open("w", encoding="utf-8") as labels:
        for case in cases:
            labels.write(json.dumps(case.label(), ensure_ascii=False) + "\n")
    render_images(directory, cases)
    return len(cases)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    arguments = parser.parse_args()
    print(f"{write(arguments.directory, arguments.seed)} listings written to {arguments.directory}")
