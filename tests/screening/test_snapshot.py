"""The snapshot of the registered IP: built from plain dicts, refused with a clear message, versioned by content."""

from decimal import Decimal

import pytest

from screening.core.snapshot import Snapshot, SnapshotError

BRAND = {
    "id": "nw",
    "name": "Northwind",
    "keywords": ["北风", "NW Air", "northwind"],
    "categories": ["Sneakers", "Shoes > Running"],
    "reference_price": "140.00",
    "currency": "eur",
    "reference_images": ["images/ref.png"],
    "counterfeit_images": ["images/fake.png"],
    "authorised_stores": ["s-1", 7],
}


def test_a_brand_from_the_assets_shape(tmp_path):
    snapshot = Snapshot.from_dict({"brands": [BRAND], "banned_categories": ["Airbag Components"]}, base_dir=tmp_path)
    (brand,) = snapshot.brands
    assert brand.id == "nw" and brand.name == "Northwind"
    assert [k.text for k in brand.keywords] == ["Northwind", "北风", "NW Air"]  # the name first, once
    assert brand.categories == {"sneakers", "shoes > running"}
    assert brand.reference_price == Decimal("140.00") and brand.currency == "EUR"
    assert brand.reference_images[0].path == str(tmp_path / "images/ref.png")
    assert brand.counterfeit_images[0].path == str(tmp_path / "images/fake.png")
    assert brand.authorised_stores == {"s-1", "7"}
    assert brand.proactive_notices is True
    assert snapshot.banned_categories == {"airbag components"}


def test_categories_compare_without_case_and_contain_their_subcategories():
    snapshot = Snapshot.from_dict({"brands": [BRAND], "banned_categories": ["Airbag components"]})
    (brand,) = snapshot.brands
    assert brand.in_categories("sneakers")
    assert brand.in_categories("sneakers > kids")
    assert not brand.in_categories("sneaker socks")
    assert snapshot.is_banned("airbag components")
    assert snapshot.is_banned("airbag components > modules")
    assert not snapshot.is_banned("airbags")


def test_the_version_follows_the_content_only():
    first = Snapshot.from_dict({"brands": [BRAND]})
    again = Snapshot.from_dict({"brands": [dict(BRAND)]})
    assert first.version == again.version and len(first.version) == 16
    changed = Snapshot.from_dict({"brands": [{**BRAND, "keywords": ["北风"]}]})
    assert changed.version != first.version
    banned = Snapshot.from_dict({"brands": [BRAND], "banned_categories": ["Weapons"]})
    assert banned.version != first.version
    assert Snapshot.from_dict(first.to_dict()).to_dict() == first.to_dict()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a JSON object"),
        ({}, '"brands"'),
        ({"brands": [{"name": "X"}]}, 'brands[0]: "id"'),
        ({"brands": [{"id": "x"}]}, '"name" is required'),
        ({"brands": [{**BRAND, "currency": "GBP"}]}, "unknown currency 'GBP' (known: CNY, EUR, USD)"),
        ({"brands": [{**BRAND, "reference_price": "cheap"}]}, '"reference_price"'),
        ({"brands": [{**BRAND, "reference_price": "0"}]}, "more than zero"),
        ({"brands": [{**BRAND, "currency": None}]}, '"currency" is required'),
        ({"brands": [BRAND, BRAND]}, "used twice"),
        ({"brands": [{**BRAND, "keywords": [3]}]}, "keywords[0]"),
        ({"brands": [{**BRAND, "thresholds": {"notice": 0.4}}]}, "alert threshold is above"),
        ({"brands": [{**BRAND, "thresholds": {"speed": 1}}]}, '"thresholds" may set'),
        ({"brands": [BRAND], "banned_categories": "weapons"}, '"banned_categories"'),
    ],
)
def test_bad_assets_are_refused_with_where_and_why(data, message):
    with pytest.raises(SnapshotError, match=None) as refused:
        Snapshot.from_dict(data)
    assert message in str(refused.value)
