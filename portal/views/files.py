import mimetypes
import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from portal.files import file_kind

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


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
    name = getattr(obj, spec.name_field, "") if spec.name_field else ""
    name = _SAFE_NAME.sub("_", name or stored.name.rsplit("/", 1)[-1])[:120] or "download"
    content_type = (getattr(obj, spec.content_type_field, "") if spec.content_type_field else "") or (
        mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    )
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
