from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from portal.files import file_kind, file_shown_inline, file_type_of_bytes, served_name
from portal.uploads.types import SNIFF_BYTES


@login_required
@require_GET
def download(request, kind, pk):
    """A private file, looked up through its kind's scoped queryset (another organisation's: 404).

    ``?inline=1`` asks to show it in the page (a preview's ``<img src>``): granted only when the bytes
    are a raster image we accept (JPEG, PNG, WebP); anything else (PDF, SVG, HTML, unknown bytes) is
    still an attachment, so a file can never run as a page of this site.
    """
    spec = file_kind(kind)
    if spec is None:
        raise Http404("No such file.")
    obj = get_object_or_404(spec.queryset_for(request.user), pk=pk)
    stored = getattr(obj, spec.field)
    if not stored:
        raise Http404("No such file.")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    # Name and type come from the bytes served, never from the uploader's file name.
    content_type, extension = file_type_of_bytes(handle.read(SNIFF_BYTES))
    handle.seek(0)
    inline = request.GET.get("inline") == "1" and file_shown_inline(content_type)
    response = FileResponse(
        handle, as_attachment=not inline, filename=served_name(spec, obj.pk, extension), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if inline:
        # An <img> of this site may load it; another site may not embed it (it is private evidence).
        response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
