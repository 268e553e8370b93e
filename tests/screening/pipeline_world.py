"""A small world for the pipeline's tests: a brand with a verified asset, a store, listings made by the services."""

import decimal
import io

from django.core.files.base import ContentFile

from listings.models import ListingImage
from listings.services import listing_create
from tests import factories


def brand_with_asset(*, name="Northwind", keywords=("northwind",), categories=("Shoes",), price="120.00", **extra):
    holder = factories.RightsHolderFactory(legal_name=f"{name} Athletics")
    asset = factories.IPAssetFactory(
        rights_holder=holder,
        name=name.upper(),
        keywords=list(keywords),
        categories=list(categories),
        reference_price=decimal.Decimal(price),
        reference_currency="EUR",
        **extra,
    )
    return holder, asset


def listing_made(store, external_id, title, *, category="Shoes", price="89.00", description=""):
    return listing_create(
        store=store, external_id=external_id, title=title, category=category, price=price, description=description
    )


def image_add(listing, data, *, position=1, name="photo.png"):
    image = ListingImage(listing=listing, position=position, content_type="image/png", size=len(data))
    image.image.save(name, ContentFile(data, name=name), save=False)
    image.save()
    return image


def png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
