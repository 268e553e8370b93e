"""Domain errors become API responses in one handler: bad input 400, an illegal move or lost race 409."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from portal.errors import InvalidInput, TransitionError


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
        (InvalidInput("Give the filer a reason for the rejection.", code="reason_required"), 400, "reason_required"),
        (ValidationError({"filer_email": ["Give an e-mail address."]}), 400, "Give an e-mail address."),
        (PermissionDenied("Only platform reviewers decide on notice items."), 403, "Only platform reviewers"),
    ],
)
def test_domain_errors_map_to_http(exc, status, fragment):
    response = _view_raising(exc)(APIRequestFactory().post("/x"))
    assert response.status_code == status
    assert fragment in str(response.data)


class _Item:
    pk = 7
    status = "upheld"


def test_a_conflict_names_the_item_and_the_state_it_is_in_now():
    exc = TransitionError("Item 7 is upheld; only items waiting for adjudication are decided.", item=_Item())
    response = _view_raising(exc)(APIRequestFactory().post("/x"))
    assert response.status_code == 409
    assert response.data == {
        "detail": "Item 7 is upheld; only items waiting for adjudication are decided.",
        "code": "illegal_transition",
        "item": 7,
        "status": "upheld",
    }


def test_a_missing_reason_is_400_and_carries_no_item_state():
    response = _view_raising(InvalidInput("Give both sides the reasons.", code="reason_required"))(
        APIRequestFactory().post("/x")
    )
    assert response.status_code == 400
    assert response.data == {"detail": "Give both sides the reasons.", "code": "reason_required"}
