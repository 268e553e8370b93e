"""Platform staff roles are Django groups; organisation roles are memberships."""

from django.contrib.auth.models import Group


class PlatformRole:
    REVIEWER = "reviewer"
    SENIOR_REVIEWER = "senior_reviewer"
    ADMIN = "platform_admin"

    ALL = (REVIEWER, SENIOR_REVIEWER, ADMIN)


def _group_names(user):
    # Cached on the user object for the request: a page asks several times.
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
