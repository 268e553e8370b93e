"""Sellers a brand reports to screening: by store (public id or name), phone, business licence number or
payout account, each kept only as a keyed hash (``portal.identity.identity_hash``, the same hash the
ban register and stores keep) and its last four characters. Merchant facts (``screening.merchants``)
then link a store whose merchant shares one of them to the brand's listings, as a moderate signal.

Every report and removal is audited and moves the snapshot's version (the screened facts changed).
An identifier the brand already reported is refused, naming the earlier report; other brands may
report the same seller (each report counts for its own brand).
"""

import re

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import public_ids
from portal.audit import audit_log_record
from portal.errors import InvalidInput
from portal.forms import text_problem_later
from portal.identity import identity_hash, normalise_identifier
from portal.transactions import durable_atomic
from rights_holders.announcements import ip_register_changed
from rights_holders.models import RightsHolder
from screening.intel.access import actor_check
from screening.intel.models import ReportedSeller, ReportedSellerIdentity, SellerIdentityKind

IDENTIFIER_MAX_LENGTH = 100
# The shortest identifier worth comparing, after separators are set aside: shorter ones would link strangers.
MIN_LENGTH = {
    SellerIdentityKind.STORE: 3,
    SellerIdentityKind.PHONE: 6,
    SellerIdentityKind.LICENCE: 5,
    SellerIdentityKind.PAYOUT: 8,
}
LABELS = {
    SellerIdentityKind.STORE: gettext_lazy("Store"),
    SellerIdentityKind.PHONE: gettext_lazy("Phone"),
    SellerIdentityKind.LICENCE: gettext_lazy("Business licence number"),
    SellerIdentityKind.PAYOUT: gettext_lazy("Payout account"),
}


class SellerReportRefused(InvalidInput):
    """``problems``: {kind: why}; nothing was written."""

    default_code = "seller_report_refused"

    def __init__(self, problems, *, code=None):
        self.problems = dict(problems)
        text = "; ".join(f"{LABELS[kind]}: {why}" for kind, why in self.problems.items())
        super().__init__(_("Nothing was reported. %(problems)s") % {"problems": text}, code=code)


def store_identity(value):
    """The store identifier as compared: a store's public id (``sto_…``) as its UUID, else the name as given."""
    text = str(value).strip()
    decoded = public_ids.decode("sto", text)
    return text if decoded is None else str(decoded)


def store_identity_hashes(store):
    """The hashes a reported store may have been given as: its public id, its name."""
    return {identity_hash(str(store.public_id)), identity_hash(store.name)}


def _problem(kind, value):
    if problem := text_problem_later(value, multiline=False, max_length=IDENTIFIER_MAX_LENGTH):
        return problem
    compared = normalise_identifier(value)
    # Say what a phone number is before how long it must be: "call me" is not a short phone number.
    if kind == SellerIdentityKind.PHONE and not re.fullmatch(r"\+?[0-9()]+", compared):
        return _("a phone number is digits, with an optional + in front (spaces and dashes are fine).")
    if (
        kind == SellerIdentityKind.STORE
        and value.strip().lower().startswith("sto_")
        and store_identity(value) == value.strip()
    ):
        # Meant as a store's public id, mistyped: kept as a name it would never match the store.
        return _(
            "this is not a store's public id: one is sto_ followed by 26 letters and digits, as the "
            "marketplace shows it. Copy it again, or give the store's name."
        )
    if len(compared) < MIN_LENGTH[kind] or (
        kind == SellerIdentityKind.PHONE and sum(c.isdigit() for c in compared) < MIN_LENGTH[kind]
    ):
        return _(
            "at least %(n)s characters besides spaces, dots, dashes and slashes are needed; "
            "a shorter one would match sellers who merely look alike."
        ) % {"n": MIN_LENGTH[kind]}
    return ""


def seller_report(*, rights_holder_id, identifiers, actor, now=None):
    """Report a seller by ``identifiers`` ({SellerIdentityKind: text}; blank ones ignored). Returns the report.

    Raises ``SellerReportRefused`` (naming each bad or already reported identifier), ``InvalidInput``
    (none given) or ``PermissionDenied``.
    """
    given = {}
    for kind, value in (identifiers or {}).items():
        kind = SellerIdentityKind(kind)
        value = str(value or "").strip()
        if value:
            given[kind] = value
    if not given:
        raise InvalidInput(
            _(
                "Give at least one identifier of the seller: its store, phone, business licence number or payout "
                "account."
            ),
            code="no_identifiers",
        )
    actor_check(actor, int(rights_holder_id))
    problems = {kind: why for kind, value in given.items() if (why := _problem(kind, value))}
    if problems:
        raise SellerReportRefused(problems)
    hashed = {
        kind: identity_hash(store_identity(value) if kind == SellerIdentityKind.STORE else value)
        for kind, value in given.items()
    }
    now = now or timezone.now()
    with durable_atomic():
        # The holder's row lock orders two reports of the same brand: the check below sees the other's rows.
        holder = RightsHolder.objects.select_for_update().get(pk=rights_holder_id)
        earlier = {
            (kind, value): created_at
            for kind, value, created_at in ReportedSellerIdentity.objects.filter(
                rights_holder=holder, identity_hash__in=hashed.values()
            ).values_list("kind", "identity_hash", "report__created_at")
        }
        repeated = {
            kind: _("your brand reported this one on %(date)s; remove that report first to report it again.")
            % {"date": date_format(earlier[(kind, value)])}
            for kind, value in hashed.items()
            if (kind, value) in earlier
        }
        if repeated:
            raise SellerReportRefused(repeated, code="already_reported")
        report = ReportedSeller.objects.create(rights_holder=holder, reported_by=actor, created_at=now)
        ReportedSellerIdentity.objects.bulk_create(
            [
                ReportedSellerIdentity(
                    report=report,
                    rights_holder=holder,
                    kind=kind,
                    identity_hash=value,
                    last4=normalise_identifier(given[kind])[-4:],
                )
                for kind, value in hashed.items()
            ]
        )
        audit_log_record(
            action="screening.seller.reported",
            actor=actor,
            obj=report,
            organisation_id=holder.organisation_id,
            # Never the identifiers: their kinds and last characters, as the page shows them.
            data={"identifiers": {kind: normalise_identifier(given[kind])[-4:] for kind in sorted(given)}},
        )
        ip_register_changed([holder.pk], reason="A seller reported")
    return report


def seller_report_remove(*, report_id, actor):
    """Withdraw a report (audited; the snapshot moves on). Raises ReportedSeller.DoesNotExist when gone."""
    with durable_atomic():
        report = ReportedSeller.objects.select_for_update().select_related("rights_holder").get(pk=report_id)
        actor_check(actor, report.rights_holder_id)
        kinds = dict(report.identities.values_list("kind", "last4"))
        data = {"report": str(report.public_id), "identifiers": kinds}
        holder = report.rights_holder
        report.delete()
        audit_log_record(
            action="screening.seller.report_removed",
            actor=actor,
            obj=holder,
            organisation_id=holder.organisation_id,
            data=data,
        )
        ip_register_changed([holder.pk], reason="A seller report removed")
