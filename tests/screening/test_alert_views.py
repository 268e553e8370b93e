"""The alerts inbox in the browser: the list and its filters, one alert's evidence, the pre-filled notice, dismissal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening.models import AlertStatus, ScreeningAlert
from takedowns.models import Notice, NoticeItem
from tests import factories
from tests.screening.alert_world import alert_made, alert_world
from tests.takedowns.conftest import NOTICE_DATA

pytestmark = pytest.mark.django_db

INBOX = reverse("screening:alert-inbox")


@pytest.fixture
def w(db):
    return alert_world()


def signed_in(client, user):
    client.force_login(user)
    return client


def _confirm_post(w, **overrides):
    data = {
        "acting_for": f"{w.holder.organisation.pk}:{w.holder.pk}",
        "infringement_type": "counterfeit",
        "explanation": "Screening's evidence, and the fake box we bought.",
        **{k: ("on" if v is True else v) for k, v in NOTICE_DATA.items()},
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}


def test_the_inbox_lists_the_brands_open_alerts_newest_first_with_their_evidence(client, w):
    newer = alert_made(w.holder, w.asset, w.listings[1], score="0.6400")
    decided = alert_made(w.holder, w.asset, w.listings[2])
    ScreeningAlert.objects.filter(pk=decided.pk).update(status=AlertStatus.DISMISSED)
    alert_made(w.other, w.other_asset, w.listings[2])
    page = signed_in(client, w.staff).get(INBOX)
    assert page.status_code == 200
    html = page.content.decode()
    cards = [a.pk for a in page.context["page"]]
    assert cards == [newer.pk, w.alert.pk]
    for text in (w.listings[0].title, "Cheap Kicks", "15.00 EUR", "0.72", "0.64", "N0rthw1nd", "Brand named"):
        assert text in html, text
    assert reverse("screening:alert-confirm", args=[w.alert.pk]) in html
    assert "Alerts <span" in html and 'aria-label="2 open"' in html  # the navigation's count


def test_the_inbox_filters_by_status_and_asset_and_says_what_is_wrong_with_a_bad_filter(client, w):
    other_asset = factories.IPAssetFactory(rights_holder=w.holder, name="SOUTHWIND")
    second = alert_made(w.holder, other_asset, w.listings[1])
    ScreeningAlert.objects.filter(pk=w.alert.pk).update(status=AlertStatus.CONFIRMED)
    signed_in(client, w.staff)
    assert [a.pk for a in client.get(INBOX).context["page"]] == [second.pk]
    assert [a.pk for a in client.get(INBOX, {"status": "confirmed"}).context["page"]] == [w.alert.pk]
    assert [a.pk for a in client.get(INBOX, {"status": "all", "asset": w.asset.pk}).context["page"]] == [w.alert.pk]
    for bad in ({"status": "closed"}, {"asset": "x"}, {"asset": w.other_asset.pk}, {"brand": "2²"}):
        page = client.get(INBOX, bad)
        assert page.status_code == 400, bad
        assert "These filters cannot be used" in page.content.decode()
    assert client.get(INBOX, {"page": "9999"}).status_code == 200
    assert client.get(INBOX, {"page": "abc"}).status_code == 200


def test_the_inbox_sorts_by_score_or_age_and_refuses_an_unknown_sort(client, w):
    high = alert_made(w.holder, w.asset, w.listings[1], score="0.9100")
    low = alert_made(w.holder, w.asset, w.listings[2], score="0.4100")
    signed_in(client, w.staff)
    assert [a.pk for a in client.get(INBOX).context["page"]] == [low.pk, high.pk, w.alert.pk]
    assert [a.pk for a in client.get(INBOX, {"sort": "score"}).context["page"]] == [high.pk, w.alert.pk, low.pk]
    assert [a.pk for a in client.get(INBOX, {"sort": "oldest"}).context["page"]] == [w.alert.pk, high.pk, low.pk]
    refused = client.get(INBOX, {"sort": "-id"})
    assert refused.status_code == 400 and "These filters cannot be used" in refused.content.decode()


def test_the_inbox_costs_the_same_queries_for_one_alert_or_a_page_of_them(client, w):
    signed_in(client, w.staff)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as one:
        assert client.get(INBOX).status_code == 200
    for _ in range(30):
        alert_made(w.holder, w.asset, factories.ListingFactory(store=w.store))
    with CaptureQueriesContext(connection) as many:
        page = client.get(INBOX)
    assert len(page.context["page"]) == 25
    assert len(many) == len(one)
    # Session and user (with its platform roles and unread notifications: portal.authentication), the
    # two-factor device check, the user's organisations, its acting roles (its brands, read once for the
    # scoping, the top bar and the badge), the brands' names, their assets, the count and the page of alerts
    # (everything a card shows joined in), the navigation's count of open alerts.
    assert len(many) == 10, [q["sql"][:100] for q in many.captured_queries]


def test_an_agent_sees_the_brands_alerts_and_other_people_get_404(client, w):
    assert [a.pk for a in signed_in(client, w.lawyer).get(INBOX).context["page"]] == [w.alert.pk]
    detail = reverse("screening:alert-detail", args=[w.alert.pk])
    assert client.get(detail).status_code == 200
    for user in (w.other_staff, factories.member_of(w.store.merchant.organisation)):
        signed_in(client, user)
        assert client.get(detail).status_code == 404
        assert client.get(reverse("screening:alert-detail", args=[w.alert.pk + 1000])).status_code == 404
        assert client.get(reverse("screening:alert-confirm", args=[w.alert.pk])).status_code == 404
        assert (
            client.post(reverse("screening:alert-dismiss", args=[w.alert.pk]), {"reason": "other"}).status_code == 404
        )
    merchant = factories.member_of(w.store.merchant.organisation)
    assert signed_in(client, merchant).get(INBOX).status_code == 404
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN


def test_the_alert_page_shows_the_evidence_in_plain_words(client, w):
    html = signed_in(client, w.staff).get(reverse("screening:alert-detail", args=[w.alert.pk])).content.decode()
    for text in (
        "Brand named",
        "Brand in an image",
        "NORTHWIND ORIGINAL QUALITY",
        "4 of 64 bits differ from the brand&#x27;s reference image",
        "12% of the reference price",
        "the store opened 3 days ago",
        "Prepare notice",
        "Dismiss",
    ):
        assert text in html, text


def test_prepare_notice_shows_the_filing_form_prefilled_from_the_alert(client, w):
    page = signed_in(client, w.staff).get(reverse("screening:alert-confirm", args=[w.alert.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    assert form["infringement_type"].value() == "counterfeit"
    assert '"N0rthw1nd"' in form["explanation"].value() and "score 0.72" in form["explanation"].value()
    assert form["acting_for"].value() == f"{w.holder.organisation.pk}:{w.holder.pk}"
    assert w.listings[0].external_id in page.content.decode()


def test_filing_the_prepared_notice_confirms_the_alert_once(client, w):
    url = reverse("screening:alert-confirm", args=[w.alert.pk])
    response = signed_in(client, w.staff).post(url, _confirm_post(w))
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:notice-receipt", args=[notice.pk])
    alert = ScreeningAlert.objects.get(pk=w.alert.pk)
    assert (alert.status, alert.notice, notice.channel) == (AlertStatus.CONFIRMED, notice, "web")
    assert NoticeItem.objects.get().explanation == "Screening's evidence, and the fake box we bought."
    again = client.post(url, _confirm_post(w))
    assert again.status_code == 409 and "confirmed already" in again.content.decode()
    assert client.get(url).status_code == 409
    assert Notice.objects.count() == 1
    detail = client.get(reverse("screening:alert-detail", args=[w.alert.pk])).content.decode()
    assert f"Notice #{notice.pk}" in detail and "Prepare notice" not in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"authority_statement": None}, "authorised to act"),
        ({"signature": ""}, "This field is required"),
        ({"explanation": "Fake\x00"}, "Explanation"),
        ({"explanation": ""}, "This field is required"),
        ({"infringement_type": "evil"}, "Select a valid choice"),
        ({"acting_for": "1:999"}, "Select a valid choice"),
        ({"filer_email": "not-an-address"}, "valid email"),
    ],
)
def test_a_prepared_notice_with_bad_input_says_why_and_files_nothing(client, w, overrides, message):
    response = signed_in(client, w.staff).post(
        reverse("screening:alert-confirm", args=[w.alert.pk]), _confirm_post(w, **overrides)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was filed" in html and message in html, html[:3000]
    assert not Notice.objects.exists()
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN


def test_a_listing_removed_meanwhile_is_a_409_on_the_form_and_files_nothing(client, w):
    type(w.listings[0]).objects.filter(pk=w.listings[0].pk).update(status="removed")
    response = signed_in(client, w.staff).post(reverse("screening:alert-confirm", args=[w.alert.pk]), _confirm_post(w))
    assert response.status_code == 409 and "already been removed" in response.content.decode()
    assert not Notice.objects.exists()


def _open_complaint(w):
    from tests.takedowns.conftest import draft, file_notice

    (open_item,) = file_notice(w.staff, w.holder, [draft(w.listings[0], w.asset)]).accepted
    return open_item


def test_a_listing_under_the_brands_open_notice_is_said_with_a_link_and_closed_with_one_button(client, w):
    open_item = _open_complaint(w)
    notice_url = reverse("takedowns:notice-detail", args=[open_item.notice_id])
    detail_url = reverse("screening:alert-detail", args=[w.alert.pk])
    signed_in(client, w.lawyer)
    for url in (detail_url, reverse("screening:alert-confirm", args=[w.alert.pk])):
        html = client.get(url).content.decode()
        assert f'your <a href="{notice_url}">notice #{open_item.notice_id}</a>' in html, url
        assert "Close as already filed" in html and "File the notice" not in html and "Prepare notice" not in html
    response = client.post(reverse("screening:alert-already-filed", args=[w.alert.pk]))
    assert response.status_code == 302 and response["Location"] == detail_url
    alert = ScreeningAlert.objects.get(pk=w.alert.pk)
    assert (alert.status, alert.notice_id, alert.decided_by) == (
        AlertStatus.ALREADY_FILED,
        open_item.notice_id,
        w.lawyer,
    )
    page = client.get(detail_url).content.decode()
    assert f"is already under your notice #{open_item.notice_id}: no second notice was filed" in page  # the message
    assert f'your <a href="{notice_url}">notice #{open_item.notice_id}</a>:' in page
    assert "closed as already filed" in page and "Close as already filed" not in page
    again = client.post(reverse("screening:alert-already-filed", args=[w.alert.pk]))
    assert again.status_code == 409 and "closed already" in again.content.decode()
    assert Notice.objects.count() == 1


def test_a_notice_filed_while_the_form_was_open_closes_the_alert_instead_of_a_409(client, w, _private_media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.rights_holders.test_services import PDF

    signed_in(client, w.staff)
    url = reverse("screening:alert-confirm", args=[w.alert.pk])
    assert "File the notice" in client.get(url).content.decode()
    open_item = _open_complaint(w)  # someone else filed it meanwhile
    response = client.post(url, {**_confirm_post(w), "evidence": SimpleUploadedFile("test-buy.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"] == reverse("screening:alert-detail", args=[w.alert.pk])
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.ALREADY_FILED
    assert list(NoticeItem.objects.all()) == [open_item] and not list(_private_media.glob("evidence/*"))
    page = client.get(response["Location"]).content.decode()
    assert "no second notice was filed" in page and "evidence files you chose were not stored" in page


def test_closing_as_already_filed_without_an_open_notice_is_a_409_and_the_alert_stays_open(client, w):
    response = signed_in(client, w.staff).post(reverse("screening:alert-already-filed", args=[w.alert.pk]))
    assert response.status_code == 409 and "prepare a notice" in response.content.decode()
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN
    assert (
        signed_in(client, w.other_staff).post(reverse("screening:alert-already-filed", args=[w.alert.pk])).status_code
        == 404
    )


def test_the_prepared_notice_may_carry_evidence_files_through_the_upload_validator(client, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.rights_holders.test_services import PDF

    url = reverse("screening:alert-confirm", args=[w.alert.pk])
    signed_in(client, w.staff)
    fake = SimpleUploadedFile("test-buy.pdf", b"MZ not a pdf", content_type="application/pdf")
    refused = client.post(url, {**_confirm_post(w), "evidence": fake})
    assert refused.status_code == 400 and "Nothing was filed" in refused.content.decode()
    assert not Notice.objects.exists()
    response = client.post(url, {**_confirm_post(w), "evidence": SimpleUploadedFile("test-buy.pdf", PDF)})
    assert response.status_code == 302
    (evidence,) = NoticeItem.objects.get().evidence.all()
    assert evidence.original_name == "test-buy.pdf" and evidence.uploaded_by == w.staff


def test_an_agent_files_the_prepared_notice_as_its_firm(client, w):
    data = _confirm_post(w, acting_for=f"{w.agent.pk}:{w.holder.pk}")
    response = signed_in(client, w.lawyer).post(reverse("screening:alert-confirm", args=[w.alert.pk]), data)
    assert response.status_code == 302
    assert Notice.objects.get().filer_organisation == w.agent


def test_dismissing_needs_a_reason_and_for_other_a_note(client, w):
    url = reverse("screening:alert-dismiss", args=[w.alert.pk])
    signed_in(client, w.staff)
    for data, errors in (
        ({}, {"reason": ["Choose why you dismiss the alert."]}),
        ({"reason": "bored"}, {"reason": ["Select a valid choice. bored is not one of the available choices."]}),
        (
            {"reason": "other", "note": "  "},
            {"note": ["Say in a note why you dismiss the alert (the reason is “other”)."]},
        ),
        # A note refused as too long is not also called missing.
        (
            {"reason": "other", "note": "n" * 10_001},
            {"note": ["Ensure this value has at most 10000 characters (it has 10001)."]},
        ),
        (
            {"reason": "genuine_goods", "note": "bad\x00"},
            {
                "note": [
                    "Remove the invisible character U+0000 (control character) from this text; it cannot be stored."
                ]
            },
        ),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert response.context["dismiss_form"].errors == errors
        # The form comes back where it was: the page opens at it, not at the top.
        assert f'action="{url}#dismiss"' in response.content.decode()
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN
    response = client.post(url, {"reason": "authorised_seller", "note": "On our list since May."})
    assert response.status_code == 302 and response["Location"] == INBOX
    alert = ScreeningAlert.objects.get(pk=w.alert.pk)
    assert (alert.status, alert.dismissal_reason, alert.dismissal_note) == (
        AlertStatus.DISMISSED,
        "authorised_seller",
        "On our list since May.",
    )
    again = client.post(url, {"reason": "genuine_goods"})
    assert again.status_code == 409 and "dismissed already" in again.content.decode()
    assert client.get(url).status_code == 405


def test_one_name_registered_in_two_offices_reads_as_two_assets(client, w):
    """A brand's word mark at the EUIPO and the USPTO: both "NORTHWIND" once, nothing to tell them apart."""
    w.asset.office, w.asset.registration_number = "EUIPO", "018000001"
    w.asset.save(update_fields=["office", "registration_number"])
    us = factories.IPAssetFactory(
        rights_holder=w.holder, name=w.asset.name, office="USPTO", registration_number="6000001"
    )
    signed_in(client, w.staff)
    labels = dict(client.get(INBOX).context["form"].fields["asset"].choices)
    assert labels[w.asset.pk] == f"{w.asset.name} (Trademark EUIPO 018000001)"
    assert labels[us.pk] == f"{w.asset.name} (Trademark USPTO 6000001)"
    body = client.get(reverse("screening:alert-detail", args=[w.alert.pk])).content.decode()
    assert f"{w.asset.name} (Trademark EUIPO 018000001)" in body
