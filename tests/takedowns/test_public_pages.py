"""The public pages a visitor reads without signing in: the landing page, the help centre, the register's links."""

import re

import pytest
from django.urls import reverse

from takedowns.views.help_centre import TOPICS


def _text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_visitor_gets_the_landing_page_with_the_way_in(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("login", "public:register", "help:index", "transparency:report"):
        assert f'href="{reverse(name)}"' in html
    for slug in TOPICS:
        assert f'href="{reverse("help:topic", args=[slug])}"' in html
    assert "For brands" in html and "For merchants" in html


def test_a_signed_in_user_keeps_the_dashboard(client, owner_a):
    client.force_login(owner_a)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "Needs your action" in response.content.decode()  # a brand's home is its dashboard
    assert "For merchants" not in response.content.decode()


@pytest.mark.parametrize("slug", list(TOPICS))
def test_every_help_topic_answers_a_visitor(client, db, slug):
    response = client.get(reverse("help:topic", args=[slug]))

    assert response.status_code == 200
    assert f'href="{reverse("help:index")}"' in response.content.decode()


def test_the_help_centre_lists_every_topic(client, db):
    html = client.get(reverse("help:index")).content.decode()
    for slug, (title, _summary) in TOPICS.items():
        assert f'href="{reverse("help:topic", args=[slug])}"' in html
        assert str(title) in html


def test_an_unknown_topic_is_404(client, db):
    assert client.get(reverse("help:topic", args=["nothing-here"])).status_code == 404


def test_the_help_quotes_the_configured_policy_not_fixed_numbers(client, db, settings):
    settings.TAKEDOWN_COUNTER_NOTICE_HOURS = 120
    settings.TAKEDOWN_APPEAL_DAYS = 90
    settings.PENALTY_POINTS = {**settings.PENALTY_POINTS, "counterfeit": 9}
    settings.PENALTY_LADDER = [(5, "warning", None), (10, "restriction", 4), (40, "closure", None)]
    settings.GOOD_FAITH_MIN_DECIDED = 33
    settings.GOOD_FAITH_MIN_UPHELD_PERCENT = 91
    settings.SCREENING_NOTICE_THRESHOLD = 0.93

    counter = _text(client.get(reverse("help:topic", args=["counter-notices"])))
    assert "You have 5 days (120 hours)" in counter
    assert re.search(r"Counterfeit 9 ", counter)
    assert re.search(r"10 Listing restriction for 4 days", counter)
    assert "40 Store closed, deposit confiscated" in counter
    assert "within 90 days" in _text(client.get(reverse("help:topic", args=["appeals"])))
    good_faith = _text(client.get(reverse("help:topic", args=["good-faith"])))
    assert "at least 33 decided items" in good_faith and "at least 91% of them upheld" in good_faith
    assert "Score of 93% or more" in _text(client.get(reverse("help:topic", args=["screening"])))

    settings.TAKEDOWN_COUNTER_NOTICE_HOURS = 36
    assert "You have 36 hours" in _text(client.get(reverse("help:topic", args=["counter-notices"])))


def test_the_public_pages_link_each_other(client, db):
    for name in ("public:register", "help:index", "transparency:report"):
        html = client.get(reverse(name)).content.decode()
        others = {"public:register", "help:index", "transparency:report"} - {name}
        for other in others:
            assert f'href="{reverse(other)}"' in html, (name, other)
