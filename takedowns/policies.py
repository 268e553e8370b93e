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

from django.core.exceptions import ImproperlyConfigured

POLICIES = {
    # (rights_holder_id, infringement_type) -> membership or None: the active Good Faith
    # membership that fast-tracks an item of this type (per type, or overall).
    "membership_active_for": "rights_holder_id, infringement_type -> Membership | None",
    # (partner) -> bool: the partner still holds its vetting privilege.
    "partner_privilege_active": "partner -> bool",
    # (item, now) -> None: maybe draw a fast-track takedown for a quality audit (one item).
    "quality_audit_maybe_select": "item, *, now -> None",
    # (items, notice, now) -> rows: the audit rows drawn for many fast-tracked items at once.
    "quality_audits_draw": "items, *, notice, now -> list",
    # (organisation_id, now) -> None: misuse measures after a manifestly unfounded rejection.
    "misuse_evaluate": "organisation_id, *, item, now -> None",
    # (item_path) -> Q/expression: true where the item's filer is trusted (queue ordering).
    "trusted_filer_expression": "item_path -> Expression",
    # (user, limit) -> list of queue entries of work the higher app adds to the review queue.
    "review_queue_extra": "user, *, limit -> list",
}

_registered = {}


def policy_register(name, function):
    """Register ``function`` as the answer to policy ``name`` (called from ``AppConfig.ready``)."""
    if name not in POLICIES:
        raise ImproperlyConfigured(f"takedowns asks for no policy named {name!r}; known: {', '.join(POLICIES)}.")
    _registered[name] = function


def policy(name):
    """The function registered for policy ``name``; an error when none was."""
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"No app registered the takedowns policy {name!r}; is good_faith in INSTALLED_APPS?"
        ) from None
