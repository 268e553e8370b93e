"""The authenticator's set-up link as a QR code, drawn here as inline SVG (no image service, no script)."""

import re

import qrcode
import qrcode.image.svg


def qr_svg(data, *, label):
    """An ``<svg>`` element of ``data`` as a QR code, for a page (it has ``role="img"`` and ``label``)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    # Sized by the page's CSS, not in millimetres; named for screen readers.
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', "<svg", svg)
    escaped = str(label).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{escaped}" ', 1)
