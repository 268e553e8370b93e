"""Filing a notice: each bad item gets its own reason, the rest of the notice is kept."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from listings.models import ListingStatus
from portal.models import AuditLogEntry, Membership, OrganisationKind
from portal.uploads import validate_upload
from rights_holders.models import AuthorisedStore, Partner, PartnerKind, VerificationStatus
from takedowns.models import Evidence, FilingSuspension, ItemStatus, Notice, NoticeItem, Track
from takedowns.notices import notice_submit
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice


def _png():
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, "PNG")
    return SimpleUploadedFile("photo.png", buf.getvalue(), content_type="image/png")


def test_one_invalid_item_among_ten_keeps_the_nine(owner_a, brand_a, asset_a, store):
    listings = factories.ListingFactory.create_batch(10, store=store)
    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    drafts = [draft(listing, asset_a) for listing in listings[:9]] + [draft(listings[9], pending)]
    receipt = file_notice(owner_a, brand_a, drafts)
    assert len(receipt.accepted) == 9
    (bad,) = receipt.invalid
    assert bad.status == ItemStatus.INVALID
    assert "only verified assets can back a notice" in bad.invalid_reason
    assert {i.status for i in receipt.accepted} == {ItemStatus.PENDING_REVIEW}
    assert bad.events.get().to_status == ItemStatus.INVALID


@pytest.mark.parametrize(
    "make_asset, expected",
    [
        (lambda brand_a, brand_b: factories.IPAssetFactory(rights_holder=brand_b), "does not belong to Brand A"),
        (
            lambda brand_a, brand_b: factories.IPAssetFactory(
                rights_holder=brand_a, expires_on=timezone.now().date() - timedelta(days=1)
            ),
            "expired on",
        ),
        (
            lambda brand_a, brand_b: factories.IPAssetFactory(
                rights_holder=brand_a, verification_status=VerificationStatus.REJECTED
            ),
            "rejected",
        ),
    ],
)
def test_asset_problems_are_explained_per_item(owner_a, brand_a, brand_b, listing, make_asset, expected):
    receipt = file_notice(owner_a, brand_a, [draft(listing, make_asset(brand_a, brand_b))])
    (item,) = receipt.invalid
    assert expected in item.invalid_reason


def test_unknown_listing_is_refused_with_its_line_and_the_rest_is_filed(owner_a, brand_a, asset_a, listing):
    unknown = draft(listing, asset_a)
    unknown.listing_ref = "NO-SUCH-LISTING"
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a), unknown])
    assert len(receipt.accepted) == 1
    assert receipt.refused == [(2, "Line 2: no listing 'NO-SUCH-LISTING' on the marketplace.")]


@pytest.mark.parametrize("set_path", [True, False], ids=["set", "one-by-one"])
def test_the_receipt_keeps_each_lines_number_and_the_code_of_its_problem(
    owner_a, brand_a, asset_a, store, monkeypatch, set_path
):
    from takedowns import notices

    if not set_path:
        monkeypatch.setattr(notices.submit, "set_filing_possible", lambda lines: False)
    removed = factories.ListingFactory(store=store, status=ListingStatus.REMOVED)
    by_external_id = draft(factories.ListingFactory(store=store), asset_a)
    by_external_id.listing_by = notices.LISTING_BY_EXTERNAL_ID
    live = factories.ListingFactory(store=store)
    by_public_id = draft(live, asset_a, listing_ref=str(live.public_id), listing_by=notices.LISTING_BY_PUBLIC_ID)
    # The API names listings by the marketplace's id only: a number is not our primary key there.
    number = draft(live, asset_a, listing_ref=str(live.pk), listing_by=notices.LISTING_BY_EXTERNAL_ID)
    unknown = draft(live, asset_a, listing_ref="0" * 32, listing_by=notices.LISTING_BY_PUBLIC_ID)
    unknown.listing_shown = "lst_nothing"
    drafts = [by_external_id, draft(removed, asset_a), number, by_public_id, unknown]
    receipt = file_notice(owner_a, brand_a, drafts)
    assert sorted(receipt.lines[item.pk] for item in receipt.accepted) == [1, 4]
    (invalid,) = receipt.invalid
    assert receipt.lines[invalid.pk] == 2
    assert receipt.problems[invalid.pk].code == "listing_removed"
    assert [(n, reason.code) for n, reason in receipt.refused] == [(3, "listing_unknown"), (5, "listing_unknown")]
    assert receipt.refused[1][1] == "Line 5: no listing 'lst_nothing' on the marketplace."


def test_a_notice_of_refused_lines_only_keeps_nothing_and_each_error_its_line(owner_a, brand_a, asset_a, listing):
    unknown = draft(listing, asset_a, listing_ref="50%off")
    with pytest.raises(ValidationError) as refused:
        file_notice(owner_a, brand_a, [unknown, draft(listing, asset_a, explanation="bad\x00text")])
    errors = refused.value.error_list
    assert [(e.line, e.code) for e in errors] == [(1, "listing_unknown"), (2, "explanation_invalid")]
    assert refused.value.messages[0] == "Line 1: no listing '50%off' on the marketplace."
    assert not Notice.objects.exists()


def test_removed_listing_is_invalid(owner_a, brand_a, asset_a, store):
    removed = factories.ListingFactory(store=store, status=ListingStatus.REMOVED)
    (item,) = file_notice(owner_a, brand_a, [draft(removed, asset_a)]).invalid
    assert "already been removed" in item.invalid_reason


def test_duplicate_open_item_points_to_the_existing_one(owner_a, brand_a, asset_a, listing):
    (first,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    (dup,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).invalid
    assert f"item {first.pk}" in dup.invalid_reason


def test_authorised_store_is_flagged_and_never_fast_tracked(owner_a, brand_a, asset_a, listing):
    AuthorisedStore.objects.create(rights_holder=brand_a, store=listing.store)
    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    partner_user = factories.member_of(partner_org)
    (item,) = file_notice(partner_user, brand_a, [draft(listing, asset_a)], partner=partner).accepted
    assert item.authorised_store_flag
    assert item.status == ItemStatus.PENDING_REVIEW
    assert item.track == Track.STANDARD


def test_partner_vetted_notice_takes_the_fast_track(brand_a, asset_a, listing):
    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    partner_user = factories.member_of(partner_org)
    (item,) = file_notice(partner_user, brand_a, [draft(listing, asset_a)], partner=partner).accepted
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    assert item.track == Track.FAST
    assert item.took_down_listing
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN
    assert item.counter_notice_deadline == item.opened_at + timedelta(hours=72)


def test_suspended_filer_writes_nothing(owner_a, brand_a, asset_a, listing):
    FilingSuspension.objects.create(
        organisation=brand_a.organisation,
        ends_at=timezone.now() + timedelta(days=30),
        reason="Repeated unfounded notices",
    )
    with pytest.raises(ValidationError) as exc:
        file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    assert "Filing is suspended until" in exc.value.messages[0]
    assert not Notice.objects.exists()


def test_a_refused_filing_names_the_suspension_that_ends_last(brand_a, asset_a, listing):
    # The brand and its agent firm both suspended: the filing is possible only when the later one ends.
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    agent_user = factories.member_of(letter.agent)
    now = timezone.now()
    for organisation, days in ((brand_a.organisation, 3), (letter.agent, 40)):
        FilingSuspension.objects.create(
            organisation=organisation, ends_at=now + timedelta(days=days), reason=f"{days} days"
        )
    with pytest.raises(ValidationError) as exc:
        file_notice(agent_user, brand_a, [draft(listing, asset_a)], acting_organisation=letter.agent)
    assert exc.value.code == "filing_suspended"
    assert f"{now + timedelta(days=40):%Y-%m-%d}" in exc.value.messages[0] and "40 days" in exc.value.messages[0]
    assert not Notice.objects.exists()


def test_missing_declarations_are_named(owner_a, brand_a, asset_a, listing):
    data = dict(NOTICE_DATA, good_faith_statement=False, filer_email="")
    with pytest.raises(ValidationError) as exc:
        notice_submit(
            actor=owner_a,
            rights_holder=brand_a,
            acting_organisation=brand_a.organisation,
            data=data,
            drafts=[draft(listing, asset_a)],
        )
    assert set(exc.value.message_dict) == {"good_faith_statement", "filer_email"}
    assert not NoticeItem.objects.exists()


def test_another_brand_cannot_file_for_brand_a(user_b, brand_a, asset_a, listing):
    with pytest.raises(PermissionDenied):
        file_notice(user_b, brand_a, [draft(listing, asset_a)])


def test_agent_with_valid_letter_files_for_the_brand(brand_a, asset_a, listing):
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    agent_user = factories.member_of(letter.agent)
    (item,) = file_notice(agent_user, brand_a, [draft(listing, asset_a)], acting_organisation=letter.agent).accepted
    assert item.notice.filer_organisation == letter.agent


def test_the_acting_organisation_must_be_named(owner_a, brand_a, asset_a, listing):
    with pytest.raises(PermissionDenied, match="Say which of your organisations acts"):
        file_notice(owner_a, brand_a, [draft(listing, asset_a)], acting_organisation=None)
    assert not Notice.objects.exists()


def test_a_user_in_two_organisations_files_only_as_the_one_with_a_letter(brand_a, asset_a, listing):
    """Issue 9: the filer organisation was min(organisations); a second organisation had no letter."""
    second = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Second Firm")
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    user = factories.member_of(letter.agent)
    Membership.objects.create(user=user, organisation=second)
    with pytest.raises(PermissionDenied, match="Second Firm holds no valid letter of authorisation for Brand A"):
        file_notice(user, brand_a, [draft(listing, asset_a)], acting_organisation=second)
    FilingSuspension.objects.create(
        organisation=letter.agent, ends_at=timezone.now() + timedelta(days=30), reason="Unfounded notices"
    )
    with pytest.raises(ValidationError) as suspended:
        file_notice(user, brand_a, [draft(listing, asset_a)], acting_organisation=letter.agent)
    assert suspended.value.code == "filing_suspended"
    assert not Notice.objects.exists()


def test_an_organisation_the_user_does_not_belong_to_cannot_act(owner_a, brand_a, asset_a, listing):
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    with pytest.raises(PermissionDenied, match="You do not belong to"):
        file_notice(owner_a, brand_a, [draft(listing, asset_a)], acting_organisation=letter.agent)
    assert not Notice.objects.exists()


def test_an_agent_whose_letter_has_lapsed_cannot_file(brand_a, asset_a, listing):
    today = timezone.now().date()
    letter = factories.LetterOfAuthorisationFactory(
        rights_holder=brand_a, valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1)
    )
    agent_user = factories.member_of(letter.agent)
    with pytest.raises(PermissionDenied, match="holds no valid letter"):
        file_notice(agent_user, brand_a, [draft(listing, asset_a)], acting_organisation=letter.agent)
    assert not Notice.objects.exists()


def test_a_partner_files_as_itself_only(brand_a, asset_a, listing, owner_a):
    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    filer = factories.member_of(partner_org)
    Membership.objects.create(user=filer, organisation=brand_a.organisation)
    with pytest.raises(PermissionDenied, match="is filed by"):
        file_notice(
            filer, brand_a, [draft(listing, asset_a)], partner=partner, acting_organisation=brand_a.organisation
        )
    assert not Notice.objects.exists()


def test_evidence_is_stored_with_the_item_and_audited(owner_a, brand_a, asset_a, listing):
    validated = validate_upload(_png(), kind="document")
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a, evidence=[validated])]).accepted
    evidence = Evidence.objects.get(item=item)
    assert evidence.file.storage.exists(evidence.file.name)
    assert AuditLogEntry.objects.filter(action="takedowns.notice.submitted", object_id=str(item.notice_id)).exists()


def test_failure_after_storing_evidence_leaves_no_file(owner_a, brand_a, asset_a, listing, monkeypatch, settings):
    import os

    from takedowns import notifications

    validated = validate_upload(_png(), kind="document")

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    # The receipt is written after the evidence is stored, in the same transaction.
    monkeypatch.setattr(notifications, "notice_receipt_write", boom)
    with pytest.raises(RuntimeError):
        notice_submit(
            actor=owner_a,
            rights_holder=brand_a,
            acting_organisation=brand_a.organisation,
            data=dict(NOTICE_DATA),
            drafts=[draft(listing, asset_a, evidence=[validated])],
        )
    assert not Notice.objects.exists()
    stored = [f for _, _, files in os.walk(settings.MEDIA_ROOT) for f in files]
    assert stored == []


class _PostgresDeadlock(Exception):
    pgcode = "40P01"  # what psycopg2 carries for "deadlock detected"


def _ended_by_deadlock(*args, **kwargs):
    from django.db import OperationalError

    try:
        raise _PostgresDeadlock("deadlock detected")
    except _PostgresDeadlock as cause:
        raise OperationalError("deadlock detected") from cause


def test_a_filing_ended_by_a_lock_conflict_is_filed_again_with_its_evidence(
    owner_a, brand_a, asset_a, listing, monkeypatch
):
    from takedowns import notifications

    validated = validate_upload(_png(), kind="document")
    write = notifications.notice_receipt_write
    calls = []

    # The receipt is written after the evidence is stored: the first attempt ends there.
    def first_one_ends(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            _ended_by_deadlock()
        return write(*args, **kwargs)

    monkeypatch.setattr(notifications, "notice_receipt_write", first_one_ends)
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a, evidence=[validated])])
    assert len(calls) == 2
    assert Notice.objects.get() == receipt.notice
    (item,) = receipt.accepted
    evidence = Evidence.objects.get(item=item)
    assert evidence.file.storage.exists(evidence.file.name)
    validated.content.seek(0)
    assert evidence.file.read() == validated.content.read()


def test_a_filing_that_keeps_meeting_lock_conflicts_asks_the_filer_to_try_again(
    owner_a, brand_a, asset_a, listing, monkeypatch
):
    from takedowns import notices

    attempts = []

    def always_ended(**kwargs):
        attempts.append(1)
        _ended_by_deadlock()

    monkeypatch.setattr(notices.submit, "_notice_submit_once", always_ended)
    with pytest.raises(ValidationError) as refused:
        file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    assert refused.value.code == "busy"
    assert "file this one again" in refused.value.messages[0]
    assert len(attempts) == notices.FILING_ATTEMPTS


def test_items_keep_the_order_of_the_notices_lines(owner_a, brand_a, asset_a, store):
    listings = factories.ListingFactory.create_batch(6, store=store)
    order = [listings[i] for i in (4, 0, 5, 2, 1, 3)]
    receipt = file_notice(owner_a, brand_a, [draft(x, asset_a) for x in order])
    items = list(receipt.notice.items.order_by("pk"))
    assert [item.listing_id for item in items] == [x.pk for x in order]
    assert [item.pk for item in receipt.accepted] == [item.pk for item in items]


def test_fast_track_takes_the_listing_down_before_any_task_runs(brand_a, asset_a, listing):
    from takedowns.notices import notice_submit

    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    filer = factories.member_of(partner_org)
    # No on-commit callbacks run here: the takedown cannot depend on a worker.
    notice_submit(
        actor=filer, rights_holder=brand_a, data=dict(NOTICE_DATA), drafts=[draft(listing, asset_a)], partner=partner
    )
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN
