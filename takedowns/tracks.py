"""Which track a new item takes beyond partner vetting. The Good Faith programme extends this."""

from takedowns.models import Track


def track_extension(notice, item):
    return Track.STANDARD, "Standard track: a reviewer checks the notice first."
