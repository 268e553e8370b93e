"""Filing through the pages as a person does: rows of the notice in progress, the review, then "File"."""

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
