"""Body limits for the API: a valid key (or a session) may send large JSON and, where an operation takes
files, uploads; without a valid key a body stays small. Refusals are problem details, the body unread."""

import json

import pytest
from django.test import Client
from django.urls import include, path
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.keys import api_key_revoke
from api.permissions import ANY_KEY
from portal.request_limits import upload_endpoint
from tests.portal.test_request_limits import MB, MultipartStream, _post_stream


class _RowsApi(APIView):
    required_scopes = {"POST": ANY_KEY}

    def post(self, request):
        return Response({"rows": len(request.data["rows"])})


@upload_endpoint("document")
class _UploadApi(APIView):
    required_scopes = {"POST": ANY_KEY}
    parser_classes = [MultiPartParser]

    def post(self, request):
        return Response({"bytes": sum(f.size for f in request.FILES.values())})


urlpatterns = [
    path(
        "api/",
        include(([path("v1/rows/", _RowsApi.as_view()), path("v1/uploads/", _UploadApi.as_view())], "api")),
    ),
]

pytestmark = pytest.mark.urls(__name__)


def _ingest_body(rows=1000, row_bytes=5000):
    """About ``rows * row_bytes`` of JSON: a listing ingest of 1,000 rows with long descriptions."""
    return {"rows": [{"external_id": f"L{n:09d}", "description": "x" * row_bytes} for n in range(rows)]}


def _client(secret=None):
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# Streams go through Django's Client: DRF's APIClient would replace their multipart content type.


def _refused_unread(response, stream, words):
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 413 and body["code"] == "request_too_large"
    assert words in body["detail"] and "Nothing was saved" in body["detail"]
    assert stream.position == 0


def test_a_key_sends_an_ingest_of_1000_rows(brand_a, make_key):
    _, secret = make_key(brand_a.organisation)
    body = _ingest_body()
    assert len(json.dumps(body)) > 4 * MB
    response = _client(secret).post("/api/v1/rows/", body, format="json")
    assert response.status_code == 200, response.content[:300]
    assert response.json() == {"rows": 1000}


def test_a_signed_in_user_sends_large_json_too(owner_a):
    client = APIClient()
    client.force_login(owner_a)
    response = client.post("/api/v1/rows/", _ingest_body(rows=400), format="json")
    assert response.status_code == 200 and response.json() == {"rows": 400}


def test_a_key_is_refused_past_the_api_limit_without_reading_it(brand_a, make_key, settings):
    settings.REQUEST_MAX_API_BODY_BYTES = 3 * MB
    _, secret = make_key(brand_a.organisation)
    stream = MultipartStream(4 * MB)
    response = _post_stream(Client(), "/api/v1/rows/", stream, Authorization=f"Bearer {secret}")
    _refused_unread(response, stream, "more than the 3 MB the API accepts")


@pytest.mark.parametrize("header", [None, "Bearer tdp_000000000000_made-up", "Basic dXNlcjpwYXNz", "revoked"])
def test_without_a_valid_key_a_body_stays_small(brand_a, make_key, header):
    if header == "revoked":
        key, secret = make_key(brand_a.organisation)
        api_key_revoke(key=key)
        header = f"Bearer {secret}"
    stream = MultipartStream(2 * MB)
    headers = {"Authorization": header} if header else {}
    response = _post_stream(Client(), "/api/v1/rows/", stream, **headers)
    _refused_unread(response, stream, "more than the 1 MB the API accepts without a valid API key")


def test_an_operation_that_takes_documents_takes_an_upload_from_a_key(brand_a, make_key):
    _, secret = make_key(brand_a.organisation)
    stream = MultipartStream(15 * MB)
    response = _post_stream(Client(), "/api/v1/uploads/", stream, Authorization=f"Bearer {secret}")
    assert response.status_code == 200, response.content[:300]
    assert response.json() == {"bytes": 15 * MB}
    assert stream.position == stream.length


def test_an_upload_past_the_document_limit_is_refused_unread(brand_a, make_key, settings):
    _, secret = make_key(brand_a.organisation)
    stream = MultipartStream(settings.REQUEST_MAX_UPLOAD_BYTES["document"])
    response = _post_stream(Client(), "/api/v1/uploads/", stream, Authorization=f"Bearer {secret}")
    _refused_unread(response, stream, "more than the 50 MB an API operation that takes documents and images accepts")


def test_an_upload_without_a_key_stays_small(db):
    stream = MultipartStream(2 * MB)
    response = _post_stream(Client(), "/api/v1/uploads/", stream)
    _refused_unread(response, stream, "without a valid API key")


@pytest.mark.urls("portal.urls")
def test_the_real_api_gives_a_key_the_large_limit(brand_a, make_key):
    # /api/v1/me/ takes no POST: a 405 from the API, not a 413 from the middleware.
    _, secret = make_key(brand_a.organisation)
    response = _client(secret).post("/api/v1/me/", _ingest_body(rows=300), format="json")
    assert response.status_code == 405
