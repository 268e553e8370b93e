"""Reviewers' claims on items, and the one way a reviewer's decision is made (single or bulk).

Opening an item for decision claims it (``review_claim_take``): the item's row is locked, the claim
row read, and the claim taken only if nobody else holds a running one, so two reviewers racing for
one item get one claim. A claim runs ``PORTAL_REVIEW_CLAIM_MINUTES`` from when it was last taken
(opening the page again renews it); an expired claim is as good as none, so the item is back in
the queue for anyone. The holder may release it; a decision ends it. Taking, taking over an expired
claim and releasing are audited. The rule is ``portal.claims``'s, shared with every other kind of
claimable work (quality audits, asset verifications); this module names the item's kind of it.

``notice_item_decide`` is the reviewer's decision as the pages make it, one item at a time (the
bulk decision calls it per item): it takes the claim (refusing when another reviewer holds it),
runs the lifecycle verb (its own transaction, event, statement and audit entry), then ends the claim.
"""

from django.utils.translation import gettext_lazy as _

from portal import claims as work_claims
from portal.claims import ClaimHeld, claim_minutes
from takedowns import appeals, lifecycle
from takedowns.models import Appeal, NoticeItem, ReviewClaim

__all__ = [
    "DECISION_VERBS",
    "ITEM_CLAIMS",
    "ClaimHeld",
    "claim_minutes",
    "notice_appeal_decide",
    "notice_item_decide",
    "review_claim_of",
    "review_claim_release",
    "review_claim_take",
    "review_claims_running",
]

ITEM_CLAIMS = work_claims.ClaimKind(
    name="item",
    model=NoticeItem,
    claim_model=ReviewClaim,
    field="item",
    action="takedowns.claim",
    held=_("%(holder)s is working on this item until %(until)s; only they can decide it until then."),
    reviewers_only=_("Only platform reviewers claim items."),
    not_held=_("You do not hold a claim on this item."),
)


def review_claim_take(*, item_id, actor, now=None):
    """Claim the item for ``actor`` (or renew the actor's own claim); raises ClaimHeld when another
    reviewer holds a running claim. Returns the claim."""
    return work_claims.work_claim_take(ITEM_CLAIMS, obj_id=item_id, actor=actor, now=now)


def review_claim_release(*, item_id, actor, reason="released"):
    """End the actor's claim on the item; raises TransitionError when the actor holds none."""
    work_claims.work_claim_release(ITEM_CLAIMS, obj_id=item_id, actor=actor, reason=reason)


def review_claim_of(item_id, now=None):
    """The running claim on the item (with its reviewer), or None."""
    return work_claims.work_claim_of(ITEM_CLAIMS, item_id, now)


def review_claims_running(item_ids, now=None):
    """{item id: running claim} for a page of items: one query."""
    return work_claims.work_claims_running(ITEM_CLAIMS, list(item_ids), now)


# The lifecycle verb behind each decision a reviewer makes on an item.
DECISION_VERBS = {
    "accept": lifecycle.notice_item_accept,
    "reject": lifecycle.notice_item_reject,
    "uphold": lifecycle.notice_item_uphold,
    "dismiss": lifecycle.notice_item_dismiss,
}


def notice_item_decide(*, item_id, actor, decision, reason, manifestly_unfounded=False):
    """A reviewer's decision on one item: claim it (ClaimHeld when another reviewer holds it), make the
    one transition through its verb, end the claim. Returns the item."""
    verb = DECISION_VERBS[decision]
    extra = {"manifestly_unfounded": True} if decision == "reject" and manifestly_unfounded else {}
    return work_claims.work_claim_decide(
        ITEM_CLAIMS,
        obj_id=item_id,
        actor=actor,
        decision=decision,
        decide=lambda: verb(item_id=item_id, actor=actor, reason=reason, **extra),
    )


def notice_appeal_decide(*, appeal_id, actor, reverse, reason):
    """A senior reviewer's decision on an appeal, as the pages make it: an appeal is decided on its item's
    page, under the item's claim (ClaimHeld when another reviewer holds the item), which the decision ends.
    Returns the appeal."""
    item_id = Appeal.objects.values_list("item_id", flat=True).get(pk=appeal_id)
    return work_claims.work_claim_decide(
        ITEM_CLAIMS,
        obj_id=item_id,
        actor=actor,
        decision="appeal decided",
        decide=lambda: appeals.appeal_decide(appeal_id=appeal_id, actor=actor, reverse=reverse, reason=reason),
    )
