from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from portal.files import file_kind, file_type_of_bytes, served_name
from portal.uploads.types import SNIFF_BYTES


@login_required
@require_GET
def download(request, kind, pk):
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
    response = FileResponse(
        handle, as_attachment=True, filename=served_name(spec, obj.pk, extension), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
