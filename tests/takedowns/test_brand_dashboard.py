"""The brand's dashboard: what needs the brand's action first, open items by state with links to the lists,
the deadlines coming up and the Good Faith standing; constant queries whatever the brand's size."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from takedowns.models import ItemStatus, NoticeItem
from tests.bulk import notices_bulk_create
from tests.lists import list_queries_constant

DASHBOARD = reverse("brand-dashboard")


def _items(asset, store, n, status):
    notices_bulk_create(asset, store, n, status=status)
    now = timezone.now()
    NoticeItem.objects.filter(status=ItemStatus.COUNTER_NOTICED, reply_deadline__isnull=True).update(
        reply_deadline=now + timedelta(days=2)
    )
    NoticeItem.objects.filter(status=ItemStatus.AWAITING_COUNTER_NOTICE, counter_notice_deadline__isnull=True).update(
        counter_notice_deadline=now + timedelta(days=1)
    )


def test_a_brand_lands_on_its_dashboard_with_what_needs_its_action_first(client, owner_a, asset_a, store):
    _items(asset_a, store, 2, ItemStatus.COUNTER_NOTICED)
    _items(asset_a, store, 3, ItemStatus.AWAITING_COUNTER_NOTICE)
    _items(asset_a, store, 4, ItemStatus.PENDING_REVIEW)
    _items(asset_a, store, 5, ItemStatus.UPHELD)
    client.force_login(owner_a)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2</strong> counter-notices to answer" in html
    assert f'href="{reverse("takedowns:notice-list")}?item_status=counter_noticed"' in html
    rows = {status: n for status, _label, n in page.context["open_rows"]}
    assert rows[ItemStatus.PENDING_REVIEW] == 4 and rows[ItemStatus.AWAITING_COUNTER_NOTICE] == 3
    assert page.context["open_total"] == 9  # the upheld ones are decided, not open
    assert len(page.context["replies"]) == 2 and "Reply due" in html and "left" in html
    assert len(page.context["windows"]) == 3 and "Counter-notice window closes" in html
    assert page.context["standing"][0].subject == asset_a.rights_holder
    # The list a count links to shows what it counted.
    listed = client.get(reverse("takedowns:notice-list"), {"item_status": "pending_review"})
    assert listed.context["listing"].count == 4


def test_the_dashboard_reads_in_chinese(client, owner_a, asset_a, store):
    _items(asset_a, store, 1, ItemStatus.COUNTER_NOTICED)
    owner_a.language = "zh-hans"
    owner_a.save(update_fields=["language"])
    client.force_login(owner_a)
    html = client.get(DASHBOARD).content.decode()
    assert "需要您处理" in html and "诚信计划" in html
    translation.deactivate()


def test_the_dashboard_costs_the_same_queries_for_10_or_500_items(client, owner_a, asset_a, store):
    client.force_login(owner_a)
    made = {"n": 0}

    def make(n):
        for status in (ItemStatus.COUNTER_NOTICED, ItemStatus.AWAITING_COUNTER_NOTICE):
            _items(asset_a, store, n // 2, status)
        made["n"] += n

    list_queries_constant(client, DASHBOARD, make)
    assert len(client.get(DASHBOARD).context["replies"]) == 8  # the short list; the count links to the rest


@pytest.mark.parametrize("who", ["merchant_user", "reviewer"])
def test_only_the_brand_side_has_a_dashboard(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and "open_rows" not in response.context  # their own home page
    assert "Notices and complaints" in response.content.decode()
