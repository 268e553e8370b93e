"""Filing from the pages (issue 12): find listings, the notice in progress with its evidence, the review, filing.

Everything goes through the real services: the draft's verbs (takedowns.drafts) and notice_submit.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from listings.images import listing_images_add
from listings.models import Listing, ListingStatus
from portal import public_ids
from portal.models import OrganisationKind
from rights_holders.acting import ACTING_SESSION_KEY
from rights_holders.models import AuthorisedStore, VerificationStatus
from takedowns.drafts import notice_drafts_expire
from takedowns.models import (
    Evidence,
    FilingSuspension,
    ItemStatus,
    Notice,
    NoticeDraft,
    NoticeDraftEvidence,
    NoticeDraftItem,
    NoticeItem,
)
from tests import factories
from tests.lists import list_queries_constant
from tests.portal.test_uploads import image_bytes, png_bomb
from tests.takedowns.filing_pages import draft_of, draft_rows, file_from_page, page_post, row

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


def _pdf(name="test-buy.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def second_listing(store):
    return factories.ListingFactory(store=store, title="ACME headphones, replica")


# --- Find listings -----------------------------------------------------------------------------------


def test_search_finds_a_listing_by_id_url_public_id_and_words_with_its_store(client, owner_a, listing, store):
    client.force_login(owner_a)
    url = reverse("takedowns:listing-search")
    public = public_ids.encode("lst", listing.public_id)
    for query in (
        listing.external_id,
        f"https://marketplace.example/item/{listing.external_id}?ref=abc",
        f"https://marketplace.example/p?id={listing.external_id}",
        public,
        str(listing.pk),
        "sneakers",
    ):
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        assert [row.pk for row in response.context["rows"]] == [listing.pk], query
        body = response.content.decode()
        assert listing.external_id in body and store.name in body


def test_search_shows_each_listings_first_picture_as_a_thumbnail(client, owner_a, listing, _private_media):
    listing_images_add(
        listing=listing,
        files=[SimpleUploadedFile("a.png", image_bytes()), SimpleUploadedFile("b.png", image_bytes())],
        actor=None,
    )
    first = listing.images.order_by("position", "id").first()
    client.force_login(owner_a)
    body = client.get(reverse("takedowns:listing-search"), {"q": listing.external_id}).content.decode()
    assert reverse("file-download", kwargs={"kind": "listing-image", "pk": first.pk}) in body
    assert client.get(reverse("file-download", kwargs={"kind": "listing-image", "pk": first.pk})).status_code == 200


def test_the_search_page_opens_empty_and_sorts_anything_without_an_error(client, owner_a, listing):
    client.force_login(owner_a)
    url = reverse("takedowns:listing-search")
    for params in ({}, {"q": ""}, {"q": "   "}, {"sort": "-price"}, {"q": "sneakers", "sort": "bogus", "page": "x"}):
        response = client.get(url, params)
        assert response.status_code == 200, params
        assert 'name="q"' in response.content.decode()


def test_search_for_an_unknown_listing_says_so(client, owner_a, listing):
    client.force_login(owner_a)
    for query in ("L-NO-SUCH", "https://marketplace.example/item/nope", "zz", "\u00b2", "x" * 500):
        response = client.get(reverse("takedowns:listing-search"), {"q": query})
        assert response.status_code == 200
        assert list(response.context["rows"]) == []
        assert "No listing matches" in response.content.decode()


def test_search_puts_the_named_listing_before_word_matches(client, owner_a, store):
    named = factories.ListingFactory(store=store, external_id="acme1", title="Plain case")
    factories.ListingFactory(store=store, title="acme1 compatible charger")
    client.force_login(owner_a)
    rows = client.get(reverse("takedowns:listing-search"), {"q": "acme1"}).context["rows"]
    assert rows[0].pk == named.pk and len(rows) == 2


def test_search_costs_the_same_queries_for_10_or_500_matches(client, owner_a, store):
    client.force_login(owner_a)

    def make(n):
        Listing.objects.bulk_create(
            [
                Listing(
                    store=store, external_id=f"BULK-{Listing.objects.count()}-{i}", title="Kestrel sneakers", price=5
                )
                for i in range(n)
            ]
        )

    list_queries_constant(client, reverse("takedowns:listing-search"), make, params={"q": "kestrel"})


def test_search_marks_a_store_the_brand_authorised(client, owner_a, brand_a, listing, store):
    AuthorisedStore.objects.create(rights_holder=brand_a, store=store)
    client.force_login(owner_a)
    body = client.get(reverse("takedowns:listing-search"), {"q": listing.external_id}).content.decode()
    assert "Authorised seller of this brand" in body


def test_merchant_and_reviewer_cannot_search_or_file(client, merchant_user, reviewer, listing):
    for user in (merchant_user, reviewer):
        client.force_login(user)
        assert client.get(reverse("takedowns:listing-search"), {"q": "acme"}).status_code == 404
        assert client.get(reverse("takedowns:notice-create")).status_code == 404
        assert client.get(reverse("takedowns:notice-review")).status_code == 404
        assert client.post(reverse("takedowns:draft-listing-add"), {"listing": listing.external_id}).status_code == 404
        assert client.post(reverse("takedowns:draft-row-add")).status_code == 404
    assert not NoticeDraft.objects.exists()


# --- Add to notice ---------------------------------------------------------------------------------


def test_add_to_notice_keeps_the_listing_in_a_draft_on_the_server(client, owner_a, listing, second_listing):
    client.force_login(owner_a)
    url = reverse("takedowns:draft-listing-add")
    response = client.post(url, {"listing": listing.external_id}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "In your notice" in body and 'hx-swap-oob="true"' in body and "names 1 listing" in body
    client.post(url, {"listing": second_listing.external_id}, **HTMX)
    assert [r.listing_ref for r in draft_rows(owner_a)] == [listing.external_id, second_listing.external_id]
    # A reload (or another day) finds them: the search marks them, the form lists them.
    search = client.get(reverse("takedowns:listing-search"), {"q": listing.external_id}).content.decode()
    assert "In your notice" in search
    form = client.get(reverse("takedowns:notice-create")).content.decode()
    assert listing.external_id in form and second_listing.external_id in form


def test_adding_a_listing_twice_or_an_unknown_one_is_refused_with_the_reason(client, owner_a, listing):
    client.force_login(owner_a)
    url = reverse("takedowns:draft-listing-add")
    client.post(url, {"listing": listing.external_id}, **HTMX)
    again = client.post(url, {"listing": listing.external_id}, **HTMX)
    assert (
        again.status_code == 422
        and f"Listing {listing.external_id} is already in your notice" in again.content.decode()
    )
    unknown = client.post(url, {"listing": "L-NOPE"}, **HTMX)
    assert unknown.status_code == 422 and "No such listing on the marketplace" in unknown.content.decode()
    assert len(draft_rows(owner_a)) == 1


def test_add_to_notice_without_javascript_goes_back_to_the_search_with_a_message(client, owner_a, listing):
    client.force_login(owner_a)
    back = reverse("takedowns:listing-search") + "?q=acme"
    response = client.post(reverse("takedowns:draft-listing-add"), {"listing": listing.external_id, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    outside = client.post(
        reverse("takedowns:draft-listing-add"), {"listing": listing.external_id, "next": "https://evil.example/"}
    )
    assert outside["Location"] == reverse("takedowns:listing-search")


def test_a_notice_holds_at_most_the_maximum_of_rows(client, owner_a, store, settings):
    settings.NOTICE_DRAFT_MAX_ITEMS = 2
    listings = [factories.ListingFactory(store=store) for _ in range(3)]
    client.force_login(owner_a)
    for one in listings[:2]:
        client.post(reverse("takedowns:draft-listing-add"), {"listing": one.external_id}, **HTMX)
    full = client.post(reverse("takedowns:draft-listing-add"), {"listing": listings[2].external_id}, **HTMX)
    assert full.status_code == 422 and "A notice holds at most 2 listings" in full.content.decode()
    row_add = client.post(reverse("takedowns:draft-row-add"), **HTMX)
    assert row_add.status_code == 200 and row_add["HX-Retarget"] == "#rows-message"
    assert "A notice holds at most 2 listings" in row_add.content.decode()
    assert len(draft_rows(owner_a)) == 2


# --- Rows, evidence, review, filing ---------------------------------------------------------------------


def test_rows_are_added_and_removed_without_reloading(client, owner_a, listing):
    client.force_login(owner_a)
    added = client.post(reverse("takedowns:draft-row-add"), **HTMX)
    (stored,) = draft_rows(owner_a)
    assert added.status_code == 200 and f'id="row-{stored.pk}"' in added.content.decode()
    assert f'name="row-{stored.pk}-listing_ref"' in added.content.decode()
    removed = client.post(reverse("takedowns:draft-row-remove", args=[stored.pk]), **HTMX)
    assert removed.status_code == 200 and removed.content == b""
    assert draft_rows(owner_a) == []
    assert client.post(reverse("takedowns:draft-row-remove", args=[stored.pk]), **HTMX).status_code == 404


def test_a_brand_files_two_listings_with_evidence_and_the_draft_goes_with_its_files(
    client, owner_a, brand_a, asset_a, listing, second_listing, _private_media
):
    client.force_login(owner_a)
    rows = [
        row(listing.external_id, asset_a, evidence=[_pdf()], test_buy_order_number="TB-1"),
        row(second_listing.external_id, asset_a, infringement_type="trademark_misuse"),
    ]
    reviewed = page_post(client, owner_a, rows)
    assert reviewed.status_code == 302, reviewed.content.decode()[reviewed.content.decode().find("error-summary") :][
        :1500
    ]
    review = client.get(reverse("takedowns:notice-review")).content.decode()
    assert listing.external_id in review and second_listing.external_id in review
    assert "test-buy.pdf" in review and "TB-1" in review and "Fake logo, wrong stitching." in review
    assert "penalty of perjury" in review and "Ada Brand" in review
    assert len(_files(_private_media)) == 1  # kept with the draft until filed

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("takedowns:notice-review"), follow=True)
    notice = Notice.objects.get()
    assert response.redirect_chain[-1][0] == reverse("takedowns:notice-receipt", args=[notice.pk])
    assert "2 item(s) accepted" in response.content.decode()
    assert (notice.rights_holder, notice.filer_organisation, notice.filed_by) == (
        brand_a,
        brand_a.organisation,
        owner_a,
    )
    first = notice.items.get(listing=listing)
    assert first.status == ItemStatus.PENDING_REVIEW and first.test_buy_order_number == "TB-1"
    assert notice.items.get(listing=second_listing).infringement_type == "trademark_misuse"
    evidence = Evidence.objects.get(item=first)
    assert evidence.original_name == "test-buy.pdf" and evidence.file.read() == PDF
    assert not NoticeDraft.objects.exists() and not NoticeDraftEvidence.objects.exists()
    assert _files(_private_media) == [evidence.file.name.rsplit("/", 1)[-1]]  # the draft's copy is gone
    # Filing again (a second click) finds nothing to file.
    again = client.post(reverse("takedowns:notice-review"), follow=True)
    assert Notice.objects.count() == 1 and "no longer in progress" in again.content.decode()


def test_evidence_is_kept_when_the_form_comes_back_with_an_error(client, owner_a, asset_a, listing, _private_media):
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf()])], declared=False)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Confirm your good-faith belief" in body and "error-summary" in body
    assert "test-buy.pdf" in body  # listed with its row, not to be chosen again
    stored = NoticeDraftEvidence.objects.get()
    assert stored.original_name == "test-buy.pdf"
    assert not Notice.objects.exists()
    # Corrected (no file sent again): filed with the evidence kept.
    with TestCase.captureOnCommitCallbacks(execute=True):
        file_from_page(client, owner_a, [row(listing.external_id, asset_a)])
    assert Evidence.objects.get().original_name == "test-buy.pdf"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("invoice.pdf", b"PK\x03\x04not really"), "invoice.pdf"),
        (SimpleUploadedFile("page.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'), "SVG"),
    ],
)
def test_forbidden_evidence_is_refused_by_its_field_and_nothing_is_stored(
    client, owner_a, asset_a, listing, _private_media, upload, message
):
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[upload])])
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "field-invalid" in body
    assert not NoticeDraftEvidence.objects.exists() and _files(_private_media) == []
    assert not Notice.objects.exists()


def test_oversize_evidence_is_refused_and_nothing_is_stored(
    client, owner_a, asset_a, listing, settings, _private_media
):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "document": 1024}
    client.force_login(owner_a)
    big = SimpleUploadedFile("big.pdf", PDF + b"%" * 5000 + b"\n%%EOF\n")
    response = page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[big])])
    assert response.status_code == 400 and "big.pdf" in response.content.decode()
    assert not NoticeDraftEvidence.objects.exists() and _files(_private_media) == []


def test_more_evidence_files_than_a_row_may_hold_is_refused(client, owner_a, asset_a, listing, _private_media):
    client.force_login(owner_a)
    page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf(f"e{n}.pdf") for n in range(6)])])
    response = page_post(
        client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf(f"f{n}.pdf") for n in range(5)])]
    )
    assert response.status_code == 400 and "Attach at most 10 files" in response.content.decode()
    assert NoticeDraftEvidence.objects.count() == 6


def test_unknown_and_duplicate_listings_are_named_by_their_row_and_nothing_is_filed(client, owner_a, asset_a, listing):
    client.force_login(owner_a)
    rows = [row("L-NOPE", asset_a), row(listing.external_id, asset_a), row(listing.external_id, asset_a), row("", None)]
    response = page_post(client, owner_a, rows)
    assert response.status_code == 400
    body = response.content.decode()
    assert "No listing L-NOPE on the marketplace" in body
    assert "Row 2 names the same listing and asset already" in body
    assert "Give the listing id" in body and "Choose one of the brand" in body
    assert client.get(reverse("takedowns:notice-review")).status_code == 302  # back to the form
    assert client.post(reverse("takedowns:notice-review")).status_code == 302
    assert not Notice.objects.exists() and not NoticeItem.objects.exists()


def test_a_notice_sent_back_from_its_review_shows_each_problem_by_its_field(client, owner_a, asset_a, listing):
    # The review page (and a filing it refuses) sends a notice with problems back to the form with ?check=1:
    # the form opens with every problem by its field, the notice's own and each row's.
    client.force_login(owner_a)
    page_post(client, owner_a, [row("L-NOPE", asset_a)], action="save", fields={"filer_address": ""})
    response = client.get(reverse("takedowns:notice-review"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("takedowns:notice-create") + "?check=1"
    assert response.status_code == 200
    body = response.content.decode()
    assert "No listing L-NOPE on the marketplace" in body
    assert "Give a postal address where the filer can be reached" in body


def test_a_listing_with_an_open_complaint_or_removed_is_named_before_filing(
    client, owner_a, brand_a, asset_a, listing, store
):
    from tests.takedowns.conftest import draft, file_notice

    file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    removed = factories.ListingFactory(store=store, status=ListingStatus.REMOVED)
    client.force_login(owner_a)
    body = page_post(
        client, owner_a, [row(listing.external_id, asset_a), row(removed.external_id, asset_a)]
    ).content.decode()
    assert "An open complaint already exists" in body and "already been removed" in body
    assert Notice.objects.count() == 1


def test_an_asset_not_verified_cannot_be_chosen(client, owner_a, brand_a, listing):
    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, pending)])
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_a_listing_of_an_authorised_store_needs_the_filers_confirmation(
    client, owner_a, brand_a, asset_a, listing, store
):
    AuthorisedStore.objects.create(rights_holder=brand_a, store=store)
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, asset_a)])
    assert response.status_code == 400
    assert "list of authorised sellers. Tick the box to file anyway" in response.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        filed = file_from_page(client, owner_a, [row(listing.external_id, asset_a, authorised_store_confirmed="on")])
    assert filed.status_code == 200
    item = NoticeItem.objects.get()
    assert item.listing == listing and item.authorised_store_flag


def test_missing_filer_details_are_named_by_their_field(client, owner_a, asset_a, listing):
    client.force_login(owner_a)
    response = page_post(
        client, owner_a, [row(listing.external_id, asset_a)], fields={"filer_phone": "", "signature": ""}
    )
    body = response.content.decode()
    assert (
        response.status_code == 400
        and "Give a phone number." in body
        and "Type your full name as your signature." in body
    )
    assert 'href="#id_filer_phone"' in body


def test_control_characters_and_a_megabyte_explanation_are_refused(client, owner_a, asset_a, listing):
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, asset_a, explanation="x" * 20_000)])
    assert response.status_code == 400 and "at most 10000 characters" in response.content.decode()
    response = page_post(client, owner_a, [row(listing.external_id + "\x00", asset_a)])
    assert response.status_code == 400
    assert not Notice.objects.exists()


def test_remove_row_deletes_its_files(client, owner_a, asset_a, listing, _private_media):
    client.force_login(owner_a)
    page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf()])], action="save")
    assert len(_files(_private_media)) == 1
    (stored,) = draft_rows(owner_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("takedowns:draft-row-remove", args=[stored.pk]), **HTMX)
    assert _files(_private_media) == [] and not NoticeDraftEvidence.objects.exists()


def test_an_evidence_file_is_removed_alone_and_is_the_drafters_own(
    client, owner_a, user_b, asset_a, listing, _private_media
):
    client.force_login(owner_a)
    page_post(
        client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf("a.pdf"), _pdf("b.pdf")])], action="save"
    )
    first, second = NoticeDraftEvidence.objects.order_by("pk")
    assert client.get(reverse("file-download", kwargs={"kind": "draft-evidence", "pk": first.pk})).status_code == 200
    client.force_login(user_b)
    assert client.get(reverse("file-download", kwargs={"kind": "draft-evidence", "pk": first.pk})).status_code == 404
    assert client.post(reverse("takedowns:draft-evidence-remove", args=[first.pk]), **HTMX).status_code == 404
    client.force_login(owner_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(reverse("takedowns:draft-evidence-remove", args=[first.pk]), **HTMX).status_code == 200
    assert list(NoticeDraftEvidence.objects.all()) == [second] and len(_files(_private_media)) == 1


def test_discarding_the_draft_deletes_it_and_its_files(client, owner_a, asset_a, listing, _private_media):
    client.force_login(owner_a)
    page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf()])], action="save")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("takedowns:notice-create"), {"action": "discard"})
    assert response.status_code == 302
    assert not NoticeDraft.objects.exists() and _files(_private_media) == []


def test_an_expired_draft_is_deleted_with_its_files_and_cannot_be_filed(
    client, owner_a, asset_a, listing, settings, _private_media
):
    settings.NOTICE_DRAFT_EXPIRE_DAYS = 3
    client.force_login(owner_a)
    page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf()])])
    assert len(_files(_private_media)) == 1
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("takedowns:notice-review"), follow=True)
        body = response.content.decode()
        assert "has expired" in body
        assert not Notice.objects.exists()
        assert not NoticeDraftEvidence.objects.filter(item__draft__updated_at__lt=timezone.now() - timedelta(days=3))
    assert _files(_private_media) == []


def test_the_hourly_sweep_deletes_expired_drafts_and_their_files_only(
    client, owner_a, user_b, asset_a, listing, settings, _private_media
):
    settings.NOTICE_DRAFT_EXPIRE_DAYS = 3
    client.force_login(owner_a)
    page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf()])], action="save")
    old = draft_of(owner_a)
    NoticeDraft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=4))
    fresh = NoticeDraft.objects.create(
        user=user_b, organisation=user_b.memberships.first().organisation, rights_holder=old.rights_holder
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert notice_drafts_expire() == 1
    assert list(NoticeDraft.objects.all()) == [fresh]
    assert _files(_private_media) == []
    assert notice_drafts_expire() == 0  # twice is nothing more


# --- Who files: the top bar's brand; a suspension shows its end instead of the form ----------------------


def test_a_suspended_filer_sees_the_end_date_instead_of_the_form_and_a_post_is_refused(
    client, owner_a, brand_a, asset_a, listing
):
    ends = timezone.now() + timedelta(days=30)
    FilingSuspension.objects.create(organisation=brand_a.organisation, ends_at=ends, reason="Unfounded notices")
    client.force_login(owner_a)
    page = client.get(reverse("takedowns:notice-create"))
    body = page.content.decode()
    assert page.status_code == 200 and "may not file notices until" in body and f"{ends:%Y-%m-%d}" in body
    assert "Unfounded notices" in body and 'name="action"' not in body
    for url, data in (
        (reverse("takedowns:notice-create"), {"action": "review"}),
        (reverse("takedowns:notice-review"), {}),
        (reverse("takedowns:draft-listing-add"), {"listing": listing.external_id}),
        (reverse("takedowns:draft-row-add"), {}),
    ):
        refused = client.post(url, data)
        assert refused.status_code == 403 and "may not file notices until" in refused.content.decode()
    assert not Notice.objects.exists() and not NoticeDraftItem.objects.exists()


@pytest.fixture
def agent_firm(brand_a, brand_b):
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Law Firm")
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_b)
    return firm


def test_an_agent_files_for_the_brand_chosen_in_the_top_bar(client, agent_firm, brand_a, brand_b, asset_a, listing):
    agent = factories.member_of(agent_firm)
    client.force_login(agent)
    page = client.get(reverse("takedowns:notice-create"))
    assert "Choose the brand you file for" in page.content.decode() and 'name="action"' not in page.content.decode()
    assert client.post(reverse("takedowns:draft-listing-add"), {"listing": listing.external_id}).status_code == 400
    client.post(reverse("rights:acting-for"), {"acting_for": f"{agent_firm.pk}:{brand_a.pk}", "next": "/"})
    assert client.session[ACTING_SESSION_KEY] == f"{agent_firm.pk}:{brand_a.pk}"
    assert "as its agent Law Firm" in client.get(reverse("takedowns:notice-create")).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        file_from_page(client, agent, [row(listing.external_id, asset_a)])
    notice = Notice.objects.get()
    assert (notice.rights_holder, notice.filer_organisation, notice.filed_by) == (brand_a, agent_firm, agent)


def test_an_agent_cannot_use_another_brands_asset(client, agent_firm, brand_a, brand_b, asset_a, listing):
    agent = factories.member_of(agent_firm)
    client.force_login(agent)
    client.post(reverse("rights:acting-for"), {"acting_for": f"{agent_firm.pk}:{brand_b.pk}", "next": "/"})
    response = page_post(client, agent, [row(listing.external_id, asset_a)])
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_suspended_agent_firm_sees_its_end_date(client, agent_firm, brand_a):
    agent = factories.member_of(agent_firm)
    ends = timezone.now() + timedelta(days=10)
    FilingSuspension.objects.create(organisation=agent_firm, ends_at=ends, reason="Manifestly unfounded notices")
    client.force_login(agent)
    client.post(reverse("rights:acting-for"), {"acting_for": f"{agent_firm.pk}:{brand_a.pk}", "next": "/"})
    body = client.get(reverse("takedowns:notice-create")).content.decode()
    assert "Law Firm may not file notices until" in body


def test_the_filing_page_is_in_chinese_for_a_chinese_reader(client, owner_a, listing, asset_a):
    owner_a.language = "zh-hans"
    owner_a.save()
    client.force_login(owner_a)
    client.post(reverse("takedowns:draft-listing-add"), {"listing": listing.external_id}, **HTMX)
    body = client.get(reverse("takedowns:notice-create"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提交投诉" in body and "按编号添加商品" in body


# --- Carried over from the three-slot form's tests: files, limits, odd input -----------------------------


def test_a_filing_that_fails_after_its_evidence_was_stored_leaves_no_file_and_no_row(
    client, owner_a, asset_a, listing, _private_media, monkeypatch
):
    """The filing is the outermost transaction: when it rolls back after storing the evidence (here its last
    write, the filer's receipt, fails), the notice's files go with its rows; the draft and its file stay."""
    client.force_login(owner_a)
    page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=[_pdf()])])
    kept = _files(_private_media)

    def failing_receipt(*args, **kwargs):
        assert len(_files(_private_media)) == 2  # the notice's copy stored, not yet committed
        raise RuntimeError("the receipt could not be written")

    monkeypatch.setattr("takedowns.notifications.notice_receipt_write", failing_receipt)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(reverse("takedowns:notice-review"))
    assert not Notice.objects.exists() and not Evidence.objects.exists()
    assert _files(_private_media) == kept and NoticeDraftEvidence.objects.count() == 1


def test_ten_huge_images_in_one_row_are_refused_cheaply_and_nothing_is_stored(
    client, owner_a, asset_a, listing, _private_media
):
    """The red-team request: ten 39.7-megapixel PNGs of under 200 KB each took 20 s of CPU in one request."""
    bomb = png_bomb(6300, 6300, rgb=True)
    evidence = [SimpleUploadedFile(f"shot{n}.png", bomb, content_type="image/png") for n in range(10)]
    client.force_login(owner_a)
    started = time.process_time()
    response = page_post(client, owner_a, [row(listing.external_id, asset_a, evidence=evidence)])
    assert time.process_time() - started < 5.0
    assert response.status_code == 400
    assert "shot9.png is too large in pixels (6300 x 6300); the limit is 16,777,216 pixels" in response.content.decode()
    assert not NoticeDraftEvidence.objects.exists() and _files(_private_media) == []


def test_images_past_the_requests_pixel_budget_are_refused_and_nothing_of_that_row_is_stored(
    client, owner_a, asset_a, listing, second_listing, settings, _private_media
):
    settings.UPLOAD_MAX_PIXELS_PER_REQUEST = 10_000_000
    photo = png_bomb(2000, 2000)  # 4 megapixels: each allowed on its own
    rows = [
        row(listing.external_id, asset_a, evidence=[SimpleUploadedFile(f"a{n}.png", photo) for n in range(2)]),
        row(second_listing.external_id, asset_a, evidence=[SimpleUploadedFile("b0.png", photo)]),
    ]
    client.force_login(owner_a)
    response = page_post(client, owner_a, rows)
    assert response.status_code == 400
    assert "b0.png takes the images sent together past 10,000,000 pixels in all" in response.content.decode()
    assert not Notice.objects.exists()
    assert sorted(e.original_name for e in NoticeDraftEvidence.objects.all()) == ["a0.png", "a1.png"]


def test_a_listing_reference_of_a_superscript_two_is_named_not_a_500(client, owner_a, asset_a, listing):
    """ "²" passed str.isdigit() and crashed int()."""
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row("\u00b2", asset_a), row(listing.external_id, asset_a)])
    assert response.status_code == 400
    assert "No listing \u00b2 on the marketplace" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_megabyte_explanation_and_a_long_test_buy_report_are_refused_and_nothing_is_filed(
    client, owner_a, asset_a, listing
):
    client.force_login(owner_a)
    for field, size in (("explanation", 1_000_000), ("test_buy_report", 500_000)):
        response = page_post(client, owner_a, [row(listing.external_id, asset_a, **{field: "x" * size})])
        assert response.status_code == 400
        assert f"Ensure this value has at most 10000 characters (it has {size})" in response.content.decode()
    assert not Notice.objects.exists()
    assert all(len(r.explanation) < 10_001 and len(r.test_buy_report) < 10_001 for r in draft_rows(owner_a))


@pytest.fixture
def two_hat_agent(brand_a, asset_a):
    """Issue 9's scenario: a user in a suspended agent firm (with a letter for brand A) and in a second
    organisation with no letter."""
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Suspended Firm")
    second = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Second Firm")
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
    FilingSuspension.objects.create(
        organisation=firm, ends_at=timezone.now() + timedelta(days=30), reason="Manifestly unfounded notices"
    )
    user = factories.member_of(firm)
    from portal.models import Membership

    Membership.objects.create(user=user, organisation=second)
    return {"user": user, "firm": firm, "second": second}


def test_a_suspended_agent_cannot_file_through_a_second_organisation(client, two_hat_agent, brand_a, asset_a, listing):
    client.force_login(two_hat_agent["user"])
    second = two_hat_agent["second"]
    client.post(reverse("rights:acting-for"), {"acting_for": f"{second.pk}:{brand_a.pk}", "next": "/"})
    assert client.session.get(ACTING_SESSION_KEY) != f"{second.pk}:{brand_a.pk}"  # refused by the switcher
    page = client.get(reverse("takedowns:notice-create")).content.decode()
    assert "Suspended Firm may not file notices until" in page and 'name="action"' not in page
    assert client.post(reverse("takedowns:notice-review")).status_code == 403
    assert not Notice.objects.exists()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
