"""Tiny POST endpoints for the Idempotency-Key tests only (never in the project's URLs).

``ThingCreateApi`` behaves like an API operation calling a verb: it writes an audit
entry inside ``durable_atomic()`` and answers 201 with a Location. The body steers it:
``fail`` makes it refuse after writing (``invalid``: 400, ``crash``: a bug, 500,
``unavailable``: it returns 503), ``hold`` parks it, with its work written and not
committed, until the test sets ``RELEASE``.
"""

import threading

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import Idempotent
from api.permissions import ANY_KEY
from api.routing import by_method
from portal.audit import audit_log_record
from portal.errors import InvalidInput
from portal.transactions import durable_atomic

ACTION = "tests.thing.created"
ENTERED = threading.Event()  # a held request has written its entry
RELEASE = threading.Event()  # lets a held request finish


class _Input(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    fail = serializers.ChoiceField(choices=["invalid", "crash", "unavailable"], required=False)
    hold = serializers.BooleanField(default=False)


def thing_create(*, actor, name, fail=None, hold=False):
    """A stand-in verb: one audited write in its own durable transaction."""
    with durable_atomic():
        entry = audit_log_record(action=ACTION, actor=actor, data={"name": name})
        if hold:
            ENTERED.set()
            assert RELEASE.wait(60), "the test never released the held request"
        if fail == "invalid":
            raise InvalidInput(f"No thing may be called {name!r}.", code="bad_name")
        if fail == "crash":
            raise RuntimeError("a bug in the handler")
    return entry


class ThingCreateApi(Idempotent, APIView):
    idempotency = "required"
    required_scopes = {"POST": ANY_KEY}

    @extend_schema(operation_id="thing_create", request=_Input, responses={201: dict})
    def post(self, request):
        data = _Input(data=request.data)
        data.is_valid(raise_exception=True)
        entry = thing_create(actor=request.user, **data.validated_data)
        if data.validated_data.get("fail") == "unavailable":
            return Response({"detail": "try later"}, status=503)
        return Response(
            {"id": entry.pk, "name": data.validated_data["name"]},
            status=201,
            headers={"Location": f"/api/v1/_test/things/{entry.pk}/"},
        )


class ThingTouchApi(Idempotent, APIView):
    idempotency = "optional"
    required_scopes = {"POST": ANY_KEY}

    def post(self, request):
        entry = thing_create(actor=request.user, name=str(request.data.get("name", "touch")))
        return Response({"id": entry.pk}, status=201)


class ThingPlainApi(APIView):
    """A POST without the mixin: what tests/api/test_idempotency.py's URL walk must catch."""

    required_scopes = {"POST": ANY_KEY}

    def post(self, request):
        return Response(status=204)


urlpatterns = [
    path("api/v1/_test/things/", ThingCreateApi.as_view()),
    path("api/v1/_test/things/touch/", ThingTouchApi.as_view()),
]
plain_urlpatterns = [
    path("api/v1/_test/plain/", ThingPlainApi.as_view()),
    path("api/v1/_test/by-method/", by_method(GET=ThingPlainApi, POST=ThingPlainApi)),
]
