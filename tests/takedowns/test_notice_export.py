"""The notice list as CSV: the list's filters applied, streamed, no cell a spreadsheet would run."""

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from listings.models import Listing
from portal.csv_export import csv_cell
from takedowns.models import Channel, ItemStatus, NoticeItem
from tests.bulk import notices_bulk_create

URL = "takedowns:notice-export"


def _rows(response):
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_is_a_streamed_csv_of_the_brands_items(client, owner_a, asset_a, store):
    notices_bulk_create(asset_a, store, 3)
    client.force_login(owner_a)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="notices-')
    header, *rows = _rows(response)
    assert header[:5] == ["notice", "filed_at_utc", "rights_holder", "channel", "item"]
    assert len(rows) == 3
    assert {row[10] for row in rows} == {"pending_review"}


def test_the_lists_filters_apply_to_the_export(client, owner_a, asset_a, store):
    notices_bulk_create(asset_a, store, 2, status=ItemStatus.PENDING_REVIEW)
    notices_bulk_create(asset_a, store, 1, status=ItemStatus.UPHELD, channel=Channel.API)
    client.force_login(owner_a)
    _, *rows = _rows(client.get(reverse(URL), {"item_status": "upheld"}))
    assert [row[10] for row in rows] == ["upheld"]
    _, *rows = _rows(client.get(reverse(URL), {"channel": "api"}))
    assert [row[3] for row in rows] == ["api"]
    list_page = client.get(reverse("takedowns:notice-list"), {"channel": "api"}).content.decode()
    assert f'href="{reverse(URL)}?channel=api"' in list_page


def test_a_bad_filter_goes_back_to_the_list_that_names_it(client, owner_a):
    client.force_login(owner_a)
    response = client.get(reverse(URL), {"filed_from": "yesterday"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('takedowns:notice-list')}?filed_from=yesterday"


def test_formula_cells_are_made_text(client, owner_a, asset_a, store):
    (notice,) = notices_bulk_create(asset_a, store, 1)
    item = NoticeItem.objects.get(notice=notice)
    Listing.objects.filter(pk=item.listing_id).update(title='=HYPERLINK("http://evil.test","click")')
    client.force_login(owner_a)
    _, row = _rows(client.get(reverse(URL)))
    assert row[6] == '\'=HYPERLINK("http://evil.test","click")'


def test_csv_cell_neutralises_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell("Nike shoes") == "Nike shoes"
    assert csv_cell(12) == 12 and csv_cell(None) == ""


def test_another_brand_exports_none_of_these(client, user_b, asset_a, store):
    notices_bulk_create(asset_a, store, 2)
    client.force_login(user_b)
    _, *rows = _rows(client.get(reverse(URL)))
    assert rows == []


def test_the_export_reads_in_chunks_not_per_row(client, owner_a, asset_a, store):
    client.force_login(owner_a)
    counts = {}
    made = 0
    for size in (10, 400):
        notices_bulk_create(asset_a, store, size - made)
        made = size
        with CaptureQueriesContext(connection) as captured:
            rows = _rows(client.get(reverse(URL)))
        assert len(rows) == size + 1
        counts[size] = len(captured.captured_queries)
    assert counts[10] == counts[400]
