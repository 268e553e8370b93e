"""Proactive notices: the marketplace files for a brand on high-confidence screening hits (issue 11).

DOMAIN.md, screening outcomes: a ``notice`` outcome becomes a platform-initiated
fast-track takedown, only for brands that opted in to proactive enforcement
(``RightsHolder.proactive_enforcement``), never against a store on the brand's
authorised list. Screening (the app above this one) calls ``proactive_notices_file``
with its findings; this module decides which can be filed and files them through the
engine's own filing path (``notices.platform_notice_submit``: the checks of every
line, the set insert, the fast track, which ``notices.track_for`` gives the proactive
channel), one notice per rights holder per call. The listing comes down in the filing
transaction, the counter-notice window opens as for any fast-track item, and the
statement of reasons says detection and decision were automated
(``reasons.statement_fields``; SOURCE_VOLUNTARY in the DSA export).

Refused, with a reason and a stable code, writing nothing for that finding: the brand
has not opted in; the listing's store is on its authorised list today; the listing is
not live; the screening result already filed for this asset (``screening_reference``,
unique per asset in the database, so filing the same findings again files nothing, even
after the first item was decided); and what the engine refuses on any line (an asset
not verified or expired, an open item for the listing and asset, also one another
filing opened a moment ago).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from listings.models import Listing, ListingStatus
from portal.forms import PROSE_MAX_LENGTH, control_characters_replace
from rights_holders.models import AuthorisedStore, IPAsset
from rights_holders.partners import marketplace_organisation
from takedowns.models import InfringementType, NoticeItem
from takedowns.notices import LISTING_BY_PUBLIC_ID, ItemDraft, platform_notice_submit
from takedowns.recorded import proactive as proactive_texts

# A listing still on the marketplace: live, or live under another complaint.
LIVE_STATUSES = frozenset({ListingStatus.LIVE, ListingStatus.UNDER_COMPLAINT})
# What an item's explanation quotes of the evidence: enough for the merchant to see why.
EVIDENCE_LINES_MAX = 20
EVIDENCE_LINE_MAX_LENGTH = 500
REFERENCE_MAX_LENGTH = NoticeItem._meta.get_field("screening_reference").max_length


@dataclass(frozen=True)
class ProactiveFinding:
    """A high-confidence screening hit: this listing infringes this verified asset.

    ``evidence``: what screening found, one line each (the keyword and where, the OCR text,
    the reference image and its distance), quoted to the merchant; ``reference``: the
    screening result's public id, kept on the item for audit.
    """

    listing_id: int
    asset_id: int
    score: float
    evidence: list[str]
    reference: str
    infringement_type: str = InfringementType.COUNTERFEIT


@dataclass(frozen=True)
class ProactiveOutcome:
    """What became of one finding: ``item_id`` of the item filed, or ``refusal`` (text) and its ``code``."""

    finding: ProactiveFinding
    item_id: int | None = None
    refusal: str = ""
    code: str = ""

    @property
    def filed(self):
        return self.item_id is not None


@dataclass
class _Group:
    holder: object
    entries: list = field(default_factory=list)  # (index in findings, finding, draft)


def proactive_notices_file(findings, *, now=None):
    """File the findings that may be filed; one ``ProactiveOutcome`` per finding, in their order.

    One notice per rights holder: the marketplace as filer (its organisation, the contact
    details of ``PLATFORM_NOTICE_*``), channel proactive, on the fast track. Safe to call
    again with the same findings, also at the same time: each files at most once.
    """
    now = now or timezone.now()
    findings = list(findings)
    outcomes = [None] * len(findings)

    def refuse(index, code, text):
        outcomes[index] = ProactiveOutcome(findings[index], refusal=text, code=code)

    wellformed = []
    for index, finding in enumerate(findings):
        if problem := _finding_problem(finding):
            refuse(index, "finding_invalid", problem)
        else:
            wellformed.append(index)
    if not wellformed:
        return outcomes

    listings = Listing.objects.in_bulk({findings[i].listing_id for i in wellformed})
    assets = IPAsset.objects.select_related("rights_holder__organisation").in_bulk(
        {findings[i].asset_id for i in wellformed}
    )
    authorised = set(
        AuthorisedStore.objects.valid_on(now.date())
        .filter(
            rights_holder_id__in={a.rights_holder_id for a in assets.values()},
            store_id__in={listing.store_id for listing in listings.values()},
        )
        .values_list("rights_holder_id", "store_id")
    )
    filed = {
        (reference, asset_id): pk
        for reference, asset_id, pk in NoticeItem.objects.filter(
            screening_reference__in={findings[i].reference for i in wellformed}
        ).values_list("screening_reference", "ip_asset_id", "pk")
    }
    marketplace = None
    groups = {}
    for index in wellformed:
        finding = findings[index]
        listing, asset = listings.get(finding.listing_id), assets.get(finding.asset_id)
        if listing is None:
            refuse(index, "listing_unknown", f"No listing {finding.listing_id} on the marketplace.")
            continue
        if asset is None:
            refuse(index, "asset_unknown", f"No IP asset {finding.asset_id}.")
            continue
        holder = asset.rights_holder
        key = (finding.reference, asset.pk)
        if not holder.proactive_enforcement:
            refuse(
                index,
                "not_opted_in",
                f"{holder.legal_name} has not opted in to proactive enforcement: screening alerts it instead.",
            )
        elif (holder.pk, listing.store_id) in authorised:
            refuse(
                index,
                "authorised_store",
                f"The store of listing {listing.external_id} is on {holder.legal_name}'s list of authorised "
                "sellers: it is never taken down by screening.",
            )
        elif key in filed:
            refuse(
                index,
                "already_filed",
                f"Screening result {finding.reference} was already filed for this asset as item {filed[key]}."
                if filed[key] is not None
                else f"Screening result {finding.reference} names this asset twice in this call: filed once.",
            )
        elif listing.status not in LIVE_STATUSES:
            refuse(
                index,
                "listing_not_live",
                f"Listing {listing.external_id} is not live ({listing.get_status_display().lower()}).",
            )
        else:
            filed[key] = None  # the same result and asset twice in one call: the first one files
            groups.setdefault(holder.pk, _Group(holder)).entries.append(
                (index, finding, _draft(finding, listing, asset))
            )
    if groups:
        marketplace = marketplace_organisation()
    for group in groups.values():
        if marketplace is None:
            for index, _, _ in group.entries:
                refuse(
                    index,
                    "no_marketplace",
                    "No organisation is set up as the marketplace (a partner of kind marketplace) to file for it.",
                )
            continue
        _group_file(group, marketplace, now, findings, outcomes)
    return outcomes


def _group_file(group, marketplace, now, findings, outcomes):
    """File one rights holder's findings as one notice, and record each one's outcome."""
    drafts = [draft for _, _, draft in group.entries]
    try:
        receipt = platform_notice_submit(
            rights_holder=group.holder, organisation=marketplace, data=_notice_data(), drafts=drafts, now=now
        )
    except ValidationError as exc:
        by_line = {getattr(error, "line", None): error for error in getattr(exc, "error_list", [])}
        for number, (index, finding, _) in enumerate(group.entries, start=1):
            error = by_line.get(number)
            if error is not None:
                outcomes[index] = ProactiveOutcome(finding, refusal=error.messages[0], code=error.code or "invalid")
            else:  # about the notice as a whole (a filing suspension, a busy moment): every line's answer
                code = next((e.code for e in getattr(exc, "error_list", []) if e.code), "invalid")
                outcomes[index] = ProactiveOutcome(finding, refusal=" ".join(exc.messages), code=code)
        return
    item_of_line = {receipt.lines[item.pk]: item.pk for item in receipt.accepted}
    refused = dict(receipt.refused)
    for number, (index, finding, _) in enumerate(group.entries, start=1):
        if number in item_of_line:
            outcomes[index] = ProactiveOutcome(finding, item_id=item_of_line[number])
        else:
            problem = refused.get(number, "Not filed.")
            outcomes[index] = ProactiveOutcome(finding, refusal=str(problem), code=getattr(problem, "code", "invalid"))


def _finding_problem(finding):
    if not isinstance(finding, ProactiveFinding):
        return f"Not a ProactiveFinding: {type(finding).__name__}."
    if not isinstance(finding.listing_id, int) or not isinstance(finding.asset_id, int):
        return "A finding names its listing and asset by their ids (whole numbers)."
    if not isinstance(finding.score, int | float) or not 0 <= finding.score <= 1:
        return f"A finding's score is between 0 and 1; got {finding.score!r}."
    if not isinstance(finding.reference, str) or not finding.reference.strip():
        return "A finding carries its screening result's public id (reference)."
    if (
        finding.reference != finding.reference.strip()
        or control_characters_replace(finding.reference, multiline=False) != finding.reference
    ):
        return f"A reference is one word, with no spaces or control characters around it: {finding.reference!r}."
    if len(finding.reference) > REFERENCE_MAX_LENGTH:
        return f"A reference has at most {REFERENCE_MAX_LENGTH} characters."
    if not finding.evidence or not all(isinstance(line, str) and line.strip() for line in finding.evidence):
        return "A finding carries its evidence: one or more lines of text."
    if finding.infringement_type not in InfringementType.values:
        return f"Unknown infringement type {finding.infringement_type!r}."
    return ""


def _notice_data():
    name = settings.PLATFORM_NOTICE_NAME
    return {
        "filer_name": name,
        "filer_address": settings.PLATFORM_NOTICE_ADDRESS,
        "filer_phone": settings.PLATFORM_NOTICE_PHONE,
        "filer_email": settings.PLATFORM_NOTICE_EMAIL,
        "signature": name,
        # The platform's own declarations: it believes in good faith the listing infringes, the notice is
        # accurate, and the brand's opt-in authorises it to act for the brand.
        "good_faith_statement": True,
        "accuracy_statement": True,
        "authority_statement": True,
    }


def _draft(finding, listing, asset):
    return ItemDraft(
        listing_ref=str(listing.public_id),
        listing_by=LISTING_BY_PUBLIC_ID,
        listing_shown=listing.external_id,
        ip_asset_id=asset.pk,
        ip_asset=asset,
        infringement_type=finding.infringement_type,
        explanation=proactive_explanation(finding, holder_name=asset.rights_holder.legal_name),
        screening_reference=finding.reference,
    )


def proactive_explanation(finding, *, holder_name):
    """The item's explanation, which the merchant reads and the statement of reasons quotes as its facts."""
    lines = []
    for line in finding.evidence[:EVIDENCE_LINES_MAX]:
        line = " ".join(control_characters_replace(line, multiline=False).split())
        if len(line) > EVIDENCE_LINE_MAX_LENGTH:
            line = line[: EVIDENCE_LINE_MAX_LENGTH - 1].rstrip() + "\u2026"
        lines.append(f"- {line}")
    if len(finding.evidence) > EVIDENCE_LINES_MAX:
        lines.append(proactive_texts.MORE_SIGNALS % {"n": len(finding.evidence) - EVIDENCE_LINES_MAX})
    # The records' English (takedowns.recorded reads it anew for the merchant), one paragraph a line.
    found = proactive_texts.FOUND % {
        "holder": holder_name,
        "score": f"{finding.score:.2f}",
        "reference": finding.reference,
    }
    text = f"{found}\n\n{proactive_texts.WHAT_WAS_FOUND}\n" + "\n".join(lines) + f"\n\n{proactive_texts.IF_GENUINE}"
    return text[:PROSE_MAX_LENGTH]
