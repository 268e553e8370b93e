"""What the DSA Transparency Database accepts, and a check of one submission against it.

Every list names its source (see the package docstring): the API documentation and
``app/Models/Statement.php`` / ``GroupedSubmissionsService.php`` of the database's repository.
"""

import datetime
import re

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
