"""The alerts inbox's verbs: a rights holder confirms an alert (a notice is filed) or dismisses it.

An alert (``ScreeningAlert``) is screening's "suspicious listing we cannot verify alone". It
leaves ``open`` once, for ``confirmed``, ``already_filed`` or ``dismissed`` (``ALERT_MOVES``), only
through these verbs, which the browser inbox and the API call alike (``alert_close_already_filed``
is the page's shortcut to ``already_filed``). Each one, in one durable transaction:
locks the alert, checks that the actor may act for its brand (the brand's own staff, or an agent
firm whose letter of authorisation is in force: ``rights_holders.authority``, the filing's own
rule), checks that it is still open (else ``TransitionError``, 409, with the alert's status: a
second confirmation files nothing), writes the decision, its audit entry and announces it
(``portal.events``: ``screening_alert_decision``, which the api app turns into ``alert.decided``
webhooks).

``alert_confirm`` files the notice through the engine's ordinary filing
(``takedowns.notices.notice_submit``, channel web or api, the filer's organisation checked, the
filer's contact details and declarations from the confirming person), with one line: the alert's
listing and asset, counterfeit unless told otherwise, the explanation built from the evidence
(``screening.evidence``) unless the filer wrote their own, and the screening result's public id
as the item's ``screening_reference`` (unique per asset in the database: one result files once,
whatever the caller). The filing joins this transaction (``enclosing_transaction``): the notice
and the alert's confirmation commit together or not at all. A line the engine would keep as
invalid (the asset no longer verified, the listing removed) refuses the confirmation instead and
keeps nothing: nobody wants an invalid notice from a button.

A listing already under an open complaint of the brand for the same asset (the engine's
"duplicate") is not a refusal: the brand meant "this is a copy" and already said so. The alert
is closed as ``already_filed``, naming that notice, audited (``screening.alert.already_filed``,
with the notice and item) and announced like any decision; no notice is filed. The check comes
before the filing; a filing by someone else that opens the item a moment later (the engine's
duplicate, seen after the check) is undone to its savepoint and ends the same way.

``alert_dismiss`` needs a reason (``DismissalReason``) and, for "other", a note.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.events import events_announce
from portal.forms import text_problem_later
from portal.i18n import text_later
from portal.transactions import durable_atomic, enclosing_transaction
from rights_holders.authority import acting_role_check, acting_roles_of
from screening.evidence import alert_explanation
from screening.models import AlertStatus, DismissalReason, ScreeningAlert
from takedowns.models import Channel, InfringementType, NoticeItem
from takedowns.notices import LISTING_BY_PUBLIC_ID, ItemDraft, LineProblem, notice_submit
from takedowns.notices.lines import open_items_find
from takedowns.recorded import recorded_later

# Declared once: an alert leaves "open" for one of these, and never moves again.
ALERT_MOVES = {AlertStatus.OPEN: frozenset({AlertStatus.CONFIRMED, AlertStatus.ALREADY_FILED, AlertStatus.DISMISSED})}
# The channels a person confirms through (the proactive channel is the platform's own).
CONFIRM_CHANNELS = frozenset({Channel.WEB, Channel.API})
# What the engine says of a line that the alert's state (not the filer's input) forbids: a 409.
STATE_PROBLEMS = frozenset({"asset_expired", "asset_not_verified", "asset_foreign", "listing_removed", "duplicate"})
DUPLICATE = "duplicate"
NOTE_REQUIRED_MESSAGE = gettext_lazy("Say in a note why you dismiss the alert (the reason is “other”).")


@dataclass(frozen=True)
class AlertDecision:
    """What a verb did: the alert as it now stands and, for a confirmation, the filing's receipt."""

    alert: ScreeningAlert
    receipt: object = None
    # For already_filed: the brand's open item (its notice loaded) the listing was already under.
    open_item: NoticeItem | None = None

    @property
    def already_filed(self):
        return self.alert.status == AlertStatus.ALREADY_FILED


def _alert_lock(alert_id):
    # Only the alert's row is locked (``of``): the listing and the brand stay free for the filing to lock.
    alert = (
        ScreeningAlert.objects.select_for_update(of=("self",))
        .select_related("rights_holder__organisation", "asset", "listing", "result")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise ScreeningAlert.DoesNotExist(f"No alert {alert_id}.")
    return alert


def _role_check(*, actor, alert, acting_organisation, now):
    """The role the actor acts in for the alert's brand; PermissionDenied if none."""
    holder = alert.rights_holder
    if acting_organisation is not None:
        return acting_role_check(user=actor, rights_holder=holder, organisation=acting_organisation, when=now)
    roles = acting_roles_of(actor, rights_holder=holder, when=now)
    if not roles:
        raise PermissionDenied(
            text_later(
                gettext_lazy("You do not act for %(brand)s: only its staff or its agents decide its alerts."),
                brand=holder.legal_name,
            )
        )
    return roles[0]


# What a closed alert can no longer be, as the refusal says it.
VERBS = {
    "confirmed": pgettext_lazy("an alert cannot be ... now", "confirmed"),
    "dismissed": pgettext_lazy("an alert cannot be ... now", "dismissed"),
    "closed as already filed": pgettext_lazy("an alert cannot be ... now", "closed as already filed"),
}


def _open_check(alert, verb):
    if alert.status not in ALERT_MOVES:
        done = {
            AlertStatus.CONFIRMED: gettext_lazy("This alert was confirmed already (a notice was filed)"),
            AlertStatus.ALREADY_FILED: gettext_lazy(
                "This alert was closed already: its listing was under the brand's open notice"
            ),
            AlertStatus.DISMISSED: gettext_lazy("This alert was dismissed already"),
        }.get(alert.status) or text_later(gettext_lazy("This alert is %(status)s"), status=alert.status)
        raise TransitionError(
            text_later(gettext_lazy("%(done)s; it cannot be %(verb)s now."), done=done, verb=VERBS.get(verb, verb)),
            item=alert,
            code="alert_not_open",
        )


def _decided(alert, status, *, actor, now, fields):
    if status not in ALERT_MOVES.get(alert.status, ()):
        raise TransitionError(
            text_later(
                gettext_lazy("An alert cannot move from %(before)s to %(after)s."), before=alert.status, after=status
            ),
            item=alert,
        )
    alert.status = status
    alert.decided_at = now
    alert.decided_by = actor
    for name, value in fields.items():
        setattr(alert, name, value)
    alert.save(update_fields=["status", "decided_at", "decided_by", *fields])


def alert_dismiss(*, alert_id, actor, reason, note="", acting_organisation=None, now=None):
    """Dismiss an open alert with a reason (and a note when the reason is "other"). Returns an AlertDecision."""
    reason = str(reason or "").strip()
    note = "" if note is None else str(note)
    if not reason:
        raise InvalidInput(gettext_lazy("Choose why you dismiss the alert."), code="reason_required")
    if reason not in DismissalReason.values:
        shown = ", ".join(DismissalReason.values)
        raise InvalidInput(
            text_later(
                gettext_lazy("Unknown reason “%(reason)s”: choose one of %(choices)s."),
                reason=reason[:40],
                choices=shown,
            ),
            code="reason_invalid",
        )
    if problem := text_problem_later(note, multiline=True):
        raise InvalidInput(text_later(gettext_lazy("The note: %(problem)s"), problem=problem), code="note_invalid")
    note = note.strip()
    if reason == DismissalReason.OTHER and not note:
        raise InvalidInput(NOTE_REQUIRED_MESSAGE, code="note_required")
    now = now or timezone.now()
    with durable_atomic():
        alert = _alert_lock(alert_id)
        role = _role_check(actor=actor, alert=alert, acting_organisation=acting_organisation, now=now)
        _open_check(alert, "dismissed")
        _decided(
            alert,
            AlertStatus.DISMISSED,
            actor=actor,
            now=now,
            fields={"dismissal_reason": reason, "dismissal_note": note},
        )
        audit_log_record(
            action="screening.alert.dismissed",
            actor=actor,
            obj=alert,
            organisation_id=alert.rights_holder.organisation_id,
            data={"reason": reason, "note": note, "acting_organisation": role.organisation.pk},
        )
        events_announce("screening_alert_decision", [alert.pk])
    return AlertDecision(alert)


def alert_notice_draft(alert, *, infringement_type=None, explanation=None, evidence=()):
    """The notice's one line, pre-filled from the alert: its listing and asset, counterfeit, the evidence."""
    if explanation is None or not str(explanation).strip():
        explanation = alert_explanation(
            asset_name=alert.asset.name,
            holder_name=alert.rights_holder.legal_name,
            score=alert.result.score,
            reference=str(alert.result.public_id),
            signals=alert.result.signals,
        )
    return ItemDraft(
        listing_ref=str(alert.listing.public_id),
        listing_by=LISTING_BY_PUBLIC_ID,
        listing_shown=alert.listing.external_id,
        ip_asset_id=alert.asset_id,
        ip_asset=alert.asset,
        infringement_type=infringement_type or InfringementType.COUNTERFEIT,
        explanation=str(explanation),
        evidence=list(evidence),
        screening_reference=str(alert.result.public_id),
    )


def alert_confirm(
    *,
    alert_id,
    actor,
    data,
    acting_organisation=None,
    channel=Channel.WEB,
    infringement_type=None,
    explanation=None,
    evidence=(),
    now=None,
):
    """Confirm an open alert: file its notice (see the module's docstring) and link it, or, when the listing is
    under the brand's open notice for the asset already, close it as already_filed naming that notice. Returns an
    AlertDecision (``already_filed`` and ``open_item`` say which).

    ``data``: the notice's filer fields and declarations (``takedowns.notices.NOTICE_FIELDS`` and
    ``DECLARATIONS``), as the filing form and the API's notice filing take them. Refusals write
    nothing: ``ValidationError`` (the filer's details), ``InvalidInput`` (the line's text),
    ``PermissionDenied`` (who acts), ``TransitionError`` (the alert is no longer open, or the
    listing or asset forbids a notice now).
    """
    if channel not in CONFIRM_CHANNELS:
        raise ValueError(f"An alert is confirmed on the web or API channel, not {channel!r}.")
    if infringement_type is not None and infringement_type not in InfringementType.values:
        shown = ", ".join(InfringementType.values)
        raise InvalidInput(
            text_later(gettext_lazy("Choose an infringement type (%(choices)s)."), choices=shown),
            code="infringement_type_invalid",
        )
    now = now or timezone.now()
    # Durable for whoever calls it; inside, the filing joins this transaction instead of committing alone.
    with durable_atomic(), enclosing_transaction():
        alert = _alert_lock(alert_id)
        role = _role_check(actor=actor, alert=alert, acting_organisation=acting_organisation, now=now)
        _open_check(alert, "confirmed")
        open_item = alert_open_item(alert)
        if open_item is None:
            draft = alert_notice_draft(
                alert, infringement_type=infringement_type, explanation=explanation, evidence=evidence
            )
            try:
                # A savepoint of its own: a filing that turns out a duplicate leaves nothing (files included).
                with enclosing_transaction():
                    receipt = _notice_file(alert, draft, actor=actor, role=role, channel=channel, data=data, now=now)
            except TransitionError as exc:
                # Another filing opened the item between the check and this one: the same answer as the check's.
                if exc.code != DUPLICATE or (open_item := alert_open_item(alert)) is None:
                    raise
        if open_item is not None:
            return _already_filed(alert, open_item, actor=actor, role=role, channel=channel, now=now)
        _notice_decided(
            alert, AlertStatus.CONFIRMED, item=receipt.accepted[0], actor=actor, role=role, channel=channel, now=now
        )
    return AlertDecision(alert, receipt)


def alert_close_already_filed(*, alert_id, actor, acting_organisation=None, now=None):
    """Close an open alert whose listing is under the brand's open notice for its asset already (the page's
    one button when it shows that notice: no form to sign for a notice nobody files). Returns an AlertDecision.

    ``TransitionError`` ``no_open_notice`` when there is none (any more): the alert stays open to confirm.
    """
    now = now or timezone.now()
    with durable_atomic():
        alert = _alert_lock(alert_id)
        role = _role_check(actor=actor, alert=alert, acting_organisation=acting_organisation, now=now)
        _open_check(alert, "closed as already filed")
        open_item = alert_open_item(alert)
        if open_item is None:
            raise TransitionError(
                text_later(
                    gettext_lazy(
                        "Listing %(listing)s is under no open notice of %(brand)s for %(asset)s now: prepare a notice "
                        "to confirm the alert."
                    ),
                    listing=alert.listing.external_id,
                    brand=alert.rights_holder.legal_name,
                    asset=alert.asset.name,
                ),
                item=alert,
                code="no_open_notice",
            )
        return _already_filed(alert, open_item, actor=actor, role=role, channel=Channel.WEB, now=now)


def alert_open_item(alert):
    """The brand's open item (with its notice) on the alert's listing for the alert's asset, or None.

    The engine's own duplicate rule (``open_items_find``: one open item per listing and asset).
    """
    item_id = open_items_find({(alert.listing_id, alert.asset_id)}).get((alert.listing_id, alert.asset_id))
    if item_id is None:
        return None
    return NoticeItem.objects.select_related("notice").filter(pk=item_id).first()


def _notice_file(alert, draft, *, actor, role, channel, data, now):
    """File the alert's notice; a line the engine keeps as invalid raises (rolling the notice back)."""
    try:
        receipt = notice_submit(
            actor=actor,
            rights_holder=alert.rights_holder,
            acting_organisation=role.organisation,
            channel=channel,
            data=data,
            drafts=[draft],
            now=now,
        )
    except ValidationError as exc:
        raise _line_refusal(exc, alert) from exc
    if not receipt.accepted:
        item = receipt.invalid[0]
        raise _problem_error(receipt.problems.get(item.pk) or item.invalid_reason, alert)
    return receipt


def _already_filed(alert, open_item, *, actor, role, channel, now):
    _notice_decided(alert, AlertStatus.ALREADY_FILED, item=open_item, actor=actor, role=role, channel=channel, now=now)
    return AlertDecision(alert, open_item=open_item)


def _notice_decided(alert, status, *, item, actor, role, channel, now):
    """The alert names ``item``'s notice (filed now, or open already), audited as ``screening.alert.<status>``."""
    _decided(alert, status, actor=actor, now=now, fields={"notice": item.notice})
    audit_log_record(
        action=f"screening.alert.{status}",
        actor=actor,
        obj=alert,
        organisation_id=alert.rights_holder.organisation_id,
        data={
            "notice": item.notice_id,
            "item": item.pk,
            "channel": str(channel),
            "acting_organisation": role.organisation.pk,
        },
    )
    events_announce("screening_alert_decision", [alert.pk])


def _problem_error(problem, alert):
    """The engine's problem with the alert's line (recorded in English) as a refusal, read in the reader's
    language when shown (``takedowns.recorded``)."""
    code = getattr(problem, "code", "invalid")
    message = recorded_later(str(problem))
    if code in STATE_PROBLEMS:
        return TransitionError(message, item=alert, code=code)
    return InvalidInput(message, code=code)


def _line_refusal(exc, alert):
    """The filing's ValidationError: a refused line (its text, a vanished listing) becomes the alert's error;
    the notice's own problems (the filer's details, a suspension) stay a ValidationError for the form."""
    if hasattr(exc, "error_dict"):
        return exc
    lines = [error for error in exc.error_list if getattr(error, "line", None) is not None]
    if not lines:
        return exc
    error = lines[0]
    problem = error.messages[0]
    return _problem_error(LineProblem(problem, error.code or "invalid"), alert)
