"""A listing as screening reads it, and the merchant facts the pipeline may add."""

from dataclasses import dataclass
from pathlib import Path

from screening.core.money import amount_parse, currency_check


class ListingError(ValueError):
    """A listing screening cannot read; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class MerchantFacts:
    """What the pipeline knows of the listing's store; every fact is optional (None: unknown)."""

    # The store's name, quoted in evidence beside its id (a person reads "Kestrel Official", not "17").
    store_name: str = ""
    store_age_days: int | None = None
    past_penalty_points: int | None = None
    # Shares a licence number, phone, payout account or identical images with a banned merchant.
    linked_to_banned: bool | None = None
    linked_to_banned_evidence: str = ""
    # Share of the store's listings that name a brand (0-1).
    branded_share: float | None = None
    # Brands that reported a seller the store's merchant shares an identifier with: ((brand id, evidence), ...).
    # A brand's report counts for that brand's verdict only, and moderately: an accusation, not a ban.
    reported_by: tuple = ()

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict):
            raise ListingError('"merchant" is an object of merchant facts')
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ListingError(f'"merchant": unknown fact {", ".join(unknown)}')
        for key in ("store_age_days", "past_penalty_points"):
            value = data.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ListingError(f'"merchant.{key}" is a whole number, 0 or more')
        share = data.get("branded_share")
        if share is not None and (isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1):
            raise ListingError('"merchant.branded_share" is a number from 0 to 1')
        linked = data.get("linked_to_banned")
        if linked is not None and not isinstance(linked, bool):
            raise ListingError('"merchant.linked_to_banned" is true or false')
        name = data.get("store_name", "")
        if not isinstance(name, str):
            raise ListingError('"merchant.store_name" is a text')
        evidence = data.get("linked_to_banned_evidence", "")
        if not isinstance(evidence, str):
            raise ListingError('"merchant.linked_to_banned_evidence" is a text')
        reported = data.get("reported_by", [])
        if not isinstance(reported, list) or not all(
            isinstance(r, dict)
            and isinstance(r.get("brand"), str | int)
            and not isinstance(r.get("brand"), bool)
            and isinstance(r.get("evidence", ""), str)
            for r in reported
        ):
            raise ListingError('"merchant.reported_by" is a list of {"brand": id, "evidence": text}')
        return cls(
            store_name=name,
            store_age_days=data.get("store_age_days"),
            past_penalty_points=data.get("past_penalty_points"),
            linked_to_banned=linked,
            linked_to_banned_evidence=evidence,
            branded_share=share,
            reported_by=tuple((r["brand"], r.get("evidence", "")) for r in reported),
        )


@dataclass(frozen=True, slots=True)
class ListingInput:
    id: object
    title: str
    description: str = ""
    store: str | None = None
    category: str = ""
    price: object = None  # Decimal, or None when unknown
    currency: str = "EUR"
    images: tuple = ()  # paths (files) or storage names (the pipeline)
    merchant: MerchantFacts | None = None

    @classmethod
    def from_dict(cls, data, *, base_dir=None):
        """A listing from a LISTINGS.jsonl line's object; image paths are resolved against ``base_dir``."""
        if not isinstance(data, dict):
            raise ListingError("a listing is a JSON object")
        listing_id = data.get("id")
        if isinstance(listing_id, bool) or not isinstance(listing_id, str | int) or listing_id == "":
            raise ListingError('"id" is a string or a whole number')
        texts = {}
        for key in ("title", "description", "category"):
            value = data.get(key)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ListingError(f'"{key}" is a text')
            texts[key] = value
        store = data.get("store")
        if store is not None and (isinstance(store, bool) or not isinstance(store, str | int)):
            raise ListingError('"store" is a store id')
        price = data.get("price")
        currency = data.get("currency")
        if price is not None:
            try:
                price = amount_parse(price)
            except ValueError as exc:
                raise ListingError(f'"price": {exc}') from None
            if currency is None:
                raise ListingError('"currency" is required with "price"')
        if currency is not None:
            try:
                currency = currency_check(currency)
            except ValueError as exc:
                raise ListingError(str(exc)) from None
        images = data.get("images") or []
        if not isinstance(images, list) or not all(isinstance(i, str) and i for i in images):
            raise ListingError('"images" is a list of image paths')
        if base_dir is not None:
            images = [str(Path(base_dir) / image) for image in images]
        merchant = data.get("merchant")
        return cls(
            id=listing_id,
            title=texts["title"],
            description=texts["description"],
            store=None if store is None else str(store),
            category=texts["category"],
            price=price,
            currency=currency or "EUR",
            images=tuple(images),
            merchant=None if merchant is None else MerchantFacts.from_dict(merchant),
        )
