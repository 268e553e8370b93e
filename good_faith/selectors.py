"""One answer to "does the Good Faith programme fast-track this?", in Python and in SQL.

What one membership row says is ``good_faith.models.ROW_ACTIVE`` / ``ROW_WITHHOLDS``
(``Membership.is_active`` / ``.withholds`` in Python, ``Membership.objects.active()`` /
``.withholding()`` in SQL). Here the rows combine, once for each subject kind, and every
reader asks these functions: the filing path (``takedowns.tracks``, ``takedowns.notices``
through ``takedowns.policies``), the review queue's order (the ``*_q`` twins, through the
same policies), the Good Faith pages and the staff list.

- A rights holder's item of type T: T's own row if it is active; else nothing if T's own
  row withholds (revoked, suspended, or judged on enough items of T and not qualifying: a
  member overall is not fast-tracked for patents when its patent record alone fails); else
  the overall row if it is active. A type with too few items of its own rides on the
  overall record.
- A vetting partner: approved by staff (``approved_for_vetting``), and its overall row does
  not withhold (no row yet: the staff approval stands on its own).

Each Python function has a ``*_q`` twin built from the same rows' rules, for the queries that
must answer for many items at once; tests hold the two to the same answers.
"""

from django.db.models import Exists, F, Q, Value

from good_faith.audits import AUDIT_CLAIMS
from good_faith.models import OVERALL, Membership, QualityAudit, QualityAuditStatus
from rights_holders.models import Partner
from takedowns.selectors import ITEM_RELATED, QueueEntry
from takedowns.workbench import QueuePart


def membership_active_among(rows_by_scope, infringement_type):
    """The membership that fast-tracks an item of this type, from a holder's rows {scope: row}; no query."""
    own = rows_by_scope.get(infringement_type) if infringement_type else None
    if own is not None and own.is_active:
        return own
    if own is not None and own.withholds:
        return None
    overall = rows_by_scope.get(OVERALL)
    return overall if overall is not None and overall.is_active else None


def memberships_active_for(*, rights_holder_id, infringement_types):
    """{type: the membership that fast-tracks this holder's items of that type, or None}. One query for all types.

    A notice names several types; the filing path asks once for all of them.
    """
    types = set(infringement_types)
    rows = Membership.objects.filter(rights_holder_id=rights_holder_id, infringement_type__in={OVERALL, *types})
    by_scope = {row.infringement_type: row for row in rows}
    return {infringement_type: membership_active_among(by_scope, infringement_type) for infringement_type in types}


def membership_active_for(*, rights_holder_id, infringement_type):
    """The membership that fast-tracks this holder's items of this type, or None. One query."""
    return memberships_active_for(rights_holder_id=rights_holder_id, infringement_types=[infringement_type])[
        infringement_type
    ]


def membership_active_for_q(*, rights_holder_id, infringement_type):
    """``membership_active_for`` as a condition: true where it would return a membership.

    ``rights_holder_id`` and ``infringement_type`` are expressions of the outer query
    (``OuterRef("notice__rights_holder_id")``, ``Value("patent")``).
    """
    rows = Membership.objects.filter(rights_holder_id=rights_holder_id)
    own = rows.filter(infringement_type=infringement_type)
    overall = rows.filter(infringement_type=OVERALL)
    return Q(Exists(own.active())) | (~Q(Exists(own.withholding())) & Q(Exists(overall.active())))


def partner_privilege_among(partner, overall_row):
    """Whether the partner's vetted notices take the fast track, given its overall row (or None); no query."""
    if partner is None or not partner.approved_for_vetting:
        return False
    return overall_row is None or not overall_row.withholds


def partner_privilege_active(partner):
    """Whether the partner's vetted notices take the fast track now. One query."""
    if partner is None or not partner.approved_for_vetting:
        return False
    return partner_privilege_among(
        partner, Membership.objects.filter(partner_id=partner.pk, infringement_type=OVERALL).first()
    )


def partner_privilege_q(*, partner_id):
    """``partner_privilege_active`` as a condition; ``partner_id`` is an expression of the outer query."""
    approved = Partner.objects.filter(pk=partner_id, approved_for_vetting=True)
    withheld = Membership.objects.filter(partner_id=partner_id, infringement_type=OVERALL).withholding()
    return Q(Exists(approved)) & ~Q(Exists(withheld))


def quality_audits_queue_entries(*, limit):
    """Open quality audits as review-queue entries, by due time; one query (the queue's ``review_queue_extra``)."""
    audits = (
        QualityAudit.objects.filter(status=QualityAuditStatus.OPEN)
        .select_related(*(f"item__{r}" for r in ITEM_RELATED))
        .order_by("due_at", "id")[:limit]
    )
    # An audited takedown is a fast-track one: always ahead at equal due times.
    return [
        QueueEntry(kind="audit", label="Quality audit", due_at=a.due_at, ahead=True, item=a.item, obj=a) for a in audits
    ]


def quality_audits_queue_parts():
    """Open quality audits as a part of the reviewer workbench's queue (the ``review_queue_parts`` policy)."""
    # An audited takedown is a fast-track one: always ahead at equal due times.
    return [
        QueuePart(
            kind="audit",
            queryset=QualityAudit.objects.filter(status=QualityAuditStatus.OPEN),
            item_path="item__",
            due=F("due_at"),
            ahead=Value(True),
            claims=AUDIT_CLAIMS,
        )
    ]
