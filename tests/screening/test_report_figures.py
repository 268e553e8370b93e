"""The screening report's figures: decided alerts and proactive notices, per brand and per signal kind."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from screening.models import AlertStatus, DismissalReason
from screening.report.figures import screening_report
from takedowns.models import ItemStatus
from tests import factories
from tests.screening.report_world import NOW, alert_decided, marketplace, proactive_item

pytestmark = pytest.mark.django_db

A, S, D = ItemStatus.AWAITING_COUNTER_NOTICE, ItemStatus.UPHELD, ItemStatus.DISMISSED
SINCE = NOW - timedelta(days=90)


@pytest.fixture
def world():
    marketplace()
    holder_a = factories.RightsHolderFactory(legal_name="Acme Athletics")
    holder_b = factories.RightsHolderFactory(legal_name="Borealis")
    asset_a = factories.IPAssetFactory(rights_holder=holder_a, name="ACME")
    asset_b = factories.IPAssetFactory(rights_holder=holder_b, name="BOREALIS")
    confirmed, dismissed = AlertStatus.CONFIRMED, AlertStatus.DISMISSED
    alert_decided(asset_a, score=0.7, kinds=["keyword", "price"], status=confirmed)
    alert_decided(asset_a, score=0.8, kinds=["keyword", "replica"], status=confirmed)
    alert_decided(
        asset_a, score=0.55, kinds=["keyword", "category"], status=dismissed, reason=DismissalReason.GENUINE_GOODS
    )
    alert_decided(asset_a, score=0.6, kinds=["ocr"], status=dismissed, reason=DismissalReason.NOT_OUR_BRAND)
    # Not counted: still open; decided before the period.
    alert_decided(asset_a, score=0.6, kinds=["keyword"], status=AlertStatus.OPEN)
    alert_decided(asset_a, score=0.6, kinds=["keyword"], status=dismissed, decided_at=NOW - timedelta(days=200))
    alert_decided(asset_b, score=0.6, kinds=["merchant"], status=confirmed)
    proactive_item(asset_a, score=0.95, kinds=["keyword", "replica"], moves=[S])
    # Dismissed after a counter-notice; upheld, then reversed on appeal.
    proactive_item(asset_a, score=0.92, kinds=["image"], moves=[D])
    proactive_item(asset_a, score=0.93, kinds=["keyword", "price"], moves=[S, D], reversed_against_filer=True)
    # Not counted: withdrawn (judged nothing), still open, upheld before the period.
    proactive_item(asset_a, score=0.94, kinds=["keyword"], moves=[ItemStatus.WITHDRAWN])
    proactive_item(asset_a, score=0.94, kinds=["keyword"], moves=[])
    proactive_item(asset_a, score=0.94, kinds=["keyword"], moves=[S], decided_at=NOW - timedelta(days=120))
    return holder_a, holder_b, asset_a, asset_b


def figures(tally):
    return (tally.right, tally.wrong)


def test_alerts_and_proactive_notices_decided_in_the_period_count_right_or_wrong(world):
    holder_a, holder_b, _, _ = world
    report = screening_report(since=SINCE, until=NOW)

    assert figures(report.figures.alerts) == (3, 2)
    assert figures(report.figures.notices) == (1, 2)
    assert report.figures.overall.precision == pytest.approx(4 / 8, abs=0.001)
    assert [brand.name for brand in report.brands] == ["Acme Athletics", "Borealis"]
    acme, borealis = report.brands
    assert figures(acme.figures.alerts) == (2, 2) and acme.figures.alerts.precision == 0.5
    assert figures(acme.figures.notices) == (1, 2) and acme.figures.notices.precision == 0.333
    assert figures(borealis.figures.alerts) == (1, 0) and borealis.figures.notices.precision is None
    assert acme.dismissal_reasons == {"genuine_goods": 1, "not_our_brand": 1}
    assert report.dismissal_reasons == {"genuine_goods": 1, "not_our_brand": 1}


def test_an_alert_closed_as_already_filed_counts_as_right(world):
    _, holder_b, _, asset_b = world
    alert_decided(asset_b, score=0.65, kinds=["image"], status=AlertStatus.ALREADY_FILED)
    report = screening_report(since=SINCE, until=NOW, rights_holder_ids={holder_b.pk})
    assert figures(report.figures.alerts) == (2, 0)
    assert figures(report.by_kind["image"].alerts) == (1, 0)


def test_a_result_counts_once_under_each_signal_kind_it_carried(world):
    report = screening_report(since=SINCE, until=NOW)
    by_kind = {kind: (figures(f.alerts), figures(f.notices)) for kind, f in report.kind_rows}
    assert by_kind == {
        "keyword": ((2, 1), (1, 1)),
        "ocr": ((0, 1), (0, 0)),
        "image": ((0, 0), (0, 1)),
        "price": ((1, 0), (0, 1)),
        "replica": ((1, 0), (1, 0)),
        "category": ((0, 1), (0, 0)),
        "merchant": ((1, 0), (0, 0)),
    }
    acme = report.brands[0]
    assert [kind for kind, _ in acme.kind_rows] == ["keyword", "ocr", "image", "price", "replica", "category"]


def test_a_brands_staff_see_only_their_brand(world):
    _, holder_b, _, _ = world
    report = screening_report(since=SINCE, until=NOW, rights_holder_ids={holder_b.pk})
    assert [brand.name for brand in report.brands] == ["Borealis"]
    assert figures(report.figures.alerts) == (1, 0) and figures(report.figures.notices) == (0, 0)
    assert screening_report(since=SINCE, until=NOW, rights_holder_ids=set()).brands == []


def test_the_period_is_half_open(world):
    report = screening_report(since=NOW - timedelta(days=200), until=NOW - timedelta(days=1))
    # Everything else was decided exactly a day ago, at `until`: left out. The old ones are in.
    assert figures(report.figures.alerts) == (0, 1) and figures(report.figures.notices) == (1, 0)


def test_an_item_whose_screening_result_is_unknown_counts_for_its_brand_only(world):
    _, _, asset_a, _ = world
    proactive_item(asset_a, score=0.95, kinds=["keyword"], moves=[S], reference="legacy-reference")
    report = screening_report(since=SINCE, until=NOW)
    acme = report.brands[0]
    assert figures(acme.figures.notices) == (2, 2)
    assert figures(acme.by_kind["keyword"].notices) == (1, 1)  # as before: the unknown result has no kinds
    assert len(acme.decisions) == 7  # as before: no score to suggest from


def test_the_report_reads_in_a_fixed_number_of_queries(world):
    _, _, asset_a, asset_b = world
    with CaptureQueriesContext(connection) as few:
        screening_report(since=SINCE, until=NOW)
    for _ in range(5):
        alert_decided(asset_b, score=0.7, kinds=["keyword"], status=AlertStatus.CONFIRMED)
        proactive_item(asset_a, score=0.96, kinds=["image"], moves=[S])
    factories.RightsHolderFactory()
    with CaptureQueriesContext(connection) as many:
        screening_report(since=SINCE, until=NOW)
    assert len(few) == len(many) == 5


def test_nothing_decided_is_an_empty_report(db):
    report = screening_report(since=SINCE, until=NOW)
    assert report.brands == [] and report.figures.overall.decided == 0 and report.figures.overall.precision is None


def test_the_command_prints_the_figures_and_json(world, capsys):
    call_command("screening_report", "--days", "30")
    text = capsys.readouterr().out
    assert "Acme Athletics (thresholds: notice 0.90, alert 0.50)" in text
    assert "Dismissed as: genuine goods 1; not our brand 1" in text
    assert "Suggestions need 20 decisions; 7 so far." in text

    call_command("screening_report", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["alerts"] == {"right": 3, "wrong": 2, "decided": 5, "precision": 0.6}
    acme = data["brands"][0]
    assert acme["name"] == "Acme Athletics" and acme["notices"]["wrong"] == 2
    assert acme["by_signal"]["image"]["notices"] == {"right": 0, "wrong": 1, "decided": 1, "precision": 0.0}
    assert acme["suggestions"] == []


@pytest.mark.parametrize("days", ["0", "abc", "731"])
def test_the_command_refuses_a_bad_number_of_days(db, days):
    with pytest.raises(CommandError, match="--days must be a whole number of days from 1 to 730"):
        call_command("screening_report", "--days", days)
