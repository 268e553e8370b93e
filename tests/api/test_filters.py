"""api.filters: list filters hand instants to the database in UTC, whatever offset the client wrote."""

import pytest

from tests import factories


@pytest.mark.parametrize(
    "value, status",
    [
        ("2026-01-01T00:00:00+17:40", 200),  # beyond PostgreSQL's +15:59, fine once in UTC
        ("5435-01-14T13:36:45.475603+16:29", 200),
        ("0001-01-01T00:00:00+01:00", 400),  # before year 1 in UTC
        ("9999-12-31T23:59:59-05:00", 400),  # after year 9999 in UTC
        ("not a date", 400),
    ],
)
def test_any_iso_8601_offset_is_an_answer_never_a_500(brand_a, key_client, value, status):
    factories.IPAssetFactory(rights_holder=brand_a)
    client = key_client(brand_a.organisation, ["assets:read", "notices:read"])
    for path, name in [("/api/v1/assets/", "created_after"), ("/api/v1/notices/", "submitted_after")]:
        response = client.get(path, {name: value})
        assert response.status_code == status, (path, response.content)
        if status == 400:
            assert response["Content-Type"] == "application/problem+json"
