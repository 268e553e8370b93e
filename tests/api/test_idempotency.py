"""Idempotency-Key (api/idempotency.py): a retry replays the first response and does nothing twice.

The endpoints are tests/api/idempotency_urls.py's (test-only); the real concurrency runs
against a live server in test_idempotency_concurrency.py.
"""

import json
import uuid
from datetime import timedelta

import pytest
from django.test.client import encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from api.idempotency import Idempotent, idempotency_key_parse
from api.models import IdempotencyRecord
from api.tasks import idempotency_records_purge
from portal.models import AuditLogEntry
from tests.api import idempotency_urls
from tests.api.conftest import PartnerClient
from tests.api.idempotency_urls import ACTION

pytestmark = pytest.mark.urls("tests.api.idempotency_urls")

THINGS = "/api/v1/_test/things/"
TOUCH = "/api/v1/_test/things/touch/"


def created():
    return AuditLogEntry.objects.filter(action=ACTION).count()


@pytest.fixture
def client(brand_a, key_client):
    client = key_client(brand_a.organisation)
    client.raise_request_exception = False  # a bug is a 500 answer here, as in production
    return client


def post(client, body, key, path=THINGS, **extra):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_a_retry_gets_the_first_response_again_and_nothing_new_is_created(client):
    key = str(uuid.uuid4())
    first = post(client, {"name": "lamp"}, key)
    again = post(client, {"name": "lamp"}, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.content == first.content
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert created() == 1


def test_the_body_is_compared_as_parsed_so_json_key_order_does_not_matter(client):
    key = str(uuid.uuid4())
    one = client.post(
        THINGS, '{"name": "lamp", "hold": false}', content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    two = client.post(THINGS, '{"hold":false,"name":"lamp"}', content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert (one.status_code, two.status_code) == (201, 201)
    assert two["Idempotent-Replayed"] == "true"
    assert created() == 1


def test_the_same_key_with_another_body_or_path_is_422_and_runs_nothing(client):
    key = str(uuid.uuid4())
    assert post(client, {"name": "lamp"}, key).status_code == 201
    other_body = post(client, {"name": "chair"}, key)
    other_path = post(client, {"name": "lamp"}, key, path=TOUCH)
    for response in (other_body, other_path):
        assert response.status_code == 422
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "idempotency_key_reused"
        assert "new key" in response.json()["detail"]
    assert created() == 1


def test_a_post_that_requires_the_header_is_400_without_it_and_runs_nothing(client):
    response = post(client, {"name": "lamp"}, None)
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["code"] == "idempotency_key_missing"
    assert "Idempotency-Key" in body["detail"] and body["instance"] == THINGS
    assert created() == 0 and not IdempotencyRecord.objects.exists()


def test_an_optional_header_when_absent_runs_every_time_and_when_sent_replays(client):
    assert post(client, {"name": "a"}, None, path=TOUCH).status_code == 201
    assert post(client, {"name": "a"}, None, path=TOUCH).status_code == 201
    key = str(uuid.uuid4())
    first = post(client, {"name": "a"}, key, path=TOUCH)
    assert post(client, {"name": "a"}, key, path=TOUCH).json() == first.json()
    assert created() == 3


@pytest.mark.parametrize(
    "header", ["", "a,b", '"unterminated', '"a", "b"', "x" * 256, "with space", "back\\slash", '"bad\\escape"', "é"]
)
def test_a_malformed_key_is_400_and_runs_nothing(client, header):
    response = client.post(THINGS, {"name": "lamp"}, format="json", headers={"Idempotency-Key": header})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert created() == 0


def test_a_key_is_bare_or_a_structured_field_string():
    assert idempotency_key_parse("8e03978e-40d5-43e8-bc93-6894a57f9324") == "8e03978e-40d5-43e8-bc93-6894a57f9324"
    assert idempotency_key_parse('"8e03978e-40d5"') == "8e03978e-40d5"
    assert idempotency_key_parse('"a \\"quoted\\" one, with a comma"') == 'a "quoted" one, with a comma'
    assert idempotency_key_parse('""') is None
    assert idempotency_key_parse("x" * 255) == "x" * 255


def test_the_quoted_and_the_bare_form_are_the_same_key(client):
    first = post(client, {"name": "lamp"}, "abc-123")
    again = post(client, {"name": "lamp"}, '"abc-123"')
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()


def test_keys_are_scoped_to_the_api_key_and_to_the_session_user(brand_a, key_client, owner_a):
    key = str(uuid.uuid4())
    one, two = key_client(brand_a.organisation), key_client(brand_a.organisation)
    browser = PartnerClient()
    browser.force_authenticate(owner_a)
    responses = [post(c, {"name": "lamp"}, key) for c in (one, two, browser)]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["id"] for r in responses}) == 3
    assert created() == 3


def test_a_4xx_outcome_is_kept_and_replayed_and_its_work_rolled_back(client):
    key = str(uuid.uuid4())
    first = post(client, {"name": "lamp", "fail": "invalid"}, key)
    assert first.status_code == 400 and first.json()["code"] == "bad_name"
    assert created() == 0  # the entry written before the refusal did not survive
    again = post(client, {"name": "lamp", "fail": "invalid"}, key)
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"


def test_a_validation_error_of_the_body_is_kept_too(client):
    key = str(uuid.uuid4())
    first = post(client, {"name": ""}, key)
    assert first.status_code == 400 and first.json()["errors"][0]["pointer"] == "/name"
    assert post(client, {"name": ""}, key)["Idempotent-Replayed"] == "true"


def test_a_bug_is_a_500_that_is_not_kept_so_the_retry_runs_afresh(client, monkeypatch):
    real = idempotency_urls.thing_create
    calls = []

    def crashes_once(**kwargs):
        calls.append(kwargs)
        return real(**{**kwargs, "fail": "crash"} if len(calls) == 1 else kwargs)

    monkeypatch.setattr(idempotency_urls, "thing_create", crashes_once)
    key = str(uuid.uuid4())
    assert post(client, {"name": "lamp"}, key).status_code == 500
    assert created() == 0 and not IdempotencyRecord.objects.exists()
    retry = post(client, {"name": "lamp"}, key)
    assert retry.status_code == 201 and not retry.has_header("Idempotent-Replayed")
    assert created() == 1


def test_a_5xx_answer_rolls_the_work_back_and_releases_the_key(client):
    key = str(uuid.uuid4())
    assert post(client, {"name": "lamp", "fail": "unavailable"}, key).status_code == 503
    assert created() == 0
    assert not IdempotencyRecord.objects.exists()


def _claim(user, key, *, body, path=THINGS, age=timedelta(0), completed=False):
    from api.idempotency import request_fingerprint  # the same fingerprint a request would have

    class _Request:
        method = "POST"
        data = body

        @staticmethod
        def get_full_path():
            return path

    now = timezone.now()
    return IdempotencyRecord.objects.create(
        user=user,
        key=key,
        fingerprint=request_fingerprint(_Request),
        method="POST",
        path=path,
        attempt=uuid.uuid4(),
        claimed_at=now - age,
        expires_at=now - age + timedelta(hours=24),
        completed_at=now if completed else None,
    )


def test_a_retry_while_the_first_still_runs_is_409_with_retry_after(brand_a, make_key):
    key_row, secret = make_key(brand_a.organisation)
    client = PartnerClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    _claim(key_row.principal, "k1", body={"name": "lamp"})
    response = post(client, {"name": "lamp"}, "k1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert response["Retry-After"] == "1"
    assert created() == 0


def test_an_abandoned_claim_is_taken_over_once_the_claim_period_has_passed(brand_a, make_key, settings):
    key_row, secret = make_key(brand_a.organisation)
    client = PartnerClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    dead = _claim(
        key_row.principal,
        "k1",
        body={"name": "lamp"},
        age=timedelta(seconds=settings.API_IDEMPOTENCY_CLAIM_SECONDS + 1),
    )
    response = post(client, {"name": "lamp"}, "k1")
    assert response.status_code == 201 and created() == 1
    record = IdempotencyRecord.objects.get()
    assert record.completed_at is not None and record.attempt != dead.attempt
    assert post(client, {"name": "lamp"}, "k1")["Idempotent-Replayed"] == "true"


def test_an_expired_key_may_be_used_afresh_and_the_purge_deletes_only_expired_records(brand_a, make_key, settings):
    key_row, secret = make_key(brand_a.organisation)
    client = PartnerClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    old = _claim(key_row.principal, "old", body={"name": "lamp"}, age=timedelta(hours=25), completed=True)
    kept = _claim(key_row.principal, "kept", body={"name": "lamp"}, age=timedelta(hours=23), completed=True)
    _claim(key_row.principal, "gone", body={"name": "lamp"}, age=timedelta(hours=30), completed=True)
    response = post(client, {"name": "lamp"}, "old")
    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert IdempotencyRecord.objects.get(key="old").pk != old.pk
    assert idempotency_records_purge() == 1
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"old", "kept"}
    assert IdempotencyRecord.objects.filter(pk=kept.pk).exists()


def test_errors_before_the_operation_claim_nothing(client):
    anonymous = PartnerClient()
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer tdp_nope_nope")
    assert post(anonymous, {"name": "lamp"}, "k1").status_code == 401
    malformed = client.post(THINGS, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert malformed.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert post(client, {"name": "lamp"}, "k1").status_code == 201


def test_multipart_bodies_are_compared_by_field_and_file_content_whatever_the_boundary(client):
    key = str(uuid.uuid4())

    def send(boundary, content=b"%PDF-1.4 proof"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        body = encode_multipart(boundary, {"name": "lamp", "proof": SimpleUploadedFile("proof.pdf", content)})
        return client.post(
            TOUCH, body, content_type=f"multipart/form-data; boundary={boundary}", HTTP_IDEMPOTENCY_KEY=key
        )

    first = send("boundary-one")
    assert first.status_code == 201
    again = send("another-boundary-2")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert send("boundary-three", content=b"%PDF-1.4 other proof").status_code == 422
    assert created() == 1


def test_the_schema_documents_the_header_required_or_optional():
    schema = SchemaGenerator(urlconf="tests.api.idempotency_urls").get_schema(request=None, public=True)

    def header(path):
        (param,) = [p for p in schema["paths"][path]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
        return param

    assert header(THINGS)["in"] == "header" and header(THINGS)["required"] is True
    assert header(TOUCH).get("required", False) is False
    assert schema["paths"][THINGS]["post"]["operationId"] == "thing_create"  # @extend_schema survives the mixin


def test_an_idempotent_class_must_say_required_or_optional():
    with pytest.raises(TypeError, match="idempotency"):

        class Forgot(Idempotent):
            def post(self, request):
                return None


def test_a_post_inherited_from_a_generic_view_is_covered_too():
    from rest_framework.generics import CreateAPIView

    class Create(Idempotent, CreateAPIView):
        idempotency = "required"

    assert Create.post._idempotent and Create.post.__wrapped__ is CreateAPIView.post


def _posts_without_idempotency(urlconf):
    """Paths of every POST view under /api/ in ``urlconf`` whose class does not declare Idempotency-Key handling."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                cls = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
                route = prefix + str(pattern.pattern)
                if cls is None or not route.startswith("api/"):
                    continue
                if "post" in (getattr(pattern.callback, "actions", None) or {}):
                    found.append(route)  # a ViewSet's POST: its action is bound past the mixin
                    continue
                by_method = getattr(pattern.callback, "by_method", None)  # api.routing: one class per method
                if by_method is not None:
                    cls = by_method["POST"].cls if "POST" in by_method else None
                if cls is not None and hasattr(cls, "post") and not getattr(cls.post, "_idempotent", False):
                    found.append(route)

    walk(get_resolver(urlconf).url_patterns, "")
    return found


@pytest.mark.urls("portal.urls")
def test_every_post_of_the_api_declares_its_idempotency():
    assert _posts_without_idempotency("portal.urls") == [], (
        "Every POST of the API takes an Idempotency-Key: subclass api.idempotency.Idempotent and set "
        'idempotency = "required" (creates notices, ingests listings) or "optional" (see api/idempotency.py).'
    )


def test_the_walk_finds_a_post_without_it():
    assert _posts_without_idempotency(idempotency_urls) == []
    plain = type("Conf", (), {"urlpatterns": idempotency_urls.plain_urlpatterns})
    assert _posts_without_idempotency(plain) == ["api/v1/_test/plain/", "api/v1/_test/by-method/"]


def test_the_stored_body_is_the_rendered_json(client):
    key = str(uuid.uuid4())
    first = post(client, {"name": "lämp"}, key)
    record = IdempotencyRecord.objects.get(key=key)
    assert json.loads(record.response_body) == first.json()
    assert record.response_status == 201 and record.response_headers["Location"] == first["Location"]


def test_a_principal_of_another_key_never_sees_the_record(brand_a, brand_b, key_client):
    key = str(uuid.uuid4())
    post(key_client(brand_a.organisation), {"name": "secret"}, key)
    other = post(key_client(brand_b.organisation), {"name": "secret"}, key)
    assert other.status_code == 201 and not other.has_header("Idempotent-Replayed")
