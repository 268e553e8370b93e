"""Filing through the pages as a person does: rows of the notice in progress, the review, then "File"; in Chromium
too (``browser_rows_fill``)."""

import io

from django.urls import reverse

from takedowns.models import NoticeDraft, NoticeDraftItem
from tests.takedowns.conftest import NOTICE_DATA

FILER = {k: v for k, v in NOTICE_DATA.items() if isinstance(v, str)}
DECLARED = {"good_faith_statement": "on", "accuracy_statement": "on", "authority_statement": "on"}


def row(listing_ref, asset, **kwargs):
    return {
        "listing_ref": listing_ref,
        "ip_asset": asset.pk if asset is not None else "",
        "infringement_type": kwargs.pop("infringement_type", "counterfeit"),
        "explanation": kwargs.pop("explanation", "Fake logo, wrong stitching."),
        **kwargs,
    }


def draft_rows(user):
    return list(NoticeDraftItem.objects.filter(draft__user=user).order_by("pk"))


def page_post(client, user, rows, *, action="review", fields=None, declared=True):
    """Send the filing page with ``rows`` (one per row of the draft, added first when missing); returns the
    response. ``fields`` replace the filer's details; ``declared=False`` leaves the declarations unticked."""
    existing = draft_rows(user)
    for _ in range(len(rows) - len(existing)):
        client.post(reverse("takedowns:draft-row-add"))
    data = {**FILER, **(DECLARED if declared else {}), **(fields or {}), "action": action}
    for stored, values in zip(draft_rows(user), rows, strict=False):
        data.update({f"row-{stored.pk}-{key}": value for key, value in values.items()})
    return client.post(reverse("takedowns:notice-create"), data)


def file_from_page(client, user, rows, **kwargs):
    """Fill the page, review, then file; the filing response (followed)."""
    response = page_post(client, user, rows, **kwargs)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("takedowns:notice-review")
    return client.post(reverse("takedowns:notice-review"), follow=True)


def draft_of(user):
    return NoticeDraft.objects.filter(user=user).first()


def png_bytes(color=(30, 90, 200), size=(64, 48)):
    """A small real PNG, as a person's test-buy photo."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def browser_rows_fill(rows, asset, *, photo_name="test-buy-photo.png"):
    """In Chromium: each of the filing page's ``rows`` (a Playwright locator) names ``asset``, a counterfeit and an
    explanation; the first row gets a photo (``photo_name``) as evidence."""
    for index in range(rows.count()):
        row = rows.nth(index)
        row.get_by_label("IP asset").select_option(value=str(asset.pk))
        row.get_by_label("Infringement type").select_option("counterfeit")
        row.get_by_label("Explanation").fill("A replica of the Northwind Velocity: wrong logo, a tenth of the price.")
    rows.nth(0).get_by_label("Add evidence files").set_input_files(
        {"name": photo_name, "mimeType": "image/png", "buffer": png_bytes()}
    )
