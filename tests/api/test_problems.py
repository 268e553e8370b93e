"""Every API error is RFC 9457 problem details, mapped in one handler."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import serializers
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.problems import PROBLEM_CONTENT_TYPE, error_pointers
from portal.errors import InvalidInput, TransitionError


def _view_raising(exc):
    class Raising(APIView):
        permission_classes = []
        authentication_classes = []

        def post(self, request):
            raise exc

    return Raising.as_view()


def _problem(exc):
    response = _view_raising(exc)(APIRequestFactory().post("/api/v1/x/?a=1"))
    response.render()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.data
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == response.status_code
    assert body["instance"] == "/api/v1/x/?a=1"
    return response.status_code, body


@pytest.mark.parametrize(
    "exc, status, code",
    [
        (TransitionError("Item 7 is upheld; it cannot become withdrawn."), 409, "illegal_transition"),
        (InvalidInput("Give the filer a reason for the rejection.", code="reason_required"), 400, "reason_required"),
        (ValidationError({"filer_email": ["Give an e-mail address."]}), 400, "invalid"),
        (PermissionDenied("Only platform reviewers decide on notice items."), 403, "permission_denied"),
    ],
)
def test_domain_errors_map_to_problem_details(exc, status, code):
    got_status, body = _problem(exc)
    assert got_status == status
    assert body["code"] == code
    assert body["type"].endswith(code)


class _Item:
    pk = 7
    status = "upheld"


def test_a_conflict_carries_the_current_state():
    status, body = _problem(TransitionError("Item 7 is upheld.", item=_Item()))
    assert status == 409
    assert body["current_state"] == "upheld"


def test_a_missing_reason_is_400_not_409_and_carries_no_state():
    status, body = _problem(InvalidInput("Give both sides the reasons.", code="reason_required"))
    assert status == 400
    assert "current_state" not in body


def test_a_django_field_error_points_into_the_body():
    _, body = _problem(ValidationError({"filer_email": ["Give an e-mail address."]}))
    assert body["errors"] == [{"pointer": "/filer_email", "code": "invalid", "detail": "Give an e-mail address."}]


def test_nested_item_errors_point_at_the_item_and_field():
    class Item(serializers.Serializer):
        listing = serializers.CharField()
        infringement_type = serializers.ChoiceField(choices=["counterfeit"])

    class Notice(serializers.Serializer):
        items = Item(many=True)

    data = {"items": [{"listing": "a", "infringement_type": "counterfeit"}, {"infringement_type": "x"}]}
    serializer = Notice(data=data)
    assert not serializer.is_valid()
    pointers = {(e["pointer"], e["code"]) for e in error_pointers(serializer.errors)}
    assert pointers == {("/items/1/listing", "required"), ("/items/1/infringement_type", "invalid_choice")}


def test_pointer_escapes_slash_and_tilde():
    assert error_pointers({"a/b~c": ["bad"]})[0]["pointer"] == "/a~1b~0c"
