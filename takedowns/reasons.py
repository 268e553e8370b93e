"""Statements of reasons (DSA article 17) written with each decision that restricts or restores."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from portal.i18n import in_records_language, record_label, records_language
from rights_holders.models import IPAssetKind
from takedowns.models import Channel, InfringementType, StatementOfReasons
from takedowns.recorded import penalties as penalty_texts
from takedowns.recorded import recorded_read

REDRESS_TEXT = gettext_lazy(
    "You may appeal this decision within %(days)s days from the item's page (internal complaint-handling, "
    "DSA article 20). You may also refer it to a certified out-of-court dispute settlement body "
    "(DSA article 21) or seek judicial redress before the competent court."
)


def redress_text():
    """The ways to seek redress, as a statement of reasons records them: in English (a record)."""
    return in_records_language(REDRESS_TEXT) % {"days": settings.TAKEDOWN_APPEAL_DAYS}


def ground_text(item):
    asset = item.ip_asset
    return ground_text_of(
        infringement_type=item.infringement_type,
        asset_kind=asset.kind,
        asset_name=asset.name,
        registration_number=asset.registration_number,
        office=asset.office,
        holder_name=item.notice.rights_holder.legal_name,
    )


GROUND_TEXT = gettext_lazy(
    "%(infringement)s of the %(right)s “%(asset)s”%(registration)s held by %(holder)s: the listing "
    "infringes an intellectual property right (illegal content), and the marketplace's terms of service prohibit "
    "infringing listings."
)
REGISTRATION_TEXT = gettext_lazy(" (registration %(number)s, %(office)s)")


def ground_text_of(*, infringement_type, asset_kind, asset_name, registration_number, office, holder_name):
    """The legal ground of a restriction, from the values it names (the set-based sweep has them per row).

    In English: a statement of reasons is a record, the same whoever decided (``statement_read`` says it
    again in the reader's language).
    """
    with records_language():
        return _ground(
            infringement_type=infringement_type,
            asset_kind=asset_kind,
            asset_name=asset_name,
            registration_number=registration_number,
            office=office,
            holder_name=holder_name,
            label=record_label,
        )


def _ground(*, infringement_type, asset_kind, asset_name, registration_number, office, holder_name, label):
    registration = str(REGISTRATION_TEXT) % {"number": registration_number, "office": office}
    return str(GROUND_TEXT) % {
        "infringement": label(InfringementType, infringement_type),
        "right": str(label(IPAssetKind, asset_kind)).lower(),
        "asset": asset_name,
        "registration": registration if registration_number else "",
        "holder": holder_name,
    }


def _reader_label(choices, value):
    return choices(value).label if value in choices.values else value


@dataclass(frozen=True)
class StatementRead:
    """A statement of reasons as a reader reads it: its fixed text in the reader's language."""

    ground: str
    redress: str
    facts: str


def statement_read(statement, item):
    """``statement`` of ``item`` in the active language: the ground and redress said anew from the record's fields
    when they are the standard text (a reviewer's own ground stays as written), the engine's lines of the facts
    read anew (``takedowns.recorded``), a party's words in them as written."""
    asset = item.ip_asset
    values = {
        "infringement_type": statement.infringement_type,
        "asset_kind": asset.kind,
        "asset_name": asset.name,
        "registration_number": asset.registration_number,
        "office": asset.office,
        "holder_name": item.notice.rights_holder.legal_name,
    }
    ground = statement.ground
    standard = ground_text_of(**values)
    if ground == standard:
        ground = _ground(**values, label=_reader_label)
    elif ground == penalty_texts.SANCTION_GROUND % {"ground": standard}:
        # A store-level statement: the item's ground, then the penalty ladder's.
        ground = gettext(penalty_texts.SANCTION_GROUND) % {"ground": _ground(**values, label=_reader_label)}
    redress = statement.redress
    if redress == redress_text():
        redress = str(REDRESS_TEXT) % {"days": settings.TAKEDOWN_APPEAL_DAYS}
    return StatementRead(ground=ground, redress=redress, facts=recorded_read(statement.facts))


def statement_fields(item, spec, *, now, ground=None):
    """What a statement says about the decision: every field but the item, its store and the content's age.

    Used by ``statement_rows`` for every statement a decision writes. The set-based
    sweep (takedowns/sweep.py) passes ``ground`` (``ground_text_of`` each row's asset,
    put in place per row) rather than letting it be read from the item.
    """
    proactive = item.notice.channel == Channel.PROACTIVE
    return {
        "restriction_ends_at": spec.get("ends_at"),
        "infringement_type": item.infringement_type,
        "ground": spec.get("ground") or ground or ground_text(item),
        "facts": spec.get("facts") or item.explanation,
        "automated_detection": proactive,
        "automated_decision": spec.get("automated_decision", False),
        "redress": redress_text(),
        "source_type": "SOURCE_VOLUNTARY" if proactive else "SOURCE_ARTICLE_16",
        "decided_at": now,
    }


def statement_rows(item, specs, *, now, ground=None):
    """One unsaved StatementOfReasons per restriction a decision names (``specs``), for the item's decision."""
    return [
        StatementOfReasons(
            item=item,
            decision_generation=item.decision_generation,
            restriction=spec["restriction"],
            store_id=item.listing.store_id,
            content_created_at=item.listing.created_at,
            **statement_fields(item, spec, now=now, ground=ground),
        )
        for spec in specs
    ]


def statements_write(item, specs, *, now):
    """Write the statements of a decision on ``item`` (inside its transaction); one already written stays."""
    StatementOfReasons.objects.bulk_create(statement_rows(item, specs, now=now), ignore_conflicts=True)
