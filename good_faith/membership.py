"""Good Faith membership: who qualifies, the nightly evaluation, staff overrides.

Rules (DOMAIN.md "Good Faith programme"; thresholds in settings):

- A scope (the whole record, or one infringement type) qualifies with at least
  GOOD_FAITH_MIN_DECIDED decided items in the window, at least
  GOOD_FAITH_MIN_UPHELD_PERCENT upheld, at most
  GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT successful counter-notices, no misuse
  strike, and (rights holders) at least one verified, unexpired IP asset.
  A misuse strike is a manifestly unfounded rejection in the window, of any
  type, or a misuse warning or suspension in the window that was not lifted
  on appeal: misuse is about the filer's conduct, so it blocks every scope.
- The nightly run keeps a ``Membership`` row for every scope that is judged
  (enough decided items) or has been a member: qualifiers become members,
  members that no longer qualify are suspended with ``cooling_off_until =
  now + GOOD_FAITH_COOLING_OFF_DAYS``, and a suspended scope is enrolled again
  only once that instant has passed. Each status change is a
  ``MembershipChange`` with the figures and a notification to the holder.
- A staff override (granted or revoked) holds across runs until lifted; the
  nightly run still records the figures on it.
- Partners' own records (notices they filed or vetted) are judged by the
  same bar (no asset needed).
- Which rows fast-track an item (a type's own row, the overall one, a
  partner's privilege) is ``good_faith.selectors``, the one place every
  reader asks.

The nightly run is set-based: one records query per subject kind, one query
each for assets, misuse measures and existing rows, bulk writes. Runs are
serialised by a PostgreSQL advisory lock that staff overrides share, so an
override never interleaves with a run.
"""

import json
import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext_lazy, pgettext_lazy

from good_faith.models import OVERALL, ManualOverride, Membership, MembershipChange, MembershipStatus
from good_faith.records import TrackRecord, track_records, window_start
from portal.audit import audit_log_record
from portal.errors import TransitionError
from portal.i18n import records_language
from portal.models import AuditLogEntry
from portal.roles import user_is_platform_staff
from portal.transactions import durable_atomic
from rights_holders.models import IPAsset, Partner, RightsHolder
from takedowns.recorded import recorded_read, recorded_register, recorded_register_joined

M = MembershipStatus
# pg_advisory_xact_lock key: arbitrary but fixed, shared by the nightly run and staff overrides.
ADVISORY_LOCK_KEY = 71_061_770
CAUSE_NIGHTLY = "nightly"
CAUSE_GRANTED = "granted"
CAUSE_REVOKED = "revoked"
CAUSE_LIFTED = "override_lifted"
SUBJECTS = ("rights_holder", "partner")


# --- Eligibility ------------------------------------------------------------


def _percent_text(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# The ways a scope misses the bar, in the words the pages show and, joined by "; ", a nightly change's reason
# records (English; ``takedowns.recorded`` reads them anew, registered by ``GoodFaithConfig.ready``).
SHORTFALL_DECIDED = ngettext_lazy(
    "%(missing)s more decided item needed (%(decided)s of %(minimum)s)",
    "%(missing)s more decided items needed (%(decided)s of %(minimum)s)",
    "missing",
)
SHORTFALL_UPHELD = gettext_noop("upheld %(shown)s%% of %(required)s%% needed")
SHORTFALL_COUNTER_NOTICES = gettext_noop("successful counter-notices %(shown)s%%, at most %(allowed)s%% allowed")
SHORTFALL_MISUSE = ngettext_lazy(
    "%(n)s misuse strike (manifestly unfounded notices and misuse measures) in the last %(days)s days; none allowed",
    "%(n)s misuse strikes (manifestly unfounded notices and misuse measures) in the last %(days)s days; none allowed",
    "n",
)
SHORTFALL_NO_ASSET = gettext_noop("no verified IP asset")
SHORTFALLS_SEPARATOR = "; "
# A nightly change's reason when the scope misses nothing.
MEETS_EVERY_REQUIREMENT = gettext_noop("Meets every requirement.")


def membership_texts_register():
    """Register a nightly change's reasons with the records' reader (``takedowns.recorded``)."""
    recorded_register(MEETS_EVERY_REQUIREMENT)
    recorded_register_joined(
        SHORTFALL_DECIDED,
        SHORTFALL_UPHELD,
        SHORTFALL_COUNTER_NOTICES,
        SHORTFALL_MISUSE,
        SHORTFALL_NO_ASSET,
        separator=SHORTFALLS_SEPARATOR,
        separator_read=pgettext_lazy("list separator", "; "),
    )


def change_reason_read(change):
    """``change``'s reason in the active language if the nightly evaluation wrote it; a person's as written."""
    return recorded_read(change.reason) if change.cause == CAUSE_NIGHTLY else change.reason


class Shortfall(str):
    """One way a scope misses the bar: the words the pages show, and for the API a ``code``, where the
    scope stands (``current``), the bar (``required``) and, where more decisions can close the gap,
    how many more it takes at the least (``more_needed``: decided items, or upheld ones in a row, or
    items decided without a successful counter-notice)."""

    def __new__(cls, text, *, code, current=None, required=None, more_needed=None):
        shortfall = super().__new__(cls, text)
        shortfall.code = code
        shortfall.current = current
        shortfall.required = required
        shortfall.more_needed = more_needed
        return shortfall


def membership_eligibility(record, *, has_verified_asset, misuse_strikes):
    """(qualifies, shortfalls in plain words) for one scope's record; each shortfall is a ``Shortfall``.

    The comparisons are on whole numbers (upheld * 100 >= percent * decided),
    so exactly 95% qualifies and 94.99% does not, whatever the float says.
    Shown percentages round towards the bar's wrong side (94.99 shows as
    94.9), never suggesting a holder meets a bar it misses.
    """
    record = record or TrackRecord()
    minimum = settings.GOOD_FAITH_MIN_DECIDED
    min_upheld = settings.GOOD_FAITH_MIN_UPHELD_PERCENT
    max_cn = settings.GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT
    shortfalls = []
    if record.decided < minimum:
        missing = minimum - record.decided
        shortfalls.append(
            Shortfall(
                SHORTFALL_DECIDED % {"missing": missing, "decided": record.decided, "minimum": minimum},
                code="decided_items",
                current=record.decided,
                required=minimum,
                more_needed=missing,
            )
        )
    if record.decided:
        if record.upheld * 100 < min_upheld * record.decided:
            shown = math.floor(1000 * record.upheld / record.decided) / 10
            # Upheld decisions in a row that lift the share to the bar: (upheld + k) * 100 >= min * (decided + k).
            more = (
                math.ceil((min_upheld * record.decided - 100 * record.upheld) / (100 - min_upheld))
                if min_upheld < 100
                else None
            )
            shortfalls.append(
                Shortfall(
                    gettext(SHORTFALL_UPHELD) % {"shown": _percent_text(shown), "required": min_upheld},
                    code="upheld_percent",
                    current=shown,
                    required=min_upheld,
                    more_needed=more,
                )
            )
        successful = record.dismissed_after_counter_notice
        if successful * 100 > max_cn * record.decided:
            shown = math.ceil(1000 * successful / record.decided) / 10
            # Decisions without a successful counter-notice that bring the share down: s * 100 <= max * (d + k).
            more = math.ceil((100 * successful - max_cn * record.decided) / max_cn) if max_cn > 0 else None
            shortfalls.append(
                Shortfall(
                    gettext(SHORTFALL_COUNTER_NOTICES) % {"shown": _percent_text(shown), "allowed": max_cn},
                    code="counter_notice_percent",
                    current=shown,
                    required=max_cn,
                    more_needed=more,
                )
            )
    if misuse_strikes:
        shortfalls.append(
            Shortfall(
                SHORTFALL_MISUSE % {"n": misuse_strikes, "days": settings.GOOD_FAITH_WINDOW_DAYS},
                code="misuse_strikes",
                current=misuse_strikes,
                required=0,
            )
        )
    if not has_verified_asset:
        shortfalls.append(Shortfall(gettext(SHORTFALL_NO_ASSET), code="no_verified_asset", current=0, required=1))
    return (not shortfalls, shortfalls)


def _judged(record):
    return record.decided >= settings.GOOD_FAITH_MIN_DECIDED


# --- The nightly evaluation -------------------------------------------------


def _advisory_lock(shared=False):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            cursor.execute(f"SELECT {fn}(%s)", [ADVISORY_LOCK_KEY])


def memberships_evaluate(*, now=None):
    """The nightly job: enrol, suspend and re-enrol every holder and partner by its record. Returns a summary."""
    from good_faith.notifications import membership_changes_notify

    now = now or timezone.now()
    summary = {"evaluated_at": now.isoformat()}
    # The changes' reasons are records (English whoever runs it); each notification is then written in its
    # recipient's language (good_faith.notifications).
    with durable_atomic(), records_language():
        _advisory_lock()
        all_changes = []
        for subject in SUBJECTS:
            result, changes = _evaluate(subject, now)
            all_changes.extend(changes)
            summary[f"{subject}s_evaluated"] = result.pop("evaluated")
            for key, value in result.items():
                summary[key] = summary.get(key, 0) + value
        membership_changes_notify(all_changes)
    return summary


def _misuse_strikes(subject, records, now):
    from good_faith.models import MisuseMeasure, MisuseMeasureStatus

    strikes = {sid: rec.manifestly_unfounded for (sid, scope), rec in records.items() if scope == OVERALL}
    link = "organisation__rights_holder" if subject == "rights_holder" else "organisation__partner"
    measures = (
        MisuseMeasure.objects.filter(
            created_at__gt=window_start(now), created_at__lte=now, **{f"{link}__isnull": False}
        )
        .exclude(status=MisuseMeasureStatus.LIFTED)
        .values_list(link)
        .annotate(n=Count("id"))
    )
    for subject_id, n in measures:
        strikes[subject_id] = strikes.get(subject_id, 0) + n
    return strikes


def _evaluate(subject, now):
    records = track_records(subject=subject, now=now)
    col = f"{subject}_id"
    if subject == "rights_holder":
        with_asset = set(IPAsset.objects.usable(now.date()).values_list("rights_holder_id", flat=True).distinct())
    else:
        with_asset = None  # partners own no rights; the bar is their record alone
    strikes = _misuse_strikes(subject, records, now)
    existing = {
        (getattr(row, col), row.infringement_type): row
        for row in Membership.objects.filter(**{f"{col}__isnull": False}).only(
            "id", col, "infringement_type", "status", "override", "cooling_off_until", "member_since"
        )
    }
    counts = {"evaluated": len({sid for sid, _ in records} | {sid for sid, _ in existing}), "enrolled": 0}
    counts.update(suspended=0, judged_new=0, overridden=0)
    to_create, to_change, figures_of = [], [], {}
    changes = []  # (row, from_status, figures); rows to create get their pk after bulk_create
    for key in records.keys() | existing.keys():
        subject_id, scope = key
        record = records.get(key) or TrackRecord()
        has_asset = True if with_asset is None else subject_id in with_asset
        n_strikes = strikes.get(subject_id, 0)
        ok, shortfalls = membership_eligibility(record, has_verified_asset=has_asset, misuse_strikes=n_strikes)
        figures = {
            **record.as_figures(),
            "qualifies": ok,
            "shortfalls": shortfalls,
            "misuse_strikes": n_strikes,
            "has_verified_asset": has_asset,
        }
        row = existing.get(key)
        if row is None:
            if not _judged(record):
                continue
            row = Membership(
                **{col: subject_id},
                infringement_type=scope,
                status=M.MEMBER if ok else M.NOT_MEMBER,
                status_changed_at=now,
                member_since=now if ok else None,
                last_evaluated_at=now,
                last_figures=figures,
            )
            to_create.append(row)
            if ok:
                changes.append((row, "", figures))
                counts["enrolled"] += 1
            else:
                counts["judged_new"] += 1
            continue
        figures_of[row.pk] = figures
        if row.override:
            counts["overridden"] += 1
            continue
        before = row.status
        if before == M.MEMBER and not ok:
            row.status = M.SUSPENDED
            row.cooling_off_until = now + timedelta(days=settings.GOOD_FAITH_COOLING_OFF_DAYS)
            counts["suspended"] += 1
        elif before != M.MEMBER and ok and (row.cooling_off_until is None or row.cooling_off_until <= now):
            row.status = M.MEMBER
            row.member_since = now
            row.cooling_off_until = None
            counts["enrolled"] += 1
        else:
            continue
        row.status_changed_at = now
        to_change.append(row)
        changes.append((row, before, figures))

    Membership.objects.bulk_create(to_create, batch_size=2000)
    Membership.objects.bulk_update(
        to_change, ["status", "status_changed_at", "member_since", "cooling_off_until"], batch_size=1000
    )
    _figures_write(figures_of, now)
    change_rows = MembershipChange.objects.bulk_create(
        [
            MembershipChange(
                membership_id=row.pk,
                at=now,
                cause=CAUSE_NIGHTLY,
                from_status=before,
                to_status=row.status,
                reason=SHORTFALLS_SEPARATOR.join(figures["shortfalls"])
                if figures["shortfalls"]
                else MEETS_EVERY_REQUIREMENT,
                figures=figures,
            )
            for row, before, figures in changes
        ],
        batch_size=2000,
    )
    _audit_bulk(changes, change_rows, subject)
    for change, (row, _, _) in zip(change_rows, changes, strict=True):
        change.membership = row
    return counts, change_rows


def _figures_write(figures_of, now):
    """Record the night's figures on every existing row (one statement on PostgreSQL)."""
    if not figures_of:
        return
    ids = list(figures_of)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE good_faith_membership m
                   SET last_figures = v.figures::jsonb, last_evaluated_at = %s
                  FROM unnest(%s::bigint[], %s::text[]) AS v(id, figures)
                 WHERE m.id = v.id
                """,
                [now, ids, [json.dumps(figures_of[pk]) for pk in ids]],
            )
        return
    rows = [Membership(pk=pk, last_figures=figures_of[pk], last_evaluated_at=now) for pk in ids]
    Membership.objects.bulk_update(rows, ["last_figures", "last_evaluated_at"], batch_size=500)


def _audit_bulk(changes, change_rows, subject):
    """One audit entry per status change, written in bulk (the nightly run's changes can be thousands)."""
    org_of = _organisation_ids(subject, {getattr(row, f"{subject}_id") for row, _, _ in changes})
    AuditLogEntry.objects.bulk_create(
        [
            AuditLogEntry(
                action=f"good_faith.membership.{row.status}",
                actor_label="system",
                object_type="good_faith.membership",
                object_id=str(row.pk),
                object_repr=f"{subject} {getattr(row, f'{subject}_id')} ({row.infringement_type or 'all types'})",
                organisation_id=org_of.get(getattr(row, f"{subject}_id")),
                data={"before": before, "after": row.status, "change": change.pk, "cause": CAUSE_NIGHTLY},
            )
            for change, (row, before, _) in zip(change_rows, changes, strict=True)
        ],
        batch_size=2000,
    )


def _organisation_ids(subject, subject_ids):
    model = RightsHolder if subject == "rights_holder" else Partner
    return dict(model.objects.filter(pk__in=subject_ids).values_list("pk", "organisation_id"))


# --- Staff overrides --------------------------------------------------------


def _require_staff(actor):
    if actor is None or not user_is_platform_staff(actor):
        raise PermissionDenied(gettext("Only platform staff grant or revoke Good Faith membership."))


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(gettext("Give the reason for the decision; the holder and the audit log see it."))
    return reason


def _subject_kwargs(rights_holder_id, partner_id):
    if (rights_holder_id is None) == (partner_id is None):
        raise ValidationError(gettext("Name either a rights holder or a partner."))
    return {"rights_holder_id": rights_holder_id} if rights_holder_id is not None else {"partner_id": partner_id}


def _override_set(*, override, rights_holder_id, partner_id, infringement_type, actor, reason, now=None):
    from good_faith.notifications import membership_changes_notify

    _require_staff(actor)
    reason = _require_reason(reason)
    subject = _subject_kwargs(rights_holder_id, partner_id)
    now = now or timezone.now()
    with durable_atomic():
        _advisory_lock(shared=True)
        Membership.objects.get_or_create(**subject, infringement_type=infringement_type)
        row = Membership.objects.select_for_update().get(**subject, infringement_type=infringement_type)
        before = row.status
        if override == ManualOverride.GRANTED:
            if row.status != M.MEMBER:
                row.member_since = now
            row.status = M.MEMBER
            row.cooling_off_until = None
        elif row.status == M.MEMBER:
            row.status = M.SUSPENDED
        row.override = override
        row.override_reason = reason
        row.override_by = actor
        row.override_at = now
        if row.status != before:
            row.status_changed_at = now
        row.save(
            update_fields=[
                "status",
                "status_changed_at",
                "member_since",
                "cooling_off_until",
                "override",
                "override_reason",
                "override_by",
                "override_at",
            ]
        )
        change = _staff_change(row, before, cause=str(override), actor=actor, reason=reason, now=now)
        membership_changes_notify([change])
        return row


def _staff_change(row, before, *, cause, actor, reason, now, data=None):
    change = MembershipChange.objects.create(
        membership=row,
        at=now,
        cause=cause,
        from_status=before,
        to_status=row.status,
        reason=reason,
        figures=row.last_figures or {},
        actor=actor,
    )
    subject = row.rights_holder or row.partner
    audit_log_record(
        action=f"good_faith.membership.{cause}",
        actor=actor,
        obj=row,
        organisation=subject.organisation,
        data={"before": before, "after": row.status, "reason": reason, "change": change.pk, **(data or {})},
    )
    return change


def membership_grant(*, rights_holder_id=None, partner_id=None, infringement_type=OVERALL, actor, reason, now=None):
    """Staff make the subject a member for this scope; holds across nightly runs until lifted."""
    return _override_set(
        override=ManualOverride.GRANTED,
        rights_holder_id=rights_holder_id,
        partner_id=partner_id,
        infringement_type=infringement_type,
        actor=actor,
        reason=reason,
        now=now,
    )


def membership_revoke(*, rights_holder_id=None, partner_id=None, infringement_type=OVERALL, actor, reason, now=None):
    """Staff take the scope's fast track away; holds across nightly runs until lifted."""
    return _override_set(
        override=ManualOverride.REVOKED,
        rights_holder_id=rights_holder_id,
        partner_id=partner_id,
        infringement_type=infringement_type,
        actor=actor,
        reason=reason,
        now=now,
    )


def membership_override_lift(*, membership_id, actor, reason, now=None):
    """Staff hand the scope back to the nightly rules; the next run decides by the record.

    The status stays as it is until then (a lifted grant stays a member until
    a run finds the record short, which then starts the cooling-off).
    """
    from good_faith.notifications import membership_changes_notify

    _require_staff(actor)
    reason = _require_reason(reason)
    now = now or timezone.now()
    with durable_atomic():
        _advisory_lock(shared=True)
        row = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("rights_holder", "partner")
            .get(pk=membership_id)
        )
        if not row.override:
            # Another staff member lifted it first, or there never was one: the state forbids it (409).
            raise TransitionError(gettext_lazy("This membership has no staff override to lift."), code="no_override")
        previous = row.override
        row.override = ManualOverride.NONE
        row.override_reason = ""
        row.override_by = None
        row.override_at = None
        row.save(update_fields=["override", "override_reason", "override_by", "override_at"])
        change = _staff_change(
            row, row.status, cause=CAUSE_LIFTED, actor=actor, reason=reason, now=now, data={"lifted": previous}
        )
        membership_changes_notify([change])
        return row
