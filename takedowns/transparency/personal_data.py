"""Personal data out of the export: a scrubber for the few typed values that reach it."""

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Seven or more digits, allowing the separators people type in phone numbers.
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")


def scrub_personal_data(text, *, phones=True):
    """Remove e-mail addresses, URLs and (unless ``phones`` is false) phone-like digit runs.

    A safety net for the few values people typed that reach the export (the office and registration
    number of a right), not the main defence. Registration numbers are long digit runs themselves, so
    they are scrubbed with ``phones=False``.
    """
    text = _EMAIL.sub("[removed]", text)
    text = _URL.sub("[removed]", text)
    return _PHONE.sub("[removed]", text) if phones else text
