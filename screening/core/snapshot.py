"""The registered IP as screening sees it: a snapshot, built from plain dicts, with a version.

The pipeline builds the dicts from the verified assets in the database; ``screen_file`` reads
them from ASSETS.json (issue 11's shape: ``{"brands": [{"id", "name", "keywords",
"categories", "reference_price", "currency", "reference_images", "counterfeit_images",
"authorised_stores"}], "banned_categories": [...]}``). Both make the same ``Snapshot``.

Optional, beside the contract's fields (for the pipeline, and for tuning from files):

- a keyword may be ``{"keyword": "Harbor", "ordinary_word": true}`` instead of a string; a brand
  may carry ``"ordinary_word": true|false`` for all its keywords. Without either, the built-in
  word list judges (``words.is_ordinary_word``).
- ``"proactive_notices": false``: the brand has not opted in to platform-initiated notices, so
  its listings get alerts at most (DOMAIN.md). Default: true.
- ``"thresholds": {"notice": 0.95, "alert": 0.6}``: this brand's own thresholds.

``version`` is a hash of the content: a worker keeps its compiled matcher while the version it
was built from is current, and rebuilds when it changes.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from screening.core.money import amount_parse, currency_check
from screening.core.thresholds import Thresholds
from screening.core.words import is_ordinary_word

BRAND_THRESHOLDS = ("notice", "alert")


class SnapshotError(ValueError):
    """The IP data cannot be screened against; the message says where and why."""


def category_key(category):
    """A category as compared: NFKC, case folded, each ">"-separated step trimmed, spaces collapsed.

    "Shoes > Sneakers" is inside "Shoes"; "ＳＨＯＥＳ>sneakers" is the same category as "Shoes > Sneakers".
    ``listings.categories`` keeps the same rule for the refusal at creation (a parity test holds them).
    """
    text = unicodedata.normalize("NFKC", str(category)).casefold()
    steps = (" ".join(step.split()) for step in text.split(">"))
    return " > ".join(step for step in steps if step)


def category_steps(key):
    """The steps of a category key: "shoes > sneakers" -> ("shoes", "sneakers")."""
    return tuple(key.split(" > ")) if key else ()


@dataclass(frozen=True, slots=True)
class Keyword:
    text: str
    ordinary_word: bool


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A reference or known-counterfeit image; the image core (perceptual hashes) reads it."""

    path: str
    # Filled by whoever has the bytes (the pipeline from storage, the image core from the file), so the
    # snapshot's version changes when an image's content does.
    content_hash: str = ""


@dataclass(frozen=True, slots=True)
class Brand:
    id: object
    name: str
    keywords: tuple  # of Keyword; the name is the first
    categories: frozenset  # of category_key
    reference_price: object = None  # Decimal, or None
    currency: str | None = None
    reference_images: tuple = ()  # of ImageRef
    counterfeit_images: tuple = ()  # of ImageRef
    authorised_stores: frozenset = frozenset()  # of str
    proactive_notices: bool = True
    thresholds: dict = field(default_factory=dict)  # "notice"/"alert" overrides

    def thresholds_from(self, defaults):
        return defaults.overridden(**self.thresholds) if self.thresholds else defaults

    def in_categories(self, category):
        """Whether a listing's category (a category_key) is one of the brand's, or inside one."""
        if category in self.categories:
            return True
        return ">" in category and any(category.startswith(own + " >") for own in self.categories)


@dataclass(frozen=True, slots=True)
class Snapshot:
    brands: tuple  # of Brand
    banned_categories: frozenset  # of category_key
    version: str

    @classmethod
    def from_dict(cls, data, *, base_dir=None):
        """A snapshot from ASSETS.json's shape; image paths are resolved against ``base_dir``."""
        if not isinstance(data, dict):
            raise SnapshotError("the assets are a JSON object with a list of brands")
        brands_data = data.get("brands")
        if not isinstance(brands_data, list):
            raise SnapshotError('the assets need "brands": a list')
        banned = data.get("banned_categories", [])
        if not isinstance(banned, list) or not all(isinstance(c, str) for c in banned):
            raise SnapshotError('"banned_categories" is a list of category names')
        seen = set()
        brands = []
        for index, brand_data in enumerate(brands_data):
            brand = _brand_from_dict(brand_data, f"brands[{index}]", base_dir)
            if _id_key(brand.id) in seen:
                raise SnapshotError(f"brands[{index}]: the id {brand.id!r} is used twice")
            seen.add(_id_key(brand.id))
            brands.append(brand)
        banned_categories = frozenset(category_key(c) for c in banned if category_key(c))
        return cls(tuple(brands), banned_categories, _version(brands, banned_categories))

    def to_dict(self):
        """The snapshot as plain data (what its version hashes)."""
        return {
            "brands": [_brand_to_dict(brand) for brand in self.brands],
            "banned_categories": sorted(self.banned_categories),
        }

    def is_banned(self, category):
        """Whether a listing's category (a category_key) is banned: a banned category's last step is one of
        its steps ("Airbag components" and "Cars > Airbag components > Driver" are both under the banned
        "Vehicle parts > Airbag components"), so a banned kind of product is refused wherever it is filed."""
        if not category or not self.banned_categories:
            return False
        leaves = {category_steps(banned)[-1] for banned in self.banned_categories}
        return any(step in leaves for step in category_steps(category))


def _id_key(value):
    return (type(value).__name__, value)


def _version(brands, banned_categories):
    data = {"brands": [_brand_to_dict(b) for b in brands], "banned_categories": sorted(banned_categories)}
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _brand_to_dict(brand):
    return {
        "id": brand.id,
        "name": brand.name,
        "keywords": [{"keyword": k.text, "ordinary_word": k.ordinary_word} for k in brand.keywords],
        "categories": sorted(brand.categories),
        "reference_price": None if brand.reference_price is None else str(brand.reference_price),
        "currency": brand.currency,
        "reference_images": [{"path": i.path, "content_hash": i.content_hash} for i in brand.reference_images],
        "counterfeit_images": [{"path": i.path, "content_hash": i.content_hash} for i in brand.counterfeit_images],
        "authorised_stores": sorted(brand.authorised_stores),
        "proactive_notices": brand.proactive_notices,
        "thresholds": dict(sorted(brand.thresholds.items())),
    }


def _brand_from_dict(data, where, base_dir):
    if not isinstance(data, dict):
        raise SnapshotError(f"{where}: a brand is a JSON object")
    brand_id = data.get("id")
    if isinstance(brand_id, bool) or not isinstance(brand_id, str | int) or brand_id == "":
        raise SnapshotError(f'{where}: "id" is a string or a whole number')
    where = f"{where} ({brand_id})"
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SnapshotError(f'{where}: "name" is required')
    brand_ordinary = data.get("ordinary_word")
    if brand_ordinary is not None and not isinstance(brand_ordinary, bool):
        raise SnapshotError(f'{where}: "ordinary_word" is true or false')
    keywords = _keywords_from(data.get("keywords", []), name.strip(), brand_ordinary, where)
    categories = data.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise SnapshotError(f'{where}: "categories" is a list of category names')
    reference_price, currency = _reference_price_from(data, where)
    stores = data.get("authorised_stores", [])
    if not isinstance(stores, list) or not all(isinstance(s, str | int) and not isinstance(s, bool) for s in stores):
        raise SnapshotError(f'{where}: "authorised_stores" is a list of store ids')
    proactive = data.get("proactive_notices", True)
    if not isinstance(proactive, bool):
        raise SnapshotError(f'{where}: "proactive_notices" is true or false')
    return Brand(
        id=brand_id,
        name=name.strip(),
        keywords=keywords,
        categories=frozenset(category_key(c) for c in categories if category_key(c)),
        reference_price=reference_price,
        currency=currency,
        reference_images=_images_from(data.get("reference_images", []), "reference_images", where, base_dir),
        counterfeit_images=_images_from(data.get("counterfeit_images", []), "counterfeit_images", where, base_dir),
        authorised_stores=frozenset(str(s) for s in stores),
        proactive_notices=proactive,
        thresholds=_thresholds_from(data.get("thresholds"), where),
    )


def _keywords_from(values, name, brand_ordinary, where):
    if not isinstance(values, list):
        raise SnapshotError(f'{where}: "keywords" is a list')
    keywords = {}
    for index, value in enumerate([name, *values]):
        ordinary = brand_ordinary
        if isinstance(value, dict):
            ordinary = value.get("ordinary_word", ordinary)
            value = value.get("keyword")
            if ordinary is not None and not isinstance(ordinary, bool):
                raise SnapshotError(f'{where}: keywords[{index - 1}]: "ordinary_word" is true or false')
        if not isinstance(value, str):
            raise SnapshotError(
                f'{where}: keywords[{index - 1}] is a string or {{"keyword": ..., "ordinary_word": ...}}'
            )
        text = " ".join(value.split())
        if not text or text.casefold() in keywords:
            continue
        keywords[text.casefold()] = Keyword(text, is_ordinary_word(text) if ordinary is None else ordinary)
    return tuple(keywords.values())


def _reference_price_from(data, where):
    price, currency = data.get("reference_price"), data.get("currency")
    if price is None:
        return None, None
    try:
        amount = amount_parse(price)
    except ValueError as exc:
        raise SnapshotError(f'{where}: "reference_price": {exc}') from None
    if amount <= 0:
        raise SnapshotError(f'{where}: "reference_price" is more than zero')
    if currency is None:
        raise SnapshotError(f'{where}: "currency" is required with "reference_price"')
    try:
        return amount, currency_check(currency)
    except ValueError as exc:
        raise SnapshotError(f"{where}: {exc}") from None


def _images_from(values, key, where, base_dir):
    """Paths, or {"path", "content_hash"} (``to_dict``'s form); relative paths are resolved against base_dir."""
    if not isinstance(values, list):
        raise SnapshotError(f'{where}: "{key}" is a list of image paths')
    images = []
    for value in values:
        path, content_hash = (
            (value.get("path"), value.get("content_hash", "")) if isinstance(value, dict) else (value, "")
        )
        if not isinstance(path, str) or not path or not isinstance(content_hash, str):
            raise SnapshotError(f'{where}: "{key}" is a list of image paths')
        images.append(ImageRef(path if base_dir is None else str(Path(base_dir) / path), content_hash))
    return tuple(images)


def _thresholds_from(values, where):
    if values is None:
        return {}
    if not isinstance(values, dict) or not set(values) <= set(BRAND_THRESHOLDS):
        raise SnapshotError(f'{where}: "thresholds" may set {" and ".join(BRAND_THRESHOLDS)}')
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise SnapshotError(f'{where}: "thresholds.{key}" is a score from 0 to 1')
    merged = Thresholds().overridden(**values)
    if merged.alert > merged.notice:
        raise SnapshotError(f"{where}: the alert threshold is above the notice threshold")
    return {key: float(value) for key, value in values.items()}
