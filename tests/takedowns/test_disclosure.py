"""What each side reads of an item: the complainant never sees the store's sanctions (DOMAIN.md)."""

from takedowns.disclosure import statements_visible
from takedowns.models import AppealSide, RestrictionKind, StatementOfReasons
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
