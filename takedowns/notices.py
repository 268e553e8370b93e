"""Filing a notice: checks the notice, then each item on its own; invalid items are kept with their reason.

A notice with one bad item among ten keeps the nine. Items that cannot be
recorded at all (an unknown listing or asset) are returned as refused lines
with their reason. Receipt is confirmed to the filer at once (a notification
effect of each item's first event, sent after commit).
"""

import uuid
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from listings.models import Listing, ListingStatus
from portal.audit import audit_log_entry
from portal.forms import text_problem, whole_number
from portal.lock_conflicts import lock_conflict, lock_conflict_retry
from portal.scoping import organisation_ids_of
from portal.transactions import durable_atomic
from portal.uploads import StoredFilesGuard
from rights_holders.authority import acting_role_check
from rights_holders.models import AuthorisedStore, IPAsset, VerificationStatus
from takedowns.lifecycle import notice_item_create, notice_item_route
from takedowns.models import (
    OPEN_STATUSES,
    Channel,
    Evidence,
    FilingSuspension,
    InfringementType,
    ItemStatus,
    Notice,
    NoticeItem,
    Track,
)
from takedowns.policies import policy
from takedowns.routing import FilingLine, OpenItemClash, notice_items_file, set_filing_possible
from takedowns.tracks import track_extension, tracks_prepare

# How many times a filing ended by a lock conflict is filed again before the filer is asked to retry.
FILING_ATTEMPTS = 3

NOTICE_FIELDS = ("filer_name", "filer_address", "filer_phone", "filer_email", "signature")
DECLARATIONS = {
    "good_faith_statement": "Confirm your good-faith belief that the use is not authorised.",
    "accuracy_statement": "Confirm that the information in the notice is accurate.",
    "authority_statement": "Confirm, under penalty of perjury, that you are authorised to act for the rights holder.",
}
FIELD_MESSAGES = {
    "filer_name": "Give the filer's full name.",
    "filer_address": "Give a postal address where the filer can be reached.",
    "filer_phone": "Give a phone number.",
    "filer_email": "Give an e-mail address.",
    "signature": "Type your full name as your signature.",
}


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


@dataclass
class Receipt:
    notice: Notice | None
    accepted: list = field(default_factory=list)  # NoticeItem
    invalid: list = field(default_factory=list)  # NoticeItem (status invalid, with invalid_reason)
    refused: list = field(default_factory=list)  # (line number, LineProblem) not recorded at all
    # Each recorded item's line (1-based, the order the filer gave) and, for an invalid one, its problem.
    lines: dict = field(default_factory=dict)  # item pk -> line number
    problems: dict = field(default_factory=dict)  # item pk -> LineProblem


def filing_suspension_of(organisation_id, now=None):
    now = now or timezone.now()
    return (
        FilingSuspension.objects.filter(
            organisation_id=organisation_id, lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-ends_at")
        .first()
    )


def _notice_errors(data):
    errors = {}
    for name in NOTICE_FIELDS:
        if not str(data.get(name) or "").strip():
            errors[name] = FIELD_MESSAGES[name]
        elif problem := text_problem(data[name], multiline=False, max_length=Notice._meta.get_field(name).max_length):
            errors[name] = problem
    for name, message in DECLARATIONS.items():
        if data.get(name) is not True:
            errors[name] = message
    return errors


def _listing_key(draft):
    return (draft.listing_by, str(draft.listing_ref or "").strip())


def _listings_find(drafts, rights_holder):
    """{_listing_key(draft): listing} for the listings the drafts name, in one query.

    The web form's ref is the marketplace's id, else our numeric id; the API names a listing by
    the marketplace's id only, or by its public id. Each listing says whether its store is on
    ``rights_holder``'s authorised list (``authorised_for_holder``), in the same query.
    """
    keys = {_listing_key(d) for d in drafts} - {(by, "") for by in (LISTING_BY_REF, LISTING_BY_EXTERNAL_ID)}
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
    authorised = AuthorisedStore.objects.filter(rights_holder=rights_holder, store_id=OuterRef("store_id"))
    rows = list(
        Listing.objects.select_related("store")
        .filter(Q(external_id__in=external) | Q(pk__in=set(numbers.values())) | Q(public_id__in=set(public.values())))
        .annotate(authorised_for_holder=Exists(authorised))
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


def _open_items_find(pairs):
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
    # field: (label, multiline, max length or None for the prose limit)
    "explanation": ("the explanation", True, None),
    "test_buy_report": ("the test-buy report", True, None),
    "test_buy_order_number": (
        "the test-buy order number",
        False,
        NoticeItem._meta.get_field("test_buy_order_number").max_length,
    ),
}


def _draft_text_problem(draft):
    """The first free-text problem of a line (length, control characters), as the filing form checks it."""
    for name, (label, multiline, max_length) in DRAFT_TEXT.items():
        if problem := text_problem(getattr(draft, name), multiline=multiline, max_length=max_length):
            return LineProblem(f"{label}: {problem}", f"{name}_invalid")
    return ""


def _item_problem(draft, *, rights_holder, listing, asset, now, open_item_id=None):
    """The LineProblem that makes an item invalid, or '' if it can go ahead. ``open_item_id``: an open item."""
    if asset.rights_holder_id != rights_holder.pk:
        return LineProblem(
            f"The IP asset \u201c{asset.name}\u201d does not belong to {rights_holder.legal_name}.", "asset_foreign"
        )
    if asset.verification_status == VerificationStatus.EXPIRED or (asset.expires_on and asset.expires_on < now.date()):
        return LineProblem(
            f"The IP asset \u201c{asset.name}\u201d expired on {asset.expires_on}; renew it before filing.",
            "asset_expired",
        )
    if asset.verification_status != VerificationStatus.VERIFIED:
        return LineProblem(
            f"The IP asset \u201c{asset.name}\u201d is {asset.get_verification_status_display().lower()}; "
            "only verified assets can back a notice.",
            "asset_not_verified",
        )
    if listing.status == ListingStatus.REMOVED:
        return LineProblem(
            f"Listing {listing.external_id} has already been removed from the marketplace.", "listing_removed"
        )
    if draft.infringement_type not in InfringementType.values:
        return LineProblem(
            f"Choose an infringement type ({', '.join(InfringementType.values)}).", "infringement_type_invalid"
        )
    if not (draft.explanation or "").strip():
        return LineProblem(
            "Explain how the listing infringes the right (what you saw, what differs from the genuine product).",
            "explanation_required",
        )
    if open_item_id is not None:
        return _duplicate_reason(open_item_id, listing)
    return ""


def _duplicate_reason(item_id, listing):
    return LineProblem(
        f"An open complaint (item {item_id}) already exists for listing {listing.external_id} and this asset; "
        "follow it there instead of filing again.",
        "duplicate",
    )


def track_for(notice, item):
    """Standard or fast track for a new item, with the reason (Good Faith extends this)."""
    if item.authorised_store_flag:
        return Track.STANDARD, "The store is on the rights holder's authorised list: a reviewer checks it."
    if _partner_vetting_active(notice):
        return Track.FAST, f"Vetted by {notice.partner}: fast track."
    return track_extension(notice, item)


def tracks_for(notice, items):
    """``track_for`` of each item, the Good Faith programme asked once for all their infringement types."""
    asked = {item.infringement_type for item in items if not item.authorised_store_flag}
    if asked and not _partner_vetting_active(notice):
        tracks_prepare(notice, asked)
    return [track_for(notice, item) for item in items]


def _partner_vetting_active(notice):
    """An approved partner that still holds the privilege and vets this holder. Asked once per notice."""
    if not notice.partner_id:
        return False
    cached = notice.__dict__.get("_partner_vetting_active")
    if cached is None:
        partner = notice.partner
        cached = bool(
            policy("partner_privilege_active")(partner)
            and partner.vetted_rights_holders.filter(pk=notice.rights_holder_id).exists()
        )
        notice.__dict__["_partner_vetting_active"] = cached
    return cached


def notice_submit(
    *, actor, rights_holder, data, drafts, acting_organisation=None, channel=Channel.WEB, partner=None, now=None
):
    """File a notice. Notice-level problems raise ValidationError/PermissionDenied and write nothing.

    ``acting_organisation`` is the organisation that files: the brand's own, or an agent firm whose
    letter of authorisation covers the brand (the filer names it; it is checked, never guessed). A
    partner files as its own organisation. Returns a Receipt: the notice, its accepted and invalid
    items, and lines refused outright.

    A filing that PostgreSQL ends to break a lock cycle with another filing naming the same
    listings is filed again (nothing of it was kept); if that keeps happening the filer is
    asked to try again, never shown a server error. A filing whose set insert meets an item
    another filing opened meanwhile (``OpenItemClash``) is filed again item by item.
    """
    now = now or timezone.now()
    arguments = {
        "actor": actor,
        "rights_holder": rights_holder,
        "data": data,
        "drafts": drafts,
        "acting_organisation": acting_organisation,
        "channel": channel,
        "partner": partner,
        "now": now,
    }

    def attempt():
        try:
            return _notice_submit_once(**arguments, as_set=True)
        except OpenItemClash:
            # Nothing of the first attempt was kept; item by item, each clash becomes an invalid item.
            return _notice_submit_once(**arguments, as_set=False)

    try:
        return lock_conflict_retry(attempt, attempts=FILING_ATTEMPTS)
    except OperationalError as exc:
        if not lock_conflict(exc):
            raise
        raise ValidationError(
            "Other notices naming the same listings are being filed at this moment; file this one again.",
            code="busy",
        ) from exc


def _notice_submit_once(*, actor, rights_holder, data, drafts, acting_organisation, channel, partner, now, as_set):
    if partner is not None:
        if partner.organisation_id not in organisation_ids_of(actor):
            raise PermissionDenied("You do not belong to this partner.")
        if acting_organisation is not None and acting_organisation.pk != partner.organisation_id:
            raise PermissionDenied(f"A notice vetted by {partner} is filed by {partner} itself.")
        if not partner.vetted_rights_holders.filter(pk=rights_holder.pk).exists():
            raise PermissionDenied(f"{partner} does not file for {rights_holder.legal_name}.")
        filer_org = partner.organisation
    else:
        role = acting_role_check(user=actor, rights_holder=rights_holder, organisation=acting_organisation, when=now)
        filer_org = role.organisation
    for org_id in {rights_holder.organisation_id, filer_org.pk}:
        suspension = filing_suspension_of(org_id, now)
        if suspension is not None:
            raise ValidationError(
                f"Filing is suspended until {suspension.ends_at:%Y-%m-%d %H:%M} UTC: {suspension.reason}",
                code="filing_suspended",
            )
    errors = _notice_errors(data)
    if errors:
        raise ValidationError(errors)
    if not drafts:
        raise ValidationError("Add at least one listing to the notice.", code="no_items")

    receipt = Receipt(notice=None)
    with StoredFilesGuard() as guard, durable_atomic():
        notice = Notice.objects.create(
            rights_holder=rights_holder,
            filed_by=actor,
            filer_organisation=filer_org,
            partner=partner,
            channel=channel,
            signed_at=now,
            submitted_at=now,
            **{k: str(data[k]).strip() for k in NOTICE_FIELDS},
            **dict.fromkeys(DECLARATIONS, True),
        )
        receipt.notice = notice
        # Listings (with their authorised-store flag), assets and open items for the whole notice in
        # three queries, not three per line; none for the assets the caller has just read.
        assets = {
            d.ip_asset.pk: d.ip_asset for d in drafts if d.ip_asset is not None and d.ip_asset.pk == d.ip_asset_id
        }
        if unread := {d.ip_asset_id for d in drafts if d.ip_asset_id and d.ip_asset_id not in assets}:
            assets.update(IPAsset.objects.in_bulk(unread))
        listings = _listings_find(drafts, rights_holder)
        open_items = _open_items_find(
            {
                (listings[key].pk, d.ip_asset_id)
                for d in drafts
                if (key := _listing_key(d)) in listings and d.ip_asset_id in assets
            }
        )
        lines = []
        for number, draft in enumerate(drafts, start=1):
            listing = listings.get(_listing_key(draft))
            asset = assets.get(draft.ip_asset_id)
            if listing is None:
                shown = draft.listing_shown or draft.listing_ref
                receipt.refused.append(
                    (number, LineProblem(f"Line {number}: no listing {shown!r} on the marketplace.", "listing_unknown"))
                )
                continue
            if asset is None:
                receipt.refused.append(
                    (number, LineProblem(f"Line {number}: choose one of your IP assets.", "asset_unknown"))
                )
                continue
            if text_refusal := _draft_text_problem(draft):
                # Not kept even as an invalid item: a megabyte of explanation is not stored to say no.
                receipt.refused.append((number, LineProblem(f"Line {number}: {text_refusal}", text_refusal.code)))
                continue
            problem = _item_problem(
                draft,
                rights_holder=rights_holder,
                listing=listing,
                asset=asset,
                now=now,
                open_item_id=open_items.get((listing.pk, asset.pk)),
            )
            fields = {
                "listing": listing,
                "ip_asset": asset,
                "infringement_type": draft.infringement_type
                if draft.infringement_type in InfringementType.values
                else InfringementType.OTHER,
                "explanation": (draft.explanation or "").strip(),
                "test_buy_order_number": draft.test_buy_order_number.strip(),
                "test_buy_report": draft.test_buy_report.strip(),
            }
            lines.append(FilingLine(number, draft, listing, asset, fields, listing.authorised_for_holder, problem))
        if not lines:
            # Each refusal keeps its line and code (the API points at the line); nothing is kept.
            raise ValidationError(
                [_line_error(n, reason) for n, reason in receipt.refused]
                or [ValidationError("Add at least one listing to the notice.", code="no_items")]
            )

        if as_set and set_filing_possible(lines):
            receipt.accepted, receipt.invalid = notice_items_file(
                notice=notice,
                lines=lines,
                actor=actor,
                now=now,
                notice_audit=partial(_notice_submitted_entry, notice, refused=receipt.refused, actor=actor),
            )
            for line in lines:
                receipt.lines[line.item.pk] = line.number
                if line.problem:
                    receipt.problems[line.item.pk] = line.problem
            valid_lines = [line for line in lines if not line.problem]
            for item, line in zip(receipt.accepted, valid_lines, strict=True):
                _evidence_store(item, line.draft, actor=actor, guard=guard)
            filed_items = [*receipt.accepted, *receipt.invalid]
        else:
            _items_file_one_by_one(
                notice, lines, actor=actor, now=now, receipt=receipt, open_items=open_items, guard=guard
            )
            entry = _notice_submitted_entry(
                notice, receipt.accepted, receipt.invalid, refused=receipt.refused, actor=actor
            )
            entry.save(force_insert=True)
            for item, (track, reason) in zip(receipt.accepted, tracks_for(notice, receipt.accepted), strict=True):
                notice_item_route(item_id=item.pk, track=track, reason=reason, now=now)
            filed_items = None  # routed by the verbs: the receipt reads them afresh
        # The filer's receipt: one notification for the whole notice, in this transaction.
        from takedowns.notifications import notice_receipt_write

        notice_receipt_write(notice, filed_items)
    if filed_items is None:
        # The items as routing left them (one query; their relations load afresh, as after refresh_from_db).
        fresh = NoticeItem.objects.in_bulk([item.pk for item in receipt.accepted])
        receipt.accepted = [fresh[item.pk] for item in receipt.accepted]
    return receipt


def _line_error(number, reason):
    """A refused line as a ValidationError that keeps its code and, in ``line``, its 1-based line number.

    Not in ``params``: Django would %-format the text with them, and a listing id the filer typed
    may hold a ``%``.
    """
    error = ValidationError(reason, code=reason.code)
    error.line = number
    return error


def _notice_submitted_entry(notice, accepted, invalid, *, refused, actor):
    """The notice's own audit entry (unsaved): what was accepted, returned invalid and refused."""
    return audit_log_entry(
        action="takedowns.notice.submitted",
        actor=actor,
        obj=notice,
        organisation_id=notice.rights_holder.organisation_id,
        data={
            "channel": notice.channel,
            "accepted": [i.pk for i in accepted],
            "invalid": [i.pk for i in invalid],
            "refused": [reason for _, reason in refused],
        },
    )


def _items_file_one_by_one(notice, lines, *, actor, now, receipt, open_items, guard):
    """Create the items one by one (SQLite; a notice naming a listing and asset twice; a concurrent filing)."""
    for line in lines:
        create = partial(
            notice_item_create,
            notice=notice,
            fields=line.fields,
            actor=actor,
            authorised_store_flag=line.authorised_store_flag,
            now=now,
        )
        pair = (line.listing.pk, line.asset.pk)
        problem = line.problem
        if not problem and pair in open_items:
            # A second line for the same listing and asset in this notice points to the first's item.
            problem = _duplicate_reason(open_items[pair], line.listing)
        try:
            with transaction.atomic():
                item = create(invalid_reason=problem)
        except IntegrityError:
            # Another filing opened the same listing and asset a moment ago.
            other = NoticeItem.objects.filter(
                listing=line.listing, ip_asset=line.asset, status__in=OPEN_STATUSES
            ).first()
            problem = _duplicate_reason(other.pk if other else "?", line.listing)
            item = create(invalid_reason=problem)
        receipt.lines[item.pk] = line.number
        if item.status == ItemStatus.INVALID:
            receipt.invalid.append(item)
            receipt.problems[item.pk] = problem
            continue
        open_items[pair] = item.pk
        _evidence_store(item, line.draft, actor=actor, guard=guard)
        receipt.accepted.append(item)


def _evidence_store(item, draft, *, actor, guard):
    for validated in draft.evidence:
        row = Evidence(
            item=item,
            original_name=validated.original_name,
            content_type=validated.content_type,
            size=validated.size,
            uploaded_by=actor,
        )
        row.file.save(validated.name, validated.content, save=False)
        guard.add(row.file)
        row.save()
