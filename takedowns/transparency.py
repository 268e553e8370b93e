"""Statements of reasons in the submission format of the EU DSA Transparency Database (DSA article 24(5)).

Where the format comes from (nothing here is guessed; each list names its source):

* API documentation, https://transparency.dsa.ec.europa.eu/page/api-documentation and, for the schema in
  force since 1 July 2025 (API v2), https://transparency.dsa.ec.europa.eu/page/api-documentation-two
  (announced at https://transparency.dsa.ec.europa.eu/page/migration-to-api-v-two). Their source is
  github.com/digital-services-act/transparency-database, ``resources/markdown/api-documentation-two.md``:
  the fields, which are required and when, the length limits, the date format ``YYYY-MM-DD``, the PUID
  rule, and the multiple endpoint taking ``{"statements": [...]}`` (at most 100 per call).
* The documentation renders most value lists from the constants of ``app/Models/Statement.php`` in that
  repository (DECISION_VISIBILITIES, DECISION_MONETARIES, DECISION_PROVISIONS, DECISION_ACCOUNTS,
  ACCOUNT_TYPES, DECISION_GROUNDS, CONTENT_TYPES, SOURCE_TYPES, AUTOMATED_DETECTIONS,
  AUTOMATED_DECISIONS); the v2 page lists the categories and keywords (category_specification) itself.
* The server-side validation of the multiple endpoint, ``app/Services/GroupedSubmissionsService.php``
  (``multi_rules``): ``puid`` matches ``^[a-zA-Z0-9-_]+$`` and is at most 500 characters; content_date
  from 2000-01-01, application_date from 2020-01-01, every date up to 2038-01-01.
* Territorial scope codes: ``app/Services/EuropeanCountriesService.php`` (EU plus IS, LI, NO).

What the stored documentation leaves open: ``territorial_scope`` is "required" on the page but nullable in
the validation (we always send it); ``content_language`` is optional and we have no language for a
listing, so we leave it out; ``source_identity`` is optional and would name the notifier, so we leave it
out.

No personal data (DSA article 24(5)). The export never reads a name, address, phone number, e-mail,
username or internal id: the PUID is the statement's random UUID; the legal ground, explanation and facts
are written here from structured fields (infringement type, kind of right, office and registration number
of the right, the restriction and its dates, how the decision was taken), never copied from text that
people typed (the filer's explanation, the reviewer's reasons, the counter-notice, the stored statement's
ground and facts), which can hold names and contact details. As a second line, the typed values that do
reach the export (office, registration number) go through ``scrub_personal_data``, which removes e-mail
addresses, URLs and (except in registration numbers) phone numbers.
"""

import datetime
import re

from django.utils import timezone

from takedowns.models import Channel, InfringementType, RestrictionKind, StatementOfReasons

# --- Allowed values ---------------------------------------------------------------------------------

# app/Models/Statement.php DECISION_VISIBILITIES
DECISION_VISIBILITIES = frozenset(
    {
        "DECISION_VISIBILITY_CONTENT_REMOVED",
        "DECISION_VISIBILITY_CONTENT_DISABLED",
        "DECISION_VISIBILITY_CONTENT_DEMOTED",
        "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
        "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
        "DECISION_VISIBILITY_CONTENT_LABELLED",
        "DECISION_VISIBILITY_OTHER",
    }
)
# app/Models/Statement.php DECISION_MONETARIES
DECISION_MONETARIES = frozenset(
    {"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
)
# app/Models/Statement.php DECISION_PROVISIONS
DECISION_PROVISIONS = frozenset(
    {
        "DECISION_PROVISION_PARTIAL_SUSPENSION",
        "DECISION_PROVISION_TOTAL_SUSPENSION",
        "DECISION_PROVISION_PARTIAL_TERMINATION",
        "DECISION_PROVISION_TOTAL_TERMINATION",
    }
)
# app/Models/Statement.php DECISION_ACCOUNTS
DECISION_ACCOUNTS = frozenset({"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"})
# app/Models/Statement.php ACCOUNT_TYPES
ACCOUNT_TYPES = frozenset({"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"})
# app/Models/Statement.php DECISION_GROUNDS
DECISION_GROUNDS = frozenset({"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"})
# app/Models/Statement.php CONTENT_TYPES
CONTENT_TYPES = frozenset(
    {
        "CONTENT_TYPE_APP",
        "CONTENT_TYPE_AUDIO",
        "CONTENT_TYPE_IMAGE",
        "CONTENT_TYPE_PRODUCT",
        "CONTENT_TYPE_SYNTHETIC_MEDIA",
        "CONTENT_TYPE_TEXT",
        "CONTENT_TYPE_VIDEO",
        "CONTENT_TYPE_OTHER",
    }
)
# app/Models/Statement.php SOURCE_TYPES
SOURCE_TYPES = frozenset(
    {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
)
# app/Models/Statement.php AUTOMATED_DETECTIONS; the API page: "in the form Yes or No"
AUTOMATED_DETECTIONS = frozenset({"Yes", "No"})
# app/Models/Statement.php AUTOMATED_DECISIONS
AUTOMATED_DECISIONS = frozenset(
    {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
)
# api-documentation-two, "Category (category)"
STATEMENT_CATEGORIES = frozenset(
    {
        "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        "STATEMENT_CATEGORY_SELF_HARM",
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        "STATEMENT_CATEGORY_VIOLENCE",
    }
)
# api-documentation-two, "Category Specification (category_specification)": the intellectual-property
# keywords and KEYWORD_OTHER. The schema has no counterfeit keyword; counterfeit goods infringe the mark
# (or design) they copy, so they take that right's keyword.
IP_KEYWORDS = frozenset(
    {
        "KEYWORD_COPYRIGHT_INFRINGEMENT",
        "KEYWORD_DESIGN_INFRINGEMENT",
        "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
        "KEYWORD_PATENT_INFRINGEMENT",
        "KEYWORD_TRADE_SECRET_INFRINGEMENT",
        "KEYWORD_TRADEMARK_INFRINGEMENT",
        "KEYWORD_OTHER",
    }
)
# app/Services/EuropeanCountriesService.php EUROPEAN_ECONOMIC_AREA_COUNTRY_CODES (the allowed values).
EEA_COUNTRY_CODES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
TERRITORIAL_SCOPE_CODES = frozenset(EEA_COUNTRY_CODES)

# Limits from api-documentation-two and multi_rules.
MAX_CHARS = {
    "decision_visibility_other": 500,
    "decision_monetary_other": 500,
    "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2000,
    "category_specification_other": 500,
    "decision_facts": 5000,
    "puid": 500,
}
REQUIRED_FIELDS = (
    "decision_ground",
    "content_type",
    "category",
    "content_date",
    "application_date",
    "decision_facts",
    "source_type",
    "automated_detection",
    "automated_decision",
    "puid",
)
DECISION_FIELDS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
DATE_FIELDS = {
    "content_date": datetime.date(2000, 1, 1),
    "application_date": datetime.date(2020, 1, 1),
    "end_date_account_restriction": None,
    "end_date_monetary_restriction": None,
    "end_date_service_restriction": None,
    "end_date_visibility_restriction": None,
}
LATEST_DATE = datetime.date(2038, 1, 1)
PUID_PATTERN = re.compile(r"[a-zA-Z0-9_-]+")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
API_BATCH_SIZE = 100  # "The multiple endpoint is capable of making 100 statements per call."

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

# --- Personal data ----------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Seven or more digits, allowing the separators people type in phone numbers.
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")


def scrub_personal_data(text, *, phones=True):
    """Remove e-mail addresses, URLs and (unless ``phones`` is false) phone-like digit runs.

    A safety net for the few values people typed that reach the export (the office and registration
    number of a right), not the main defence. Registration numbers are long digit runs themselves, so
    they are scrubbed with ``phones=False``.
    """
    text = _EMAIL.sub("[removed]", text)
    text = _URL.sub("[removed]", text)
    return _PHONE.sub("[removed]", text) if phones else text


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
    kind = InfringementType(statement.infringement_type).label.lower()
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


# --- Validation against the documented schema ---------------------------------------------------------


def dsa_statement_errors(data):
    """What a submission breaks of the documented rules; an empty list means it is acceptable."""
    errors = []

    def one_of(field, allowed):
        if field in data and data[field] not in allowed:
            errors.append(f"{field}: {data[field]!r} is not an allowed value")

    def all_of(field, allowed, *, required=False):
        value = data.get(field)
        if value is None:
            if required:
                errors.append(f"{field} is required")
            return
        if not isinstance(value, list) or not value:
            errors.append(f"{field} must be a non-empty array")
            return
        errors.extend(f"{field}: {v!r} is not an allowed value" for v in value if v not in allowed)

    for field in REQUIRED_FIELDS:
        if data.get(field) in (None, "", []):
            errors.append(f"{field} is required")
    if not any(data.get(field) for field in DECISION_FIELDS):
        errors.append("one of decision_visibility, decision_monetary, decision_provision, decision_account is required")
    all_of("decision_visibility", DECISION_VISIBILITIES)
    one_of("decision_monetary", DECISION_MONETARIES)
    one_of("decision_provision", DECISION_PROVISIONS)
    one_of("decision_account", DECISION_ACCOUNTS)
    one_of("account_type", ACCOUNT_TYPES)
    one_of("decision_ground", DECISION_GROUNDS)
    all_of("content_type", CONTENT_TYPES, required=True)
    one_of("category", STATEMENT_CATEGORIES)
    all_of("category_specification", IP_KEYWORDS)
    all_of("territorial_scope", TERRITORIAL_SCOPE_CODES)
    one_of("source_type", SOURCE_TYPES)
    one_of("automated_detection", AUTOMATED_DETECTIONS)
    one_of("automated_decision", AUTOMATED_DECISIONS)

    if "DECISION_VISIBILITY_OTHER" in (data.get("decision_visibility") or []) and not data.get(
        "decision_visibility_other"
    ):
        errors.append("decision_visibility_other is required with DECISION_VISIBILITY_OTHER")
    if data.get("decision_monetary") == "DECISION_MONETARY_OTHER" and not data.get("decision_monetary_other"):
        errors.append("decision_monetary_other is required with DECISION_MONETARY_OTHER")
    if "CONTENT_TYPE_OTHER" in (data.get("content_type") or []) and not data.get("content_type_other"):
        errors.append("content_type_other is required with CONTENT_TYPE_OTHER")
    if data.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        for field in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not data.get(field):
                errors.append(f"{field} is required with DECISION_GROUND_ILLEGAL_CONTENT")
    if data.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for field in ("incompatible_content_ground", "incompatible_content_explanation"):
            if not data.get(field):
                errors.append(f"{field} is required with DECISION_GROUND_INCOMPATIBLE_CONTENT")

    for field, limit in MAX_CHARS.items():
        if isinstance(data.get(field), str) and len(data[field]) > limit:
            errors.append(f"{field} is longer than {limit} characters")
    if isinstance(data.get("puid"), str) and not PUID_PATTERN.fullmatch(data["puid"]):
        errors.append("puid may hold only a-z, A-Z, 0-9, '-' and '_'")

    dates = {}
    for field, earliest in DATE_FIELDS.items():
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
            errors.append(f"{field} must be YYYY-MM-DD")
            continue
        try:
            dates[field] = day = datetime.date.fromisoformat(value)
        except ValueError:
            errors.append(f"{field} is not a date")
            continue
        if earliest and day < earliest:
            errors.append(f"{field} must be on or after {earliest.isoformat()}")
        if day > LATEST_DATE:
            errors.append(f"{field} must be on or before {LATEST_DATE.isoformat()}")
    applied = dates.get("application_date")
    for field, day in dates.items():
        if field.startswith("end_date_") and applied and day < applied:
            errors.append(f"{field} must be on or after the application date")
    return errors
