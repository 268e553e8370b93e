"""What the uploads of one request may cost in all: how many files, how many image pixels decoded.

A per-file limit alone lets one request carry many files just under it (ten
39.7-megapixel PNGs of 154 KB each took 20 s of CPU). The request-limits
middleware (portal.request_limits) opens a budget for every request;
``validate_upload`` charges it a file before reading one, and an image's
pixels after reading its header and before decoding it, so a refused image
costs nothing to decode. Outside a request (a management command, a task)
there is no budget and only the per-file limits apply.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.uploads.errors import UploadRejected

_current: ContextVar["UploadBudget | None"] = ContextVar("upload_budget", default=None)


@dataclass
class UploadBudget:
    max_files: int
    max_pixels: int
    files: int = 0
    pixels: int = 0


@contextmanager
def upload_budget(*, max_files=None, max_pixels=None):
    """Bound the uploads validated inside the block; the middleware opens one per request."""
    budget = UploadBudget(
        max_files=max_files or settings.UPLOAD_MAX_FILES_PER_REQUEST,
        max_pixels=max_pixels or settings.UPLOAD_MAX_PIXELS_PER_REQUEST,
    )
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def upload_budget_charge_file(*, shown):
    budget = _current.get()
    if budget is None:
        return
    if budget.files + 1 > budget.max_files:
        raise UploadRejected(
            _(
                "%(name)s is one file too many: send at most %(max)s files at a time "
                "(combine the others into one PDF, or add them in another step)."
            ),
            code="too_many_files",
            params={"name": shown, "max": budget.max_files},
        )
    budget.files += 1


def upload_budget_charge_pixels(pixels, *, shown):
    budget = _current.get()
    if budget is None:
        return
    if budget.pixels + pixels > budget.max_pixels:
        raise UploadRejected(
            _(
                "%(name)s takes the images sent together past %(max)s pixels in all. "
                "Send fewer or smaller images at a time."
            ),
            code="too_many_pixels_in_request",
            params={"name": shown, "max": f"{budget.max_pixels:,}"},
        )
    budget.pixels += pixels
