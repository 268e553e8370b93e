"""Policies a higher app supplies to takedowns (STYLE.md habit 15: layers, enforced).

``takedowns`` decides how a notice item moves; some of those decisions depend on
programmes that live above it (the Good Faith programme in ``good_faith``:
fast-track membership, partner vetting, quality-audit draws, misuse measures,
the trusted-filer ordering of the queue). Rather than import upwards, takedowns
names the policy it needs and the higher app registers the function that
answers it in its ``AppConfig.ready``.

A policy that nobody registered is an error, never a silent default: a portal
without the Good Faith app installed would otherwise fast-track nothing and
audit nothing without saying so.

Every policy takedowns asks for is listed in ``POLICIES`` with the contract its
function must keep; registering a name not listed there is refused, so a typo
fails at start-up rather than at the first call.
"""

from portal.policies import PolicyRegistry

POLICIES = {
    # For each of the infringement types, the Good Faith membership that fast-tracks a holder's
    # item of that type (per type, or overall), or None; one query for all the types a notice
    # names. Each object has ``pk``, ``infringement_type``, ``override`` and ``member_since``
    # (the item history names it).
    "memberships_active_for": "*, rights_holder_id, infringement_types -> dict[str, object | None]",
    # The same rule as a condition for many items at once (the queue's order): arguments are
    # expressions of the outer query, e.g. OuterRef("notice__rights_holder_id").
    "membership_active_for_q": "*, rights_holder_id, infringement_type -> Q",
    # Whether the partner still holds its vetting privilege (the vetting relation itself is takedowns').
    "partner_privilege_active": "partner -> bool",
    # The same rule as a condition; ``partner_id`` is an expression of the outer query.
    "partner_privilege_q": "*, partner_id -> Q",
    # Draw fast-track takedowns for a quality audit, one draw per item in order, and write the
    # audits drawn (with their audit entries), in the routing transaction: the route verb passes
    # one item, the set filing a notice's items. Returns the new audits.
    "quality_audits_select": "items, *, now -> list[QualityAudit]",
    # (organisation_id, now) -> measure or None: misuse measures after a manifestly unfounded
    # rejection, in the rejection's transaction.
    "misuse_evaluate": "*, organisation_id, now -> MisuseMeasure | None",
    # Work the higher app adds to the review queue (quality audits): at most ``limit``
    # ``takedowns.selectors.QueueEntry`` in their order, in one query whatever their number.
    "review_queue_extra": "*, limit -> list[QueueEntry]",
    # The same work as parts of the reviewer workbench's queue (``takedowns.workbench.QueuePart``):
    # querysets of the open work that the queue annotates and unites, so it pages in the database.
    "review_queue_parts": "-> list[QueuePart]",
}

REGISTRY = PolicyRegistry(asker="takedowns", answerer="good_faith", policies=POLICIES)
policy_register = REGISTRY.register
policy = REGISTRY.get
