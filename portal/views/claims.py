"""The page a reviewer releases a claim from (``portal.claims``): one shape for every kind of claimable work.

Each app keeps its own view (its URL, its decorators), its own success message and its own refusal page (the
queue as it stands, or the work's page), and asks ``claim_release_answer`` for the rest.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from portal.errors import DomainError
from portal.roles import user_is_reviewer

# What a release may be refused with: the kind's verb raises TransitionError when the reviewer holds no claim.
RELEASE_REFUSALS = (DomainError, PermissionDenied, ValidationError)


def claim_release_answer(request, *, model, pk, release, released, refused, queue):
    """Release the reviewer's claim on the work ``pk`` of ``model`` and answer the POST.

    Anyone but a reviewer reads 404, as for work that does not exist. ``release(work)`` is the kind's verb;
    ``released(work)`` the message said on success, before going back to ``queue`` (a URL name): not the
    work's page, since opening the work again would claim it. A refusal is answered by
    ``refused(request, work, exc)``, the app's own page.
    """
    if not user_is_reviewer(request.user):
        raise Http404
    work = get_object_or_404(model, pk=pk)
    try:
        release(work)
    except RELEASE_REFUSALS as exc:
        return refused(request, work, exc)
    messages.success(request, released(work))
    return redirect(queue)
