"""Our statements of reasons as DSA Transparency Database submissions.

Written from structured fields only (never from text people typed); see the package docstring.
"""

import datetime

from django.utils import timezone

from portal.i18n import in_records_language
from takedowns.models import Channel, InfringementType, RestrictionKind, StatementOfReasons
from takedowns.transparency.personal_data import scrub_personal_data
from takedowns.transparency.schema import EEA_COUNTRY_CODES, MAX_CHARS

# --- Our restrictions in DSA terms ------------------------------------------------------------------

# Only these restrict a listing or a store. A restored listing lifts a restriction, "none" restricts
# nothing, and a warning changes no visibility, payment, service or account, so the schema has no value
# for it (at least one decision_* field is required).
EXPORTED_RESTRICTIONS = (
    RestrictionKind.LISTING_REMOVED,
    RestrictionKind.STORE_RESTRICTED,
    RestrictionKind.STORE_CLOSED,
    RestrictionKind.MERCHANT_BANNED,
)

RESTRICTION_TEXT = {
    RestrictionKind.LISTING_REMOVED: "The product listing was taken down.",
    RestrictionKind.STORE_RESTRICTED: "The store may not add new listings until the restriction ends.",
    RestrictionKind.STORE_CLOSED: "The store was closed and its security deposit confiscated.",
    RestrictionKind.MERCHANT_BANNED: (
        "The merchant was permanently banned: its account was terminated and it may not open another store."
    ),
}

KEYWORD_BY_INFRINGEMENT = {
    InfringementType.TRADEMARK_MISUSE: "KEYWORD_TRADEMARK_INFRINGEMENT",
    InfringementType.COPYRIGHT: "KEYWORD_COPYRIGHT_INFRINGEMENT",
    InfringementType.DESIGN: "KEYWORD_DESIGN_INFRINGEMENT",
    InfringementType.PATENT: "KEYWORD_PATENT_INFRINGEMENT",
    InfringementType.OTHER: "KEYWORD_OTHER",
}
KEYWORD_BY_ASSET_KIND = {
    "trademark": "KEYWORD_TRADEMARK_INFRINGEMENT",
    "copyright": "KEYWORD_COPYRIGHT_INFRINGEMENT",
    "design": "KEYWORD_DESIGN_INFRINGEMENT",
    "patent": "KEYWORD_PATENT_INFRINGEMENT",
}
RIGHT_NAME = {
    "trademark": "trade mark",
    "copyright": "copyright",
    "design": "design right",
    "patent": "patent",
}


def _clip(text, field):
    text = " ".join(text.split())
    limit = MAX_CHARS[field]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _date(value):
    return timezone.localtime(value, datetime.UTC).date().isoformat() if value else None


# --- The mapping ------------------------------------------------------------------------------------


def _right_description(asset):
    right = RIGHT_NAME.get(asset.kind, "intellectual property right")
    if asset.registration_number:
        number = scrub_personal_data(asset.registration_number, phones=False)
        office = f" at {scrub_personal_data(asset.office)}" if asset.office else ""
        return f"a registered {right} (registration number {number}{office})"
    return f"a {right}"


def _keyword(statement, asset):
    if statement.infringement_type == InfringementType.COUNTERFEIT:
        return KEYWORD_BY_ASSET_KIND.get(asset.kind, "KEYWORD_TRADEMARK_INFRINGEMENT")
    return KEYWORD_BY_INFRINGEMENT.get(statement.infringement_type, "KEYWORD_OTHER")


def _legal_ground(statement, asset):
    kind = in_records_language(InfringementType(statement.infringement_type).label).lower()
    return (
        f"Infringement of {_right_description(asset)} ({kind}): intellectual property law of the Union and "
        "the Member States, on which the marketplace's terms of service also prohibit infringing listings."
    )


def _explanation(statement, asset):
    if statement.infringement_type == InfringementType.COUNTERFEIT:
        what = f"offered counterfeit goods bearing or copying the protected {RIGHT_NAME.get(asset.kind, 'right')}"
    else:
        what = f"used the protected {RIGHT_NAME.get(asset.kind, 'right')} without the holder's authorisation"
    return f"The listing {what}. The platform had verified the right and its holder before the notice was accepted."


def _facts(statement):
    item = statement.item
    if item.notice.channel == Channel.PROACTIVE:
        source = "The listing was flagged by the marketplace's own automated screening."
    else:
        source = "A notice under DSA article 16 from the holder of the right, or a party acting on its behalf, named the listing."
    if statement.restriction != RestrictionKind.LISTING_REMOVED:
        how = (
            "The upheld notice brought the store to a step of the marketplace's published penalty ladder "
            "(penalty points for upheld infringements, expiring after a year)."
        )
    elif statement.decision_generation == 0 and item.notice.channel == Channel.PROACTIVE:
        how = (
            "The screening found the listing with high confidence for a rights holder that asked the marketplace "
            "to act on such findings, so the listing was taken down at once, without a person's review; the "
            "merchant may file a counter-notice within the window."
        )
    elif statement.decision_generation == 0:
        how = (
            "The notice came from a filer with a proven record of accurate notices (fast track), so the listing "
            "was taken down at once; the merchant may file a counter-notice within the window."
        )
    elif statement.automated_decision:
        how = "The merchant did not file a counter-notice within the window, so the notice was upheld."
    else:
        how = "A platform reviewer examined the notice, the evidence and any counter-notice and upheld the notice."
    ends = f" The restriction ends on {_date(statement.restriction_ends_at)}." if statement.restriction_ends_at else ""
    return " ".join([source, how, RESTRICTION_TEXT[statement.restriction] + ends, statement_redress_summary()])


def statement_redress_summary():
    return (
        "Redress: internal complaint within six months (DSA article 20), out-of-court dispute settlement "
        "(article 21) or the courts."
    )


def _decision(statement):
    """The decision_* fields and end dates for one restriction."""
    end = _date(statement.restriction_ends_at)
    restriction = statement.restriction
    if restriction == RestrictionKind.LISTING_REMOVED:
        # A fast-track takedown (no final decision yet) can be undone by a counter-notice: access is
        # disabled. An upheld decision removes the listing.
        visibility = (
            "DECISION_VISIBILITY_CONTENT_DISABLED"
            if statement.decision_generation == 0
            else "DECISION_VISIBILITY_CONTENT_REMOVED"
        )
        return {"decision_visibility": [visibility], "end_date_visibility_restriction": end}
    if restriction == RestrictionKind.STORE_RESTRICTED:
        return {
            "decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION",
            "end_date_service_restriction": end,
            "account_type": "ACCOUNT_TYPE_BUSINESS",
        }
    if restriction == RestrictionKind.STORE_CLOSED:
        return {
            "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION",
            "end_date_service_restriction": end,
            "decision_monetary": "DECISION_MONETARY_OTHER",
            "decision_monetary_other": "The store's security deposit was confiscated.",
            "account_type": "ACCOUNT_TYPE_BUSINESS",
        }
    if restriction == RestrictionKind.MERCHANT_BANNED:
        # The closure of the store is its own statement (STORE_CLOSED); the ban ends the merchant's account.
        return {
            "decision_account": "DECISION_ACCOUNT_TERMINATED",
            "end_date_account_restriction": end,
            "account_type": "ACCOUNT_TYPE_BUSINESS",
        }
    raise ValueError(f"A {restriction!r} statement restricts nothing and is not exported.")


def statement_to_dsa(statement):
    """One StatementOfReasons as one submission to the DSA Transparency Database (a dict for JSON)."""
    asset = statement.item.ip_asset
    keyword = _keyword(statement, asset)
    listing = statement.item.listing
    content_created = statement.content_created_at or listing.created_at
    data = {
        **_decision(statement),
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": _clip(_legal_ground(statement, asset), "illegal_content_legal_ground"),
        "illegal_content_explanation": _clip(_explanation(statement, asset), "illegal_content_explanation"),
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "category_specification": [keyword],
        "territorial_scope": list(EEA_COUNTRY_CODES),
        "content_date": _date(content_created),
        "application_date": _date(statement.decided_at),
        "decision_facts": _clip(_facts(statement), "decision_facts"),
        "source_type": statement.source_type,
        "automated_detection": "Yes" if statement.automated_detection else "No",
        "automated_decision": (
            "AUTOMATED_DECISION_FULLY" if statement.automated_decision else "AUTOMATED_DECISION_NOT_AUTOMATED"
        ),
        "puid": str(statement.puid),
    }
    if keyword == "KEYWORD_OTHER":
        data["category_specification_other"] = "Infringement of another intellectual property right"
    # Leave out empty optional fields rather than send nulls.
    return {key: value for key, value in data.items() if value is not None}


def statements_exportable(since=None):
    """The statements that restricted a listing or a store, oldest first; ``since`` is a date (UTC)."""
    statements = StatementOfReasons.objects.filter(restriction__in=EXPORTED_RESTRICTIONS)
    if since is not None:
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
        statements = statements.filter(decided_at__gte=start)
    return statements.select_related("item__notice", "item__listing", "item__ip_asset").order_by("decided_at", "id")


def statements_export(since=None):
    """The DSA submissions of every restricting decision since ``since`` (a date, inclusive, UTC)."""
    return [statement_to_dsa(statement) for statement in statements_exportable(since).iterator(chunk_size=500)]
