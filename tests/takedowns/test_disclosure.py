"""What each side reads of an item: the complainant never sees the store's sanctions (DOMAIN.md)."""

import re

import pytest
from django.test import TestCase
from django.urls import reverse

from takedowns.disclosure import statements_visible
from takedowns.models import AppealSide, Notification, RestrictionKind, StatementOfReasons
from tests.takedowns.test_penalties import uphold


def test_the_holder_reads_the_listing_statement_but_not_the_store_sanction(
    client, owner_a, brand_a, reviewer, store, merchant_user
):
    item = uphold(owner_a, brand_a, reviewer, store)
    kinds = set(StatementOfReasons.objects.filter(item=item).values_list("restriction", flat=True))
    assert {RestrictionKind.LISTING_REMOVED, RestrictionKind.STORE_WARNING} <= kinds

    client.force_login(owner_a)
    holder_page = client.get(f"/takedowns/items/{item.pk}/").content.decode()
    assert "Listing removed" in holder_page
    assert "Warning to the store" not in holder_page and "penalty points" not in holder_page

    client.force_login(merchant_user)
    merchant_page = client.get(f"/takedowns/items/{item.pk}/").content.decode()
    assert "Listing removed" in merchant_page and "Warning to the store" in merchant_page


def test_staff_and_the_merchant_read_every_statement(owner_a, brand_a, reviewer, store, merchant_user):
    item = uphold(owner_a, brand_a, reviewer, store)
    statements = list(item.statements.all())
    assert statements_visible(statements, reviewer, None) == statements
    assert statements_visible(statements, merchant_user, AppealSide.MERCHANT) == statements
    shown = statements_visible(statements, owner_a, AppealSide.RIGHTS_HOLDER)
    assert {s.restriction for s in shown} == {RestrictionKind.LISTING_REMOVED}


# What tells of a store's sanctions or points, in any page, notification or e-mail.
SANCTION_TEXT = re.compile(
    r"penalty points|points went|\bpoints?\b|warning to the store|may not add|security deposit|"
    r"store (is )?closed|banned|penalty ladder",
    re.IGNORECASE,
)


def _text(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _sanction_lines(text):
    return [m.group(0) for m in SANCTION_TEXT.finditer(text)]


@pytest.fixture
def restricted(owner_a, brand_a, reviewer, store, merchant_user, mailoutbox):
    """Two upheld counterfeits on one store: a warning (6 points), then a listing restriction (12)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        uphold(owner_a, brand_a, reviewer, store)
    with TestCase.captureOnCommitCallbacks(execute=True):
        item = uphold(owner_a, brand_a, reviewer, store)
    kinds = set(StatementOfReasons.objects.filter(item=item).values_list("restriction", flat=True))
    assert RestrictionKind.STORE_RESTRICTED in kinds
    return item


def _everything_seen_by(client, user, item, mailoutbox):
    """The item and notice pages, the notifications page, the notification rows and the e-mails of ``user``."""
    client.force_login(user)
    seen = {}
    for url in (
        reverse("takedowns:item-detail", args=[item.pk]),
        reverse("takedowns:notice-detail", args=[item.notice_id]),
        reverse("takedowns:notifications"),
        reverse("takedowns:notice-list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = _text(response.content.decode())
    for note in Notification.objects.filter(recipient=user):
        seen[f"notification {note.subject}"] = f"{note.subject}\n{note.body}"
    for message in mailoutbox:
        if user.email in message.to:
            seen[f"e-mail {message.subject}"] = f"{message.subject}\n{message.body}"
    return seen


def test_the_complainant_reads_no_sanction_or_points_anywhere(client, restricted, owner_a, mailoutbox):
    seen = _everything_seen_by(client, owner_a, restricted, mailoutbox)
    assert any(where.startswith("e-mail") for where in seen) and any(w.startswith("notification") for w in seen)
    assert "Listing removed" in seen[reverse("takedowns:item-detail", args=[restricted.pk])]
    leaks = {where: _sanction_lines(text) for where, text in seen.items() if _sanction_lines(text)}
    assert leaks == {}


def test_the_merchant_reads_its_sanctions_with_their_reasons(client, restricted, merchant_user, mailoutbox):
    seen = _everything_seen_by(client, merchant_user, restricted, mailoutbox)
    page = seen[reverse("takedowns:item-detail", args=[restricted.pk])]
    assert "Store may not add listings" in page
    assert "live penalty points went from 6 to 12" in page
    outcome = seen[f"e-mail Complaint about your listing {restricted.listing.external_id} upheld"]
    assert "penalty points went from 6 to 12" in outcome and "may not add new listings until" in outcome
