"""The reads behind the Good Faith pages: subjects with their memberships, figures and shortfalls.

A page asks for a page of subjects at once: one query for the subjects (with
whether they hold a verified asset and their misuse strikes annotated), one
for their memberships, one for their track records (``track_records``), so
the query count does not grow with the number of subjects shown.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from good_faith.models import OVERALL, ManualOverride, Membership, MembershipChange, MembershipStatus
from good_faith.selectors import (
    membership_active_among,
    membership_active_for_q,
    partner_privilege_among,
    partner_privilege_q,
)
from rights_holders.models import IPAsset, Partner, RightsHolder
from takedowns.models import InfringementType

SUBJECT_KINDS = ("rights_holder", "partner")
TYPE_LABELS = dict(InfringementType.choices)


def scope_label(infringement_type):
    return TYPE_LABELS.get(infringement_type, infringement_type) if infringement_type else _("All types (overall)")


@dataclass
class ScopeRow:
    """One scope of one subject: its membership (if any row exists), its figures, what it lacks."""

    infringement_type: str
    membership: Membership | None
    record: object  # good_faith.records.TrackRecord
    eligible: bool
    shortfalls: list[str]

    @property
    def label(self):
        return scope_label(self.infringement_type)

    @property
    def active(self):
        return self.membership is not None and self.membership.is_active

    @property
    def status(self):
        return self.membership.status if self.membership else MembershipStatus.NOT_MEMBER

    @property
    def override(self):
        return self.membership.override if self.membership else ManualOverride.NONE

    @property
    def cooling_off(self):
        m = self.membership
        return m is not None and m.cooling_off_until is not None and m.cooling_off_until > timezone.now()


@dataclass
class SubjectSummary:
    kind: str  # "rights_holder" | "partner"
    subject: object
    has_verified_asset: bool
    misuse_strikes: int
    scopes: list[ScopeRow] = field(default_factory=list)
    fast_track_types: list[str] = field(default_factory=list)  # holders: labels of the types whose items skip review
    partner_privilege: bool | None = None  # partners: whether their vetted notices take the fast track

    @property
    def name(self):
        return self.subject.legal_name if self.kind == "rights_holder" else str(self.subject)

    @property
    def overall(self):
        return self.scopes[0]

    @property
    def active_scopes(self):
        return [row for row in self.scopes if row.active]


def _misuse_measures(now):
    """Misuse measures (warnings, suspensions) in the window not lifted on appeal, per subject.

    With the manifestly unfounded rejections of the overall record these are the
    subject's misuse strikes, as ``good_faith.membership`` counts them.
    """
    from good_faith.models import MisuseMeasure, MisuseMeasureStatus
    from good_faith.records import window_start

    counted = (
        MisuseMeasure.objects.filter(
            organisation_id=OuterRef("organisation_id"), created_at__gt=window_start(now), created_at__lte=now
        )
        .exclude(status=MisuseMeasureStatus.LIFTED)
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _fast_track_q(kind):
    """Subjects with the fast track for something, by the one rule (``good_faith.selectors``).

    A holder: for at least one infringement type (an overall member whose every type
    withholds has none). A partner: its vetting privilege.
    """
    if kind == "partner":
        return partner_privilege_q(partner_id=OuterRef("pk"))
    return reduce(
        or_,
        (
            membership_active_for_q(rights_holder_id=OuterRef("pk"), infringement_type=Value(itype))
            for itype in InfringementType.values
        ),
    )


def _status_filter(kind, status):
    """Q on subjects for the staff list's status filter."""
    subject = {kind: OuterRef("pk")}
    if status == "member":
        return _fast_track_q(kind)
    if status == "not_member":
        return ~_fast_track_q(kind)
    if status == "suspended":
        return Q(Exists(Membership.objects.filter(status=MembershipStatus.SUSPENDED, **subject)))
    if status == "override":
        return Q(Exists(Membership.objects.exclude(override=ManualOverride.NONE).filter(**subject)))
    return Q()


def subjects_queryset(kind, *, now=None, status="", name=""):
    """Holders or partners, annotated for eligibility, filtered by membership status and name."""
    now = now or timezone.now()
    if kind == "rights_holder":
        qs = RightsHolder.objects.select_related("organisation").annotate(
            has_verified_asset=Exists(IPAsset.objects.usable(on=now.date()).filter(rights_holder=OuterRef("pk"))),
        )
        if name:
            qs = qs.filter(legal_name__icontains=name)
    elif kind == "partner":
        # A partner vets other holders' rights; it holds none of its own, so the asset rule does not apply.
        qs = Partner.objects.select_related("organisation").annotate(has_verified_asset=Value(True))
        if name:
            qs = qs.filter(organisation__name__icontains=name)
    else:
        raise ValueError(f"kind must be one of {SUBJECT_KINDS}, not {kind!r}")
    return qs.annotate(misuse_measures=_misuse_measures(now)).filter(_status_filter(kind, status))


def subjects_summarise(kind, subjects, *, now=None, all_scopes=True):
    """SubjectSummary per subject (annotated by ``subjects_queryset``), in the given order.

    ``all_scopes``: every infringement type with figures or a membership row,
    after the overall scope; otherwise the overall scope and the membership rows only.
    """
    from good_faith.membership import membership_eligibility
    from good_faith.records import TrackRecord, track_records

    now = now or timezone.now()
    subjects = list(subjects)
    ids = [s.pk for s in subjects]
    records = track_records(subject=kind, subject_ids=ids, now=now) if ids else {}
    memberships = {}
    for m in Membership.objects.filter(**{f"{kind}_id__in": ids}).select_related("override_by"):
        memberships[(getattr(m, f"{kind}_id"), m.infringement_type)] = m

    summaries = []
    for subject in subjects:
        types = {t for (pk, t) in memberships if pk == subject.pk}
        if all_scopes:
            types |= {t for (pk, t) in records if pk == subject.pk}
        types.discard(OVERALL)
        overall = records.get((subject.pk, OVERALL)) or TrackRecord()
        summary = SubjectSummary(
            kind=kind,
            subject=subject,
            has_verified_asset=bool(subject.has_verified_asset),
            misuse_strikes=overall.manifestly_unfounded + int(subject.misuse_measures or 0),
        )
        # The one rule (good_faith.selectors), on the rows already loaded: no query per subject or type.
        if kind == "rights_holder":
            rows = {t: m for (pk, t), m in memberships.items() if pk == subject.pk}
            summary.fast_track_types = [
                label for itype, label in InfringementType.choices if membership_active_among(rows, itype) is not None
            ]
        else:
            summary.partner_privilege = partner_privilege_among(subject, memberships.get((subject.pk, OVERALL)))
        order = [t for t, _ in InfringementType.choices]
        for itype in [OVERALL, *sorted(types, key=lambda t: order.index(t) if t in order else len(order))]:
            record = records.get((subject.pk, itype)) or TrackRecord()
            eligible, shortfalls = membership_eligibility(
                record, has_verified_asset=summary.has_verified_asset, misuse_strikes=summary.misuse_strikes
            )
            summary.scopes.append(
                ScopeRow(
                    infringement_type=itype,
                    membership=memberships.get((subject.pk, itype)),
                    record=record,
                    eligible=eligible,
                    shortfalls=list(shortfalls),
                )
            )
        summaries.append(summary)
    return summaries


def subjects_summary_changes_at(kind, summaries, *, now, within):
    """The first instant in (now, now + within] at which time alone changes what ``subjects_summarise`` said
    at ``now`` of these subjects, or None: a decided item or a misuse measure leaves the window (the figures,
    the strikes), the day ends (an asset expires at the end of its last day), a cooling-off period ends.
    Two queries (none without subjects)."""
    from good_faith.models import MisuseMeasure, MisuseMeasureStatus
    from good_faith.records import track_records_change_at, window_start

    if not summaries:
        return None
    end = now + within
    ids = [summary.subject.pk for summary in summaries]
    changes = [track_records_change_at(subject=kind, subject_ids=ids, now=now, within=within)]
    # ``_misuse_measures``'s window: a measure counts while created after its start.
    first_measure = (
        MisuseMeasure.objects.filter(
            organisation_id__in=[summary.subject.organisation_id for summary in summaries],
            created_at__gt=window_start(now),
            created_at__lte=window_start(end),
        )
        .exclude(status=MisuseMeasureStatus.LIFTED)
        .order_by()
        .aggregate(first=Min("created_at"))["first"]
    )
    if first_measure is not None:
        changes.append(first_measure + (now - window_start(now)))
    # ``IPAsset.objects.usable`` asks about today's date (UTC): an answer holds until midnight.
    changes.append(datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), tzinfo=UTC))
    changes.extend(
        row.membership.cooling_off_until
        for summary in summaries
        for row in summary.scopes
        if row.membership is not None and row.membership.cooling_off_until is not None
    )
    changes = [when for when in changes if when is not None and now < when <= end]
    return min(changes, default=None)


def subject_changes(kind, subject_id, *, limit=200):
    """A subject's membership history, newest first, with the scope and the staff member who acted."""
    return list(
        MembershipChange.objects.filter(**{f"membership__{kind}_id": subject_id})
        .select_related("membership", "actor")
        .order_by("-at", "-id")[:limit]
    )
