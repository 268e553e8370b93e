"""A nightly membership change's reason is a record (English, as the API gives it) and reads in the reader's
language on the pages and in the notification; a staff member's reason stays as written (takedowns.recorded)."""

import html

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from good_faith.membership import membership_eligibility, membership_grant, memberships_evaluate
from good_faith.models import MembershipChange
from good_faith.records import TrackRecord
from portal.i18n import records_language
from takedowns.recorded import recorded_read
from tests import factories
from tests.good_faith.test_records import decided_items


@pytest.fixture
def asset_a(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a)


@pytest.fixture
def senior_reviewer(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="senior_reviewer"))
    return user


def test_the_nightly_reason_reads_in_chinese_and_a_staff_reason_as_written(
    client, owner_a, brand_a, asset_a, senior_reviewer
):
    decided_items(brand_a, 20)
    with TestCase.captureOnCommitCallbacks(execute=True):
        memberships_evaluate()
    assert MembershipChange.objects.get(cause="nightly", membership__infringement_type="").reason == (
        "Meets every requirement."
    )
    # Staff writing the very words of the engine: a person's words all the same.
    membership_grant(
        rights_holder_id=brand_a.pk,
        infringement_type="patent",
        actor=senior_reviewer,
        reason="Meets every requirement.",
    )
    owner_a.language = "zh-hans"
    owner_a.save(update_fields=["language"])
    client.force_login(owner_a)
    page = html.unescape(client.get(reverse("good_faith:holder-detail", args=[brand_a.pk])).content.decode())
    assert "满足全部要求。" in page
    assert "Meets every requirement." in page  # the staff member's

    owner_a.language = "en"
    owner_a.save(update_fields=["language"])
    page = html.unescape(client.get(reverse("good_faith:holder-detail", args=[brand_a.pk])).content.decode())
    assert "满足全部要求。" not in page
    assert page.count("Meets every requirement.") >= 2


def test_shortfalls_joined_in_the_record_read_as_the_page_says_them(settings):
    record = TrackRecord(decided=3, upheld=2, dismissed_after_counter_notice=1)
    with records_language():
        _, shortfalls = membership_eligibility(record, has_verified_asset=False, misuse_strikes=2)
        recorded = "; ".join(shortfalls)
    # "; none allowed" is inside one shortfall: the parts are found by their shapes, not by splitting.
    assert recorded.count("; ") == 5
    with translation.override("zh-hans"):
        _, chinese = membership_eligibility(record, has_verified_asset=False, misuse_strikes=2)
        assert recorded_read(recorded) == "；".join(chinese)
        _, one = membership_eligibility(TrackRecord(decided=19, upheld=19), has_verified_asset=True, misuse_strikes=1)
        with records_language():
            _, one_recorded = membership_eligibility(
                TrackRecord(decided=19, upheld=19), has_verified_asset=True, misuse_strikes=1
            )
        assert recorded_read("; ".join(one_recorded)) == "；".join(one)
    with translation.override("en"):
        assert recorded_read(recorded) == recorded
