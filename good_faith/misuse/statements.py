"""The statement of reasons of a measure (DSA article 17): facts, ground, duration, redress."""

from datetime import timedelta

from django.conf import settings

from good_faith.models import MisuseMeasureKind
from takedowns.notifications.delivery import path_or_blank

# The statement lists the strikes one by one up to this many; a longer list is summarised.
LISTED_STRIKES = 20
GROUND = (
    "EU Digital Services Act article 23(2): a provider shall, for a reasonable period and after a prior "
    "warning, suspend the processing of notices from those who frequently submit notices that are manifestly "
    "unfounded; and the portal's terms of use, under which notices must be filed in good faith and be accurate."
)


def utc_text(instant):
    return f"{instant:%Y-%m-%d %H:%M} UTC"


def misuse_redress_text():
    return (
        "You may appeal this measure once, while it is in force, from the Misuse page of the portal "
        f"({path_or_blank('good_faith:misuse') or '/good-faith/misuse/'}): explain why the notices were not "
        "manifestly unfounded; a senior reviewer decides and may lift the measure. You may also appeal each "
        f"rejection on its item page within {settings.TAKEDOWN_APPEAL_DAYS} days (a rejection reversed on appeal no "
        "longer counts), refer the matter to a certified out-of-court dispute settlement body (DSA article 21), "
        "or seek judicial redress before the competent court."
    )


def measure_statement(organisation, kind, strikes, *, now, ends_at, decided):
    window = settings.MISUSE_WINDOW_DAYS
    lines = [
        f"- item {strike_id}, listing {listing}, rejected {utc_text(at)}"
        for strike_id, at, listing in strikes[:LISTED_STRIKES]
    ]
    if len(strikes) > LISTED_STRIKES:
        lines.append(f"- and {len(strikes) - LISTED_STRIKES} more")
    if kind == MisuseMeasureKind.WARNING:
        measure = (
            "A warning. Nothing is restricted now; "
            f"at {settings.MISUSE_SUSPENSION_THRESHOLD} manifestly unfounded notices within {window} days, "
            f"{organisation.name} will be suspended from filing notices for {settings.MISUSE_SUSPENSION_DAYS} days."
        )
        duration = f"The warning counts for {window} days, until {utc_text(now + timedelta(days=window))}."
    else:
        measure = f"{organisation.name} may not file notices (on the web pages or the API) while suspended."
        duration = (
            f"{settings.MISUSE_SUSPENSION_DAYS} days, from {utc_text(now)} until {utc_text(ends_at)}; notices may be "
            "filed again after that."
        )
    return "\n".join(
        [
            f"Measure: {measure}",
            "",
            f"Facts: in the {window} days up to {utc_text(now)}, reviewers rejected {len(strikes)} items of notices "
            f"filed by {organisation.name} as manifestly unfounded, out of {decided} items decided in that time "
            f"(warning at {settings.MISUSE_WARNING_THRESHOLD}, filing suspension at "
            f"{settings.MISUSE_SUSPENSION_THRESHOLD}):",
            *lines,
            "",
            f"Ground: {GROUND}",
            "",
            f"Duration: {duration}",
            "",
            "Automation: each rejection was decided by a reviewer; the measure followed automatically when the "
            "count reached the threshold.",
            "",
            f"Redress: {misuse_redress_text()}",
        ]
    )
