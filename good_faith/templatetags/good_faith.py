"""Showing Good Faith figures in words: percentages, hours, a change's figures, status labels."""

from django import template
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from good_faith.membership import change_reason_read
from good_faith.models import MembershipStatus
from portal.models import OrganisationKind
from portal.scoping import organisation_kinds_of

register = template.Library()

STATUS_LABELS = dict(MembershipStatus.choices)

# The figures a MembershipChange records, in the words the pages use; unknown keys keep their own name.
FIGURE_LABELS = {
    "decided": pgettext_lazy("figure", "decided"),
    "upheld": pgettext_lazy("figure", "upheld"),
    "dismissed_after_counter_notice": pgettext_lazy("figure", "successful counter-notices"),
    "rejected": pgettext_lazy("figure", "rejected"),
    "manifestly_unfounded": pgettext_lazy("figure", "manifestly unfounded"),
    "reversed": pgettext_lazy("figure", "reversed"),
    "accuracy_percent": pgettext_lazy("figure", "accuracy"),
    "counter_notice_success_percent": pgettext_lazy("figure", "counter-notice success"),
    "median_hours_to_outcome": pgettext_lazy("figure", "median time to outcome"),
    "misuse_strikes": pgettext_lazy("figure", "misuse strikes"),
    "has_verified_asset": pgettext_lazy("figure", "verified IP asset"),
    "qualifies": pgettext_lazy("figure", "qualified"),
}
# Left out of a change's figures: the change's reason already says them in words.
FIGURES_NOT_SHOWN = {"shortfalls"}


@register.filter
def percent(value):
    """96.1234 -> "96.1%"; None (nothing decided) -> "n/a"."""
    if value is None or value == "":
        return gettext("n/a")
    return f"{float(value):.1f}%"


@register.filter
def hours(value):
    """A median in hours, as a person reads it: "5.2 hours", "3.1 days"."""
    if value is None or value == "":
        return gettext("n/a")
    value = float(value)
    if value >= 48:
        return gettext("%(n)s days") % {"n": f"{value / 24:.1f}"}
    return gettext("%(n)s hours") % {"n": f"{value:.1f}"}


CAUSE_LABELS = {
    "nightly": gettext_lazy("Nightly evaluation"),
    "granted": gettext_lazy("Granted by staff"),
    "revoked": gettext_lazy("Revoked by staff"),
    "override_lifted": gettext_lazy("Staff override lifted"),
}


@register.filter
def cause_label(value):
    return CAUSE_LABELS.get(value, (value or "").replace("_", " ").capitalize())


@register.filter
def change_reason(change):
    """A membership change's reason: the nightly evaluation's (a record, English) in the reader's language,
    staff's as they wrote it."""
    return change_reason_read(change)


@register.filter
def membership_status_label(value):
    if not value:
        return "-"
    return STATUS_LABELS.get(value, value.replace("_", " "))


@register.filter
def figure_items(figures):
    """[(label, text), ...] of a figures dict, in a stable order."""
    if not isinstance(figures, dict):
        return []
    order = list(FIGURE_LABELS)
    items = []
    keys = [k for k in figures if k not in FIGURES_NOT_SHOWN]
    for key in sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k)):
        value = figures[key]
        if key.endswith("_percent"):
            text = percent(value)
        elif key.startswith("median_hours"):
            text = hours(value)
        elif isinstance(value, bool):
            text = gettext("yes") if value else gettext("no")
        elif isinstance(value, (list, tuple)):
            text = "; ".join(str(v) for v in value) or gettext("none")
        else:
            text = gettext("n/a") if value is None else str(value)
        items.append((FIGURE_LABELS.get(key, key.replace("_", " ")), text))
    return items


@register.filter
def acts_for_rights_holder(user):
    """Whether the nav shows the Good Faith link: staff, or a user of a rights holder or an agent firm.

    Read from the user's memberships (``portal.scoping.memberships_of``: one query a request, shared with the
    top bar and scoping).
    """
    if not user.is_authenticated:
        return False
    if user.is_platform_staff:
        return True
    kinds = set(organisation_kinds_of(user).values())
    return bool(kinds & {OrganisationKind.RIGHTS_HOLDER, OrganisationKind.AGENT})
