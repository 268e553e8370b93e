"""A screening result's evidence in plain words: for the alerts inbox, the API and the notice it pre-fills.

The pipeline stores every signal as ``{"kind", "evidence", "points", ...details}``
(``pipeline.signals_plain``); ``evidence`` is already a sentence (which keyword and where, the
reference image and the distance, the price against the reference). Here each signal gets a
heading a rights holder reads ("Brand named", "Image match") and the details worth a second line
(the text read from an image, how close a matched image is), and the notice a confirmation files
gets an explanation built from them, which the filer may edit.
"""

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from portal.forms import PROSE_MAX_LENGTH, control_characters_replace
from portal.i18n import records_language

KIND_LABELS = {
    "keyword": gettext_lazy("Brand named"),
    "ocr": gettext_lazy("Brand in an image's text"),
    "image": gettext_lazy("Image match"),
    "price": gettext_lazy("Price"),
    "replica": gettext_lazy("Replica words"),
    "category": gettext_lazy("Category"),
    "merchant": gettext_lazy("Merchant"),
}
# What an explanation quotes of the evidence, as the proactive notices do: enough for the merchant to see why.
EVIDENCE_LINES_MAX = 20
EVIDENCE_LINE_MAX_LENGTH = 500
OCR_TEXT_SHOWN = 600
IMAGE_BITS = 64


@dataclass(frozen=True)
class SignalShown:
    kind: str
    label: str
    evidence: str
    notes: tuple = ()


def _line(text, limit=EVIDENCE_LINE_MAX_LENGTH):
    text = " ".join(control_characters_replace(str(text), multiline=False).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _notes(signal):
    kind = signal.get("kind")
    notes = []
    if kind == "ocr" and signal.get("ocr_text"):
        notes.append(
            gettext("Text read from the listing's images: “%(text)s”")
            % {"text": _line(signal["ocr_text"], OCR_TEXT_SHOWN)}
        )
    if kind == "image" and isinstance(signal.get("distance"), int):
        if signal.get("reference_kind") == "counterfeit":
            note = gettext(
                "%(distance)s of %(bits)s bits differ from a known counterfeit (0 is the same picture; "
                "a resized or recompressed copy stays within 10)."
            )
        else:
            note = gettext(
                "%(distance)s of %(bits)s bits differ from the brand's reference image (0 is the same picture; "
                "a resized or recompressed copy stays within 10)."
            )
        notes.append(note % {"distance": signal["distance"], "bits": IMAGE_BITS})
    if kind == "price" and isinstance(signal.get("ratio"), int | float):
        notes.append(gettext("Price ratio %(ratio)s of the reference price.") % {"ratio": f"{signal['ratio']:.2f}"})
    return tuple(notes)


def signals_shown(signals):
    """The stored signals as ``SignalShown`` rows, in the order screening wrote them; unknown kinds kept."""
    shown = []
    for signal in signals or ():
        if not isinstance(signal, dict):
            continue
        kind = str(signal.get("kind") or "")
        shown.append(
            SignalShown(
                kind=kind,
                label=KIND_LABELS.get(kind, kind.replace("_", " ").capitalize() or gettext("Signal")),
                evidence=_line(signal.get("evidence") or ""),
                notes=_notes(signal),
            )
        )
    return shown


def evidence_lines(signals):
    """One line per signal with evidence, as an explanation quotes them: in English, as records are written."""
    with records_language():
        return [f"{row.label}: {row.evidence}" for row in signals_shown(signals) if row.evidence]


def alert_explanation(*, asset_name, holder_name, score, reference, signals):
    """The explanation a confirmed alert's notice starts from: what screening found, in the filer's words."""
    lines = evidence_lines(signals)
    shown = [f"- {line}" for line in lines[:EVIDENCE_LINES_MAX]]
    if len(lines) > EVIDENCE_LINES_MAX:
        shown.append(f"- and {len(lines) - EVIDENCE_LINES_MAX} more signal(s).")
    text = (
        f"The marketplace's screening flagged this listing as a suspected infringement of {holder_name}'s "
        f"\u201c{asset_name}\u201d (score {float(score):.2f}; screening result {reference}). We reviewed it and "
        "believe it offers counterfeit goods.\n\n"
        "What screening found:\n" + ("\n".join(shown) or "- (no evidence recorded)")
    )
    return text[:PROSE_MAX_LENGTH]
