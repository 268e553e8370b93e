"""The uploader's file name: kept for display only, never used to store or serve the file."""

import re
import unicodedata

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')


def sanitise_filename(name: str) -> str:
    """The user's basename, safe to show and to put in Content-Disposition."""
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return "upload"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        keep_ext = dot and 0 < len(ext) <= 16
        name = stem[: 255 - len(ext) - 1] + "." + ext if keep_ext else name[:255]
    return name


# Control, format (bidi overrides and isolates, zero-width characters), line and
# paragraph separators, private-use and lone surrogates: none belongs in a name on a page.
_NOT_SHOWN = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}


def filename_for_display(name: str) -> str:
    """The uploader's name as plain text for a page: no character that could disguise it, at most 255 long.

    U+202E (right-to-left override) makes "photo<U+202E>gpj.exe" look like
    "photoexe.jpg"; with it removed the name reads as it is. Names are
    already cleaned at upload (sanitise_filename); this also covers rows
    written before that or by hand.
    """
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(name)))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _NOT_SHOWN)
    return re.sub(" +", " ", name).strip()[:255]
