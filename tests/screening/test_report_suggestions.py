"""Threshold suggestions: what a cut would have done to a brand's decided results, never applied."""

from screening.report.suggestions import (
    Decision,
    alert_suggestion,
    notice_suggestion,
    threshold_suggestions,
)


def alerts(scores, right):
    return [Decision(score, right, "alert") for score in scores]


def notices(scores, right):
    return [Decision(score, right, "notice") for score in scores]


def test_raising_the_alert_threshold_past_most_dismissals_is_suggested_with_its_numbers():
    dismissed_low = [0.50, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57, 0.58, 0.59, 0.60, 0.61, 0.61, 0.61]
    decisions = (
        alerts(dismissed_low, False)
        + alerts([0.55], True)
        + alerts([0.62, 0.65, 0.7, 0.75, 0.8, 0.85], True)
        + alerts([0.7, 0.75], False)
    )
    [suggestion] = threshold_suggestions(decisions, notice=0.90, alert=0.50)
    assert (suggestion.threshold, suggestion.current, suggestion.suggested) == ("alert", 0.50, 0.62)
    assert suggestion.text == (
        "Raising the alert threshold from 0.50 to 0.62 would have sent 14 fewer false alerts (dismissed) and "
        "missed 1 confirmed one; the alerts' dismissal rate would have been 25% instead of 70% "
        "(23 decided alerts below the notice threshold)."
    )


def test_no_alert_cut_is_suggested_when_every_one_misses_more_than_it_spares():
    decisions = alerts([0.5, 0.52, 0.6, 0.7], True) + alerts([0.51, 0.8], False) + alerts([0.55] * 15, True)
    assert alert_suggestion(decisions, notice=0.9, alert=0.5) is None


def test_the_cut_is_shown_with_four_decimals_when_two_do_not_fit_between_the_scores():
    decisions = alerts([0.6012] * 10, False) + alerts([0.6018] * 10, True)
    suggestion = alert_suggestion(decisions, notice=0.9, alert=0.5)
    assert suggestion.suggested == 0.6013
    assert suggestion.text.startswith("Raising the alert threshold from 0.50 to 0.6013 would have")


def test_a_cut_above_every_alert_is_never_suggested():
    assert alert_suggestion(alerts([0.6] * 25, False), notice=0.9, alert=0.5) is None


def test_notices_and_scores_above_the_notice_threshold_are_not_the_alert_band():
    decisions = notices([0.55] * 10, False) + alerts([0.95] * 10, False) + alerts([0.7] * 5, True)
    assert alert_suggestion(decisions, notice=0.9, alert=0.5) is None


def test_raising_the_notice_threshold_is_suggested_when_precision_falls_short():
    decisions = notices([0.90, 0.91, 0.92], False) + notices([0.90, 0.91, 0.92] * 3, True) + notices([0.95] * 20, True)
    [suggestion] = threshold_suggestions(decisions, notice=0.90, alert=0.50)
    assert (suggestion.threshold, suggestion.suggested) == ("notice", 0.93)
    assert suggestion.text == (
        "Raising the notice threshold from 0.90 to 0.93 would have kept 3 wrong notices from being filed and "
        "sent 9 right ones to an alert instead; precision at or above 0.93: 20 of 20 (1.00), against 29 of 32 "
        "(0.91) now."
    )


def test_lowering_the_notice_threshold_is_suggested_when_the_brand_confirmed_nearly_everything_below_it():
    decisions = alerts([0.82, 0.85, 0.88] * 4, True) + notices([0.92] * 10, True) + alerts([0.6] * 3, False)
    suggestion = notice_suggestion(decisions, notice=0.90, alert=0.50)
    assert suggestion.suggested == 0.82 and suggestion.current == 0.90
    assert suggestion.text.startswith(
        "Lowering the notice threshold from 0.90 to 0.82 would have taken 12 more listings down at once "
        "(12 right, 0 wrong); precision at or above 0.82: 22 of 22 (1.00)."
    )


def test_no_notice_threshold_holding_precision_says_so():
    decisions = notices([0.95, 0.96, 0.97], False) + notices([0.91] * 20, True)
    suggestion = notice_suggestion(decisions, notice=0.90, alert=0.50)
    assert suggestion.suggested == 1.0
    assert suggestion.text.startswith("No notice threshold would have kept precision at 0.97: at the current 0.90")


def test_a_shortfall_on_few_notices_is_not_enough_to_say_no_threshold_holds():
    decisions = notices([0.95] * 6, True) + notices([0.91], False) + alerts([0.6] * 20, True)
    assert notice_suggestion(decisions, notice=0.90, alert=0.50) is None


def test_a_notice_threshold_already_right_brings_no_suggestion():
    decisions = notices([0.93] * 20, True) + alerts([0.88] * 5, False)
    assert notice_suggestion(decisions, notice=0.90, alert=0.50) is None


def test_fewer_than_twenty_decisions_bring_no_suggestion():
    decisions = alerts([0.5] * 18, False) + alerts([0.8], True)
    assert threshold_suggestions(decisions, notice=0.9, alert=0.5) == []
    assert threshold_suggestions(decisions + alerts([0.8], True), notice=0.9, alert=0.5)
