"""Platform staff roles are Django groups; organisation roles are memberships."""

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _


class PlatformRole:
    REVIEWER = "reviewer"
    SENIOR_REVIEWER = "senior_reviewer"
    ADMIN = "platform_admin"

    ALL = (REVIEWER, SENIOR_REVIEWER, ADMIN)


def _group_names(user):
    # The platform role groups (only these are asked about) the user is in; cached on the user object for
    # the request: a page asks several times. The session's user arrives with them (portal.authentication).
    cached = getattr(user, "_platform_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        user._platform_group_names = cached
    return cached


def user_is_platform_staff(user):
    return bool(user.is_authenticated and (user.is_superuser or _group_names(user) & set(PlatformRole.ALL)))


def user_is_reviewer(user):
    return user_is_platform_staff(user)


def user_is_senior_reviewer(user):
    return bool(
        user.is_authenticated
        and (user.is_superuser or _group_names(user) & {PlatformRole.SENIOR_REVIEWER, PlatformRole.ADMIN})
    )


def ensure_platform_groups():
    """Create the staff groups (idempotent); called by a data migration and seed_demo."""
    return {name: Group.objects.get_or_create(name=name)[0] for name in PlatformRole.ALL}


PLATFORM_ROLE_LABELS = {
    PlatformRole.ADMIN: _("Platform admin"),
    PlatformRole.SENIOR_REVIEWER: _("Senior reviewer"),
    PlatformRole.REVIEWER: _("Reviewer"),
}

# A member's role as the top bar says it: what the organisation is, and the member's place in it.
MEMBER_ROLE_LABELS = {
    ("rights_holder", "owner"): _("Brand owner"),
    ("rights_holder", "staff"): _("Brand staff"),
    ("agent", "owner"): _("Agent firm owner"),
    ("agent", "staff"): _("Agent firm staff"),
    ("merchant", "owner"): _("Merchant owner"),
    ("merchant", "staff"): _("Merchant staff"),
    ("partner", "owner"): _("Partner owner"),
    ("partner", "staff"): _("Partner staff"),
}


def platform_role_label(user):
    """The highest platform role the user holds, in words ("Senior reviewer"); "" for a non-staff user."""
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return PLATFORM_ROLE_LABELS[PlatformRole.ADMIN]
    names = _group_names(user)
    for role in PlatformRole.ALL[::-1]:  # admin, then senior reviewer, then reviewer
        if role in names:
            return PLATFORM_ROLE_LABELS[role]
    return ""


def member_role_label(organisation_kind, role):
    return MEMBER_ROLE_LABELS.get((organisation_kind, role), role)
