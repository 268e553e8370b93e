"""Reviewers' claims on items, and the one way a reviewer's decision is made (single or bulk).

Opening an item for decision claims it (``review_claim_take``): the item's row is locked, the claim
row read, and the claim taken only if nobody else holds a running one, so two reviewers racing for
one item get one claim. A claim runs ``PORTAL_REVIEW_CLAIM_MINUTES`` from when it was last taken
(opening the page again renews it); an expired claim is as good as none, so the item is back in
the queue for anyone. The holder may release it; a decision ends it. Taking, taking over an expired
claim and releasing are audited.

``notice_item_decide`` is the reviewer's decision as the pages make it, one item at a time (the
bulk decision calls it per item): it takes the claim (refusing when another reviewer holds it),
runs the lifecycle verb (its own transaction, event, statement and audit entry), then ends the claim.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.actors import actor_label
from portal.audit import audit_log_record
from portal.errors import TransitionError
from portal.instants import instant_text
from portal.roles import user_is_reviewer
from portal.transactions import durable_atomic
from takedowns import lifecycle
from takedowns.models import NoticeItem, ReviewClaim


class ClaimHeld(TransitionError):
    """Another reviewer holds a running claim on the item (409); ``claim`` says who and until when."""

    default_code = "claimed_by_another"

    def __init__(self, message, *, claim, item=None):
        super().__init__(message, item=item)
        self.claim = claim


def claim_minutes():
    return settings.PORTAL_REVIEW_CLAIM_MINUTES


def _claim_held_message(claim):
    return _("%(holder)s is working on this item until %(until)s; only they can decide it until then.") % {
        "holder": actor_label(claim.reviewer),
        "until": instant_text(claim.expires_at),
    }


def _audit(action, claim, actor, **data):
    audit_log_record(
        action=action,
        actor=actor,
        obj=claim,
        data={"item": claim.item_id, "expires_at": claim.expires_at.isoformat(), **data},
    )


def review_claim_take(*, item_id, actor, now=None):
    """Claim the item for ``actor`` (or renew the actor's own claim); raises ClaimHeld when another
    reviewer holds a running claim. Returns the claim."""
    if actor is None or not user_is_reviewer(actor):
        raise PermissionDenied(_("Only platform reviewers claim items."))
    now = now or timezone.now()
    expires_at = now + timedelta(minutes=claim_minutes())
    with durable_atomic():
        # The item's row lock serialises every claim on it: the second of two racing reviewers waits
        # here, then reads the first one's claim.
        item = NoticeItem.objects.select_for_update().only("id").get(pk=item_id)
        claim = ReviewClaim.objects.select_related("reviewer").filter(item_id=item_id).first()
        if claim is None:
            claim = ReviewClaim.objects.create(item=item, reviewer=actor, claimed_at=now, expires_at=expires_at)
            _audit("takedowns.claim.taken", claim, actor)
            return claim
        if claim.reviewer_id == actor.pk:
            claim.expires_at = expires_at
            claim.save(update_fields=["expires_at"])
            return claim
        if claim.expires_at > now:
            raise ClaimHeld(_claim_held_message(claim), claim=claim)
        previous = actor_label(claim.reviewer)
        claim.item = item
        claim.reviewer, claim.claimed_at, claim.expires_at = actor, now, expires_at
        claim.save(update_fields=["reviewer", "claimed_at", "expires_at"])
        _audit("takedowns.claim.taken", claim, actor, took_over_expired_claim_of=previous)
        return claim


def review_claim_release(*, item_id, actor, reason="released"):
    """End the actor's claim on the item; raises TransitionError when the actor holds none."""
    with durable_atomic():
        NoticeItem.objects.select_for_update().only("id").get(pk=item_id)
        claim = ReviewClaim.objects.filter(item_id=item_id, reviewer_id=actor.pk).first()
        if claim is None:
            raise TransitionError(_("You do not hold a claim on this item."), code="no_claim")
        _audit("takedowns.claim.released", claim, actor, reason=reason)
        claim.delete()


def review_claim_of(item_id, now=None):
    """The running claim on the item (with its reviewer), or None."""
    return ReviewClaim.objects.running(now).select_related("reviewer").filter(item_id=item_id).first()


def review_claims_running(item_ids, now=None):
    """{item id: running claim} for a page of items: one query."""
    claims = ReviewClaim.objects.running(now).select_related("reviewer").filter(item_id__in=list(item_ids))
    return {c.item_id: c for c in claims}


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
    review_claim_take(item_id=item_id, actor=actor)
    extra = {"manifestly_unfounded": True} if decision == "reject" and manifestly_unfounded else {}
    item = verb(item_id=item_id, actor=actor, reason=reason, **extra)
    _claim_end(item_id, actor, reason=decision)
    return item


def claim_end_after_decision(item_id, actor, *, reason):
    """End the actor's claim once the decision is made (an appeal's, an audit's): nothing to end is fine."""
    _claim_end(item_id, actor, reason=reason)


def _claim_end(item_id, actor, *, reason):
    with durable_atomic():
        claim = ReviewClaim.objects.select_for_update().filter(item_id=item_id, reviewer_id=actor.pk).first()
        if claim is not None:
            _audit("takedowns.claim.released", claim, actor, reason=reason)
            claim.delete()
