"""Reviewers' claims on work: the one implementation every kind of claimable work shares.

Opening a piece of work for decision (an item, a quality audit, an asset to verify) claims it
(``work_claim_take``): the work's row is locked, its claim row read, and the claim taken only if nobody
else holds a running one, so two reviewers racing for one piece of work get one claim. A claim runs
``PORTAL_REVIEW_CLAIM_MINUTES`` from when it was last taken (opening the work again renews it); an
expired claim is as good as none, so the work is back in the queue for anyone. The holder may release
it; a decision ends it (``work_claim_decide``). Taking, taking over an expired claim and releasing are
audited.

Each kind of work is a ``ClaimKind``: its model (whose row lock serialises claims on one piece of work),
its claim model (a ``portal.models.WorkClaim`` with a one-to-one field to the work) and what a reviewer
reads about it. The app that owns the work declares its kind (``takedowns.claims``,
``good_faith.audits``, ``rights_holders.verification``); this module lives in ``portal``, below them all,
so the apps share it without importing each other.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, F, Value
from django.utils import timezone

from portal.actors import actor_label
from portal.audit import audit_log_record
from portal.errors import TransitionError
from portal.instants import instant_text
from portal.roles import user_is_reviewer
from portal.transactions import durable_atomic


class ClaimHeld(TransitionError):
    """Another reviewer holds a running claim on the work (409); ``claim`` says who and until when."""

    default_code = "claimed_by_another"

    def __init__(self, message, *, claim, item=None):
        super().__init__(message, item=item)
        self.claim = claim


@dataclass(frozen=True)
class ClaimKind:
    """One kind of claimable work.

    ``field``: the claim model's one-to-one field to the work, also the key of the work's id in the claim's
    audit entries; ``action``: the audit actions' prefix (``<action>.taken``, ``<action>.released``).
    ``held``: a lazy text with ``%(holder)s`` and ``%(until)s``, the refusal a second reviewer reads;
    ``reviewers_only`` and ``not_held``: the refusals of a non-reviewer's claim and of a release by a
    reviewer who holds no claim."""

    name: str
    model: type
    claim_model: type
    field: str
    action: str
    held: str
    reviewers_only: str
    not_held: str

    @property
    def key(self):
        return f"{self.field}_id"


def claim_minutes():
    return settings.PORTAL_REVIEW_CLAIM_MINUTES


def _audit(kind, verb, claim, actor, **data):
    audit_log_record(
        action=f"{kind.action}.{verb}",
        actor=actor,
        obj=claim,
        data={kind.field: getattr(claim, kind.key), "expires_at": claim.expires_at.isoformat(), **data},
    )


def work_claim_take(kind, *, obj_id, actor, now=None):
    """Claim the work for ``actor`` (or renew the actor's own claim); raises ClaimHeld when another
    reviewer holds a running claim. Returns the claim."""
    if actor is None or not user_is_reviewer(actor):
        raise PermissionDenied(str(kind.reviewers_only))
    now = now or timezone.now()
    expires_at = now + timedelta(minutes=claim_minutes())
    with durable_atomic():
        # The work's row lock serialises every claim on it: the second of two racing reviewers waits
        # here, then reads the first one's claim.
        work = kind.model.objects.select_for_update().only("id").get(pk=obj_id)
        claim = kind.claim_model.objects.select_related("reviewer").filter(**{kind.key: obj_id}).first()
        if claim is None:
            claim = kind.claim_model.objects.create(
                **{kind.field: work}, reviewer=actor, claimed_at=now, expires_at=expires_at
            )
            _audit(kind, "taken", claim, actor)
            claim.taken_now = True
            return claim
        if claim.reviewer_id == actor.pk:
            claim.expires_at = expires_at
            claim.save(update_fields=["expires_at"])
            return claim
        if claim.expires_at > now:
            raise ClaimHeld(
                str(kind.held) % {"holder": actor_label(claim.reviewer), "until": instant_text(claim.expires_at)},
                claim=claim,
            )
        previous = actor_label(claim.reviewer)
        setattr(claim, kind.field, work)
        claim.reviewer, claim.claimed_at, claim.expires_at = actor, now, expires_at
        claim.save(update_fields=["reviewer", "claimed_at", "expires_at"])
        _audit(kind, "taken", claim, actor, took_over_expired_claim_of=previous)
        claim.taken_now = True
        return claim


def work_claim_release(kind, *, obj_id, actor, reason="released"):
    """End the actor's claim on the work; raises TransitionError when the actor holds none."""
    with durable_atomic():
        kind.model.objects.select_for_update().only("id").get(pk=obj_id)
        claim = kind.claim_model.objects.filter(**{kind.key: obj_id}, reviewer_id=actor.pk).first()
        if claim is None:
            raise TransitionError(str(kind.not_held), code="no_claim")
        _audit(kind, "released", claim, actor, reason=reason)
        claim.delete()


def work_claim_end(kind, *, obj_id, actor, reason):
    """End the actor's claim once the work is decided: nothing to end is fine."""
    with durable_atomic():
        claim = kind.claim_model.objects.select_for_update().filter(**{kind.key: obj_id}, reviewer_id=actor.pk).first()
        if claim is not None:
            _audit(kind, "released", claim, actor, reason=reason)
            claim.delete()


def work_claim_decide(kind, *, obj_id, actor, decision, decide):
    """A reviewer's decision on claimable work: claim it (ClaimHeld when another reviewer holds it, so the
    decision is refused whichever page or caller asks), ``decide()`` (the kind's verb, its own
    transaction), end the claim. Returns what ``decide`` returned.

    A refused decision keeps a claim the reviewer held before (they opened the work and are still on it)
    and gives back one it took for this decision alone: a bulk decision over 200 items must not leave
    the ones it could not decide locked away from every other reviewer until their claims expire."""
    claim = work_claim_take(kind, obj_id=obj_id, actor=actor)
    try:
        result = decide()
    except Exception:
        if getattr(claim, "taken_now", False):
            work_claim_end(kind, obj_id=obj_id, actor=actor, reason=f"{decision} refused")
        raise
    work_claim_end(kind, obj_id=obj_id, actor=actor, reason=decision)
    return result


def work_claim_of(kind, obj_id, now=None):
    """The running claim on the work (with its reviewer), or None."""
    return kind.claim_model.objects.running(now).select_related("reviewer").filter(**{kind.key: obj_id}).first()


def work_claims_running(kind, obj_ids, now=None):
    """{work id: running claim} for a page of one kind of work: one query."""
    claims = kind.claim_model.objects.running(now).select_related("reviewer").filter(**{f"{kind.key}__in": obj_ids})
    return {getattr(c, kind.key): c for c in claims}


@dataclass(frozen=True)
class RunningClaim:
    """A running claim as a list shows it: who holds it and until when."""

    reviewer_id: int
    holder: str
    expires_at: object


def work_claims_running_together(wanted, now=None):
    """{(kind name, work id): RunningClaim} for a page that mixes kinds of work (``wanted``: [(kind, ids)]):
    one query whatever the kinds and the rows (a UNION of each kind's claims); none when nothing is wanted."""
    parts = [
        kind.claim_model.objects.running(now)
        .filter(**{f"{kind.key}__in": list(ids)})
        .order_by()
        .annotate(
            c_kind=Value(kind.name, output_field=CharField()),
            c_work=F(kind.key),
            c_reviewer=F("reviewer_id"),
            c_holder=F("reviewer__username"),
            c_expires=F("expires_at"),
        )
        .values_list("c_kind", "c_work", "c_reviewer", "c_holder", "c_expires")
        for kind, ids in wanted
        if ids
    ]
    if not parts:
        return {}
    first, *rest = parts
    rows = first.union(*rest, all=True) if rest else first
    return {(name, work): RunningClaim(reviewer, holder, expires) for name, work, reviewer, holder, expires in rows}
