"""Statements of reasons (DSA article 17) written with each decision that restricts or restores."""

from django.conf import settings

from takedowns.models import Channel, StatementOfReasons


def redress_text():
    days = settings.TAKEDOWN_APPEAL_DAYS
    return (
        f"You may appeal this decision within {days} days from the item's page (internal complaint-handling, "
        "DSA article 20). You may also refer it to a certified out-of-court dispute settlement body "
        "(DSA article 21) or seek judicial redress before the competent court."
    )


def ground_text(item):
    asset = item.ip_asset
    registration = f" (registration {asset.registration_number}, {asset.office})" if asset.registration_number else ""
    return (
        f"{item.get_infringement_type_display()} of the {asset.get_kind_display().lower()} "
        f"\u201c{asset.name}\u201d{registration} held by {item.notice.rights_holder.legal_name}: "
        "the listing infringes an intellectual property right (illegal content), and the marketplace's "
        "terms of service prohibit infringing listings."
    )


def statement_fields(item, spec, *, now):
    """What a statement says about the decision: every field but the item, its store and the content's age.

    Shared by ``statements_write`` and the set-based sweep (takedowns/sweep.py), which
    fills in the listing's store and creation time per row in SQL.
    """
    proactive = item.notice.channel == Channel.PROACTIVE
    return {
        "restriction_ends_at": spec.get("ends_at"),
        "infringement_type": item.infringement_type,
        "ground": spec.get("ground") or ground_text(item),
        "facts": spec.get("facts") or item.explanation,
        "automated_detection": proactive,
        "automated_decision": spec.get("automated_decision", False),
        "redress": redress_text(),
        "source_type": "SOURCE_VOLUNTARY" if proactive else "SOURCE_ARTICLE_16",
        "decided_at": now,
    }


def statements_write(item, statements, *, now):
    """Write one StatementOfReasons per restriction named by a move (inside its transaction)."""
    for spec in statements:
        StatementOfReasons.objects.get_or_create(
            item=item,
            decision_generation=item.decision_generation,
            restriction=spec["restriction"],
            defaults={
                "store_id": item.listing.store_id,
                "content_created_at": item.listing.created_at,
                **statement_fields(item, spec, now=now),
            },
        )
