"""The top bar's identity: the organisation the user works as, their role, and (for someone who acts for
several brands: an agent firm's people) the brand switcher. ``{% top_bar_identity %}`` in base.html.

Queries, whatever the user's number of organisations, brands or letters: the user's memberships (one,
shared with scoping), and for brand-side users the brands and the valid letters (``acting_roles_of``:
one or two). A reviewer pays for the groups only (``portal.roles``, also kept for the request).
"""

from django import template

from portal.roles import member_role_label, platform_role_label
from portal.scoping import memberships_of
from rights_holders.acting import acting_role_current, acting_roles_cached

register = template.Library()


@register.inclusion_tag("rights_holders/_top_bar_identity.html", takes_context=True)
def top_bar_identity(context):
    request = context["request"]
    user = request.user
    staff_role = platform_role_label(user)
    # Platform staff are named by their role alone: no query for their (usually no) memberships.
    memberships = () if staff_role else memberships_of(user)
    roles = [] if staff_role else acting_roles_cached(user)
    current = acting_role_current(request) if roles else None
    membership = None
    if current is not None:
        membership = next((m for m in memberships if m.organisation_id == current.organisation.pk), None)
    elif memberships:
        membership = memberships[0]
    if staff_role:
        role_label = staff_role
    elif membership is not None:
        role_label = member_role_label(membership.organisation_kind, membership.role)
    else:
        role_label = ""
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "role_label": role_label,
        "organisation_name": membership.organisation_name if membership and not staff_role else "",
        "other_organisations": max(0, len(memberships) - 1) if not roles and not staff_role else 0,
        "roles": roles if len(roles) > 1 else [],
        "current": current,
        # An agent firm's person with one brand: the brand is said beside the firm.
        "acting_for": current.rights_holder.legal_name if current and current.letter and len(roles) == 1 else "",
        "several_firms": len({role.organisation.pk for role in roles}) > 1,
    }
