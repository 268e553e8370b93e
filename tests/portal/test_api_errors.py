"""Domain errors become API responses in one handler: an illegal move answers 409."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from takedowns.lifecycle import TransitionError


def _view_raising(exc):
    class Raising(APIView):
        permission_classes = []
        authentication_classes = []

        def post(self, request):
            raise exc

    return Raising.as_view()


@pytest.mark.parametrize(
    "exc, status, fragment",
    [
        (TransitionError("Item 7 is upheld; it cannot become withdrawn."), 409, "cannot become withdrawn"),
        (ValidationError({"filer_email": ["Give an e-mail address."]}), 400, "Give an e-mail address."),
        (PermissionDenied("Only platform reviewers decide on notice items."), 403, "Only platform reviewers"),
    ],
)
def test_domain_errors_map_to_http(exc, status, fragment):
    response = _view_raising(exc)(APIRequestFactory().post("/x"))
    assert response.status_code == status
    assert fragment in str(response.data)
