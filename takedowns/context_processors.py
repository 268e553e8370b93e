"""Template context for every page."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from takedowns.models import Notification

# Loaded with the session's user (portal.authentication): the top bar's count costs no query of its own.
UNREAD_ATTRIBUTE = "frame_notifications_unread"


def notifications_unread_expression():
    """The unread count of the user row ``OuterRef("pk")`` (the index on recipient and read_at answers it)."""
    counts = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at=None)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def notifications_unread(request):
    """``notifications_unread``: the signed-in user's unread count as the request began.

    Loaded with the user from the session; a user object from elsewhere (one just signed in) is asked,
    only if a template uses the count.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    loaded = getattr(user, UNREAD_ATTRIBUTE, None)
    if loaded is not None:
        return {"notifications_unread": loaded}

    def count():
        return Notification.objects.filter(recipient=user, read_at=None).count()

    return {"notifications_unread": SimpleLazyObject(count)}
