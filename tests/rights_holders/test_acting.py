"""The top bar's brand switcher: an agent firm's person chooses the brand they work for; the choice is held
in the session and checked again on every request (rights_holders/acting.py)."""

from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rights_holders.acting import ACTING_SESSION_KEY
from tests import factories
from tests.services import needs_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    return factories.OrganisationFactory(kind="agent", name="Hale LLP")


@pytest.fixture
def lawyer(firm):
    return factories.member_of(firm)


@pytest.fixture
def letters(firm, brand_a, brand_b):
    return [
        factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a),
        factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_b),
    ]


def _switch(client, key, next_url="/takedowns/"):
    return client.post(reverse("rights:acting-for"), {"acting_for": key, "next": next_url})


def test_an_agent_sees_a_switcher_among_the_brands_it_holds_a_valid_letter_for(client, lawyer, letters, firm):
    factories.LetterOfAuthorisationFactory(
        agent=firm,
        rights_holder=factories.RightsHolderFactory(legal_name="Expired Co"),
        valid_from=timezone.now().date().replace(year=2020),
        valid_until=timezone.now().date().replace(year=2021),
    )
    client.force_login(lawyer)

    html = client.get(reverse("home")).content.decode()

    assert 'name="acting_for"' in html
    assert "Brand A" in html and "Brand B" in html
    assert "Expired Co" not in html
    assert "All my brands" in html


def test_choosing_a_brand_holds_it_for_the_session_and_goes_back(client, lawyer, letters, firm, brand_b):
    client.force_login(lawyer)

    response = _switch(client, f"{firm.pk}:{brand_b.pk}")

    assert response.status_code == 302 and response["Location"] == "/takedowns/"
    assert client.session[ACTING_SESSION_KEY] == f"{firm.pk}:{brand_b.pk}"
    html = client.get(reverse("home")).content.decode()
    assert f'<option value="{firm.pk}:{brand_b.pk}" selected>' in html


def test_a_brand_without_a_letter_is_refused_and_nothing_is_held(client, lawyer, letters, firm):
    stranger = factories.RightsHolderFactory(legal_name="Stranger")
    client.force_login(lawyer)

    response = _switch(client, f"{firm.pk}:{stranger.pk}")

    assert response.status_code == 302
    assert ACTING_SESSION_KEY not in client.session
    assert "no valid letter" in client.get(reverse("home")).content.decode()


def test_a_revoked_letter_drops_the_choice_at_the_next_page(client, lawyer, letters, firm, brand_b):
    client.force_login(lawyer)
    _switch(client, f"{firm.pk}:{brand_b.pk}")
    letters[1].revoked_at = timezone.now()
    letters[1].save(update_fields=["revoked_at"])

    html = client.get(reverse("home")).content.decode()

    assert ACTING_SESSION_KEY not in client.session
    # One brand left: nothing to choose, the firm is shown with the brand it acts for.
    assert 'name="acting_for"' not in html
    assert "for Brand A" in html


def test_choosing_all_brands_clears_the_choice(client, lawyer, letters, firm, brand_a):
    client.force_login(lawyer)
    _switch(client, f"{firm.pk}:{brand_a.pk}")

    _switch(client, "")

    assert ACTING_SESSION_KEY not in client.session


def test_switching_needs_post_and_a_signed_in_user(client, lawyer, letters):
    assert client.post(reverse("rights:acting-for"), {"acting_for": ""}).status_code == 302  # to the login
    client.force_login(lawyer)
    assert client.get(reverse("rights:acting-for")).status_code == 405


def test_the_switch_never_sends_off_site(client, lawyer, letters, firm, brand_a):
    client.force_login(lawyer)

    response = _switch(client, f"{firm.pk}:{brand_a.pk}", next_url="https://evil.example/")

    assert response["Location"] == reverse("home")


def test_the_top_bar_names_the_organisation_and_the_role(client, owner_a, reviewer):
    client.force_login(owner_a)
    html = client.get(reverse("home")).content.decode()
    assert "Brand A" in html and "Brand owner" in html

    client.force_login(reviewer)
    assert "Reviewer" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_agents_brands_are_read_once_a_day_and_a_letter_ending_today_is_gone_at_midnight_utc(
    client, lawyer, firm, brand_a, brand_b
):
    """Kept per data version and UTC day (portal.pagecache.version_memo): the next page reads no letter, and
    the first page of the next UTC day reads them again."""
    needs_postgres()  # the data version is read with the user (transactional: outside a transaction)
    now = timezone.now()
    today = now.astimezone(UTC).date()
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_b, valid_until=today)
    client.force_login(lawyer)
    help_page = reverse("help:index")
    with mock.patch("django.utils.timezone.now", return_value=now):
        first = client.get(help_page).content.decode()
        with CaptureQueriesContext(connection) as again:
            client.get(help_page)
        letters_read = [q["sql"] for q in again.captured_queries if "letterofauthorisation" in q["sql"]]
        assert len(again.captured_queries) == 3  # the session, the user with the version, the second factor
    midnight = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=midnight):
        next_day = client.get(help_page).content.decode()

    assert "Brand A" in first and "Brand B" in first
    assert not letters_read
    assert "Brand A" in next_day and "Brand B" not in next_day
