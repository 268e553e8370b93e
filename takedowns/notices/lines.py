"""The lines of a notice: what each names (its listing, read for the whole notice at once) and whether it can go
ahead (its problem, with a stable code), as the filer gave it (``ItemDraft``)."""

import uuid
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from listings.models import Listing, ListingStatus
from portal.forms import text_problem, whole_number
from portal.i18n import record_label
from rights_holders.models import AuthorisedStore, VerificationStatus
from takedowns.models import OPEN_STATUSES, InfringementType, NoticeItem
from takedowns.recorded import filing


class LineProblem(str):
    """Why a line of a notice is invalid or refused: the text the filer reads, and a stable ``code``.

    A ``str``, so the pages, the item's ``invalid_reason`` and the audit entry keep using the text;
    the API answers the code beside it.
    """

    code = "invalid"

    def __new__(cls, text, code):
        problem = super().__new__(cls, text)
        problem.code = code
        return problem


# Read once: the enum's ``values`` builds a new list on every call, and a notice asks for each line.
INFRINGEMENT_TYPES = frozenset(InfringementType.values)


# How an item draft names its listing: the web form takes the marketplace's id or our number;
# the API takes the marketplace's id only, or the listing's public id (``lst_``), never a number.
LISTING_BY_REF = "external_id_or_number"
LISTING_BY_EXTERNAL_ID = "external_id"
LISTING_BY_PUBLIC_ID = "public_id"


@dataclass
class ItemDraft:
    """One line of a notice as the filer gave it. ``evidence`` holds ValidatedUploads."""

    listing_ref: str  # the marketplace's listing id (external id) or our numeric id; see listing_by
    ip_asset_id: int | None
    infringement_type: str
    explanation: str
    evidence: list = field(default_factory=list)
    test_buy_order_number: str = ""
    test_buy_report: str = ""
    # LISTING_BY_PUBLIC_ID: listing_ref is the UUID, and listing_shown what the filer wrote (for messages).
    listing_by: str = LISTING_BY_REF
    listing_shown: str = ""
    # The asset itself when the caller has just read it (the filing form reads the choices it offers):
    # it is checked exactly as one read here, and saves reading it again.
    ip_asset: object = None
    # Proactive screening: the screening result's public id, kept on the item (takedowns.proactive).
    screening_reference: str = ""


def listing_key(draft):
    return (draft.listing_by, str(draft.listing_ref or "").strip())


def listings_find(drafts, rights_holder, on=None):
    """{listing_key(draft): listing} for the listings the drafts name, in one query.

    The web form's ref is the marketplace's id, else our numeric id; the API names a listing by
    the marketplace's id only, or by its public id. Each listing says whether its store is on
    ``rights_holder``'s authorised list on the day ``on`` (today by default: an authorisation
    that ended no longer counts) (``authorised_for_holder``), in the same query.
    """
    keys = {listing_key(d) for d in drafts} - {(by, "") for by in (LISTING_BY_REF, LISTING_BY_EXTERNAL_ID)}
    if not keys:
        return {}
    external = {ref for by, ref in keys if by in (LISTING_BY_REF, LISTING_BY_EXTERNAL_ID)}
    # "²" is a digit to str.isdigit but no number: such a ref names no listing (its line is refused).
    numbers = {ref: number for by, ref in keys if by == LISTING_BY_REF and (number := whole_number(ref)) is not None}
    public = {}
    for by, ref in keys:
        if by == LISTING_BY_PUBLIC_ID:
            try:
                public[ref] = uuid.UUID(ref)
            except ValueError:
                continue
    authorised = AuthorisedStore.objects.valid_on(on or timezone.now().date()).filter(
        rights_holder=rights_holder, store_id=OuterRef("store_id")
    )
    # The listing alone: nothing in the filing reads its store (a join and an instance per line).
    rows = list(
        Listing.objects.filter(
            Q(external_id__in=external) | Q(pk__in=set(numbers.values())) | Q(public_id__in=set(public.values()))
        ).annotate(authorised_for_holder=Exists(authorised))
    )
    by_external_id = {listing.external_id: listing for listing in rows}
    by_pk = {listing.pk: listing for listing in rows}
    by_public_id = {listing.public_id: listing for listing in rows}
    found = {}
    for key in keys:
        by, ref = key
        if by == LISTING_BY_PUBLIC_ID:
            listing = by_public_id.get(public.get(ref))
        elif by == LISTING_BY_EXTERNAL_ID:
            listing = by_external_id.get(ref)
        else:
            listing = by_external_id.get(ref) or by_pk.get(numbers.get(ref))
        if listing is not None:
            found[key] = listing
    return found


def open_items_find(pairs):
    """{(listing id, asset id): id of the open item} for these pairs, in one query.

    Filtered by listing only (a listing has few items) and matched to the pairs here: with the
    asset in the query too, the planner may scan all of an asset's items, which for a large
    holder's one trademark is every item it ever filed.
    """
    if not pairs:
        return {}
    rows = (
        NoticeItem.objects.filter(listing_id__in={listing_id for listing_id, _ in pairs}, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("listing_id", "ip_asset_id", "pk")
    )
    found = {}
    for listing_id, asset_id, pk in rows:
        if (listing_id, asset_id) in pairs:
            found.setdefault((listing_id, asset_id), pk)
    return found


DRAFT_TEXT = {
    # field: (multiline, max length or None for the prose limit)
    "explanation": (True, None),
    "test_buy_report": (True, None),
    "test_buy_order_number": (False, NoticeItem._meta.get_field("test_buy_order_number").max_length),
}


def draft_text_problem(draft, *, line=None):
    """The first free-text problem of a line (length, control characters), as the filing form checks it.

    In English, for the records (``takedowns.recorded.filing``); with ``line``, the line's number leads.
    """
    for name, (multiline, max_length) in DRAFT_TEXT.items():
        if problem := text_problem(getattr(draft, name), multiline=multiline, max_length=max_length):
            if line is None:
                return LineProblem(filing.TEXT_PROBLEM[name] % {"problem": problem}, f"{name}_invalid")
            return LineProblem(filing.LINE_TEXT_PROBLEM[name] % {"line": line, "problem": problem}, f"{name}_invalid")
    return ""


def item_problem(draft, *, rights_holder, listing, asset, now, open_item_id=None):
    """The LineProblem that makes an item invalid, or '' if it can go ahead. ``open_item_id``: an open item."""
    if asset.rights_holder_id != rights_holder.pk:
        return LineProblem(
            filing.ASSET_FOREIGN % {"asset": asset.name, "holder": rights_holder.legal_name}, "asset_foreign"
        )
    if asset.verification_status == VerificationStatus.EXPIRED or (asset.expires_on and asset.expires_on < now.date()):
        return LineProblem(filing.ASSET_EXPIRED % {"asset": asset.name, "date": asset.expires_on}, "asset_expired")
    if asset.verification_status != VerificationStatus.VERIFIED:
        status = record_label(VerificationStatus, asset.verification_status).lower()
        return LineProblem(filing.ASSET_NOT_VERIFIED % {"asset": asset.name, "status": status}, "asset_not_verified")
    if listing.status == ListingStatus.REMOVED:
        return LineProblem(filing.LISTING_REMOVED % {"listing": listing.external_id}, "listing_removed")
    if draft.infringement_type not in INFRINGEMENT_TYPES:
        return LineProblem(
            filing.INFRINGEMENT_TYPE_INVALID % {"types": ", ".join(InfringementType.values)},
            "infringement_type_invalid",
        )
    if not (draft.explanation or "").strip():
        return LineProblem(filing.EXPLANATION_REQUIRED, "explanation_required")
    if open_item_id is not None:
        return duplicate_reason(open_item_id, listing)
    return ""


def duplicate_reason(item_id, listing):
    return LineProblem(filing.DUPLICATE % {"item": item_id, "listing": listing.external_id}, "duplicate")
