"""The one upload validator: every uploaded file goes through `validate_upload`.

What it guarantees for the bytes it returns:

* The type is decided by CONTENT (magic bytes), never by the file name or the
  content type the browser sent. ``kind="image"`` allows JPEG, PNG and WebP;
  ``kind="document"`` allows PDF plus the same images.
* Images are decoded and RE-ENCODED with Pillow in their own format (JPEG at
  quality 90, PNG, WebP). Orientation is applied first (``exif_transpose``) and
  the output carries no EXIF, GPS, XMP, ICC profile or text chunks. Only the
  first frame of an animated image is kept. Whatever was appended to or hidden
  in the original (a PDF, a ZIP, a script) does not survive re-encoding.
* Decompression bombs are refused: the header's width x height is checked
  against ``settings.UPLOAD_MAX_IMAGE_PIXELS`` before anything is decoded, and
  Pillow's ``DecompressionBombWarning`` is turned into an error while decoding
  (``Image.MAX_IMAGE_PIXELS`` is process-global, so we do not rely on it alone).
* Size: at most ``settings.UPLOAD_MAX_BYTES[kind]``; at most limit + 1 bytes
  are read, so a huge file is refused without reading all of it.
* PDFs must start with ``%PDF-`` and have ``%%EOF`` near the end. A PDF naming
  active content (``/JavaScript``, ``/JS``, ``/Launch``, ``/EmbeddedFile(s)``,
  also when hex-escaped like ``/J#61vaScript``) is refused. This is a screen of
  the uncompressed bytes, not a PDF parser: names inside compressed object
  streams are not seen, which is why proofs are only ever served as downloads.
* Polyglots (decided here):
    - bytes that start like an image but contain ``%PDF-`` (an image with a PDF
      appended, or a "PDF with a JPEG prefix", which PDF readers accept): as
      ``kind="image"`` they are re-encoded, which drops the PDF; as
      ``kind="document"`` they are REFUSED, because the uploader evidently
      meant a PDF and we will not keep either half.
    - bytes that start with ``%PDF-`` but that Pillow also recognises as an
      image are REFUSED.
* SVG and HTML are refused with the reason (they can carry scripts); anything
  else (ZIP, EXE, GIF, ...) is refused naming the allowed types and what the
  file looks like. Empty files are refused.
* Nothing is written to storage: the caller stores ``ValidatedUpload.content``
  under ``ValidatedUpload.name`` (a server-generated name, never the user's).

* Per request (``budget``): at most ``settings.UPLOAD_MAX_FILES_PER_REQUEST``
  files and ``settings.UPLOAD_MAX_PIXELS_PER_REQUEST`` image pixels in all,
  charged before a file is read or an image decoded.

Modules: ``validation`` (the entry point), ``types`` (sniffing by content),
``images``, ``pdf``, ``budget``, ``names`` (the uploader's name, for display
only), ``storing`` (writing: ``upload_row_save`` stores a validated file with the row that records it, and the
transaction deletes what a rollback leaves, ``portal.transactions``), ``errors``.
"""

from portal.uploads.budget import upload_budget
from portal.uploads.errors import UploadRejected
from portal.uploads.names import sanitise_filename
from portal.uploads.storing import store_upload, upload_row_save
from portal.uploads.validation import KINDS, ValidatedUpload, validate_upload, validate_uploads

__all__ = [
    "KINDS",
    "UploadRejected",
    "ValidatedUpload",
    "sanitise_filename",
    "store_upload",
    "upload_budget",
    "upload_row_save",
    "validate_upload",
    "validate_uploads",
]
