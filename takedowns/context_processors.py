"""Template context for every page."""

from django.utils.functional import SimpleLazyObject

from takedowns.models import Notification


def notifications_unread(request):
    """``notifications_unread``: the signed-in user's unread count, queried only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}

    def count():
        return Notification.objects.filter(recipient=user, read_at=None).count()

    return {"notifications_unread": SimpleLazyObject(count)}
