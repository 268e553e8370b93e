"""The committed openapi.yaml is the contract: the generated schema must equal it, without warnings.

After a deliberate change to the API: ``make openapi`` and commit the new file.
"""

from pathlib import Path

from django.core.management import call_command

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"


def test_the_schema_generates_without_warnings_and_matches_the_committed_contract(tmp_path):
    out = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text() == OPENAPI.read_text(), "The API contract changed: run `make openapi` and commit it."


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()
