"""A number of bytes in words, for limits and refusals: "500 KB", "1.5 MB", "10 MB"."""

import re

from django.template.defaultfilters import filesizeformat


def size_text(size):
    """Django's ``filesizeformat`` (binary units, one decimal), without a trailing zero decimal and with a plain
    space, so a limit under 1 MB reads "500 KB" (not "0.5 MB", nor "0.0 MB" below 50 KB) and 10 MB reads "10 MB"."""
    number, _, unit = filesizeformat(size).replace("\xa0", " ").partition(" ")
    return f"{re.sub(r'[.,]0$', '', number)} {unit}"
