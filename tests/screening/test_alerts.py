"""The alerts inbox's verbs: a confirmation files one notice with the evidence, a dismissal keeps its reason;
each decided once, by someone who acts for the brand, audited and announced."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import TestCase

import screening.alerts
from portal.errors import InvalidInput, TransitionError
from portal.models import AuditLogEntry
from screening.alerts import alert_close_already_filed, alert_confirm, alert_dismiss
from screening.evidence import signals_shown
from screening.models import AlertStatus, DismissalReason, ScreeningAlert
from takedowns.models import Channel, InfringementType, ItemStatus, Notice, NoticeItem
from tests import factories
from tests.screening.alert_world import alert_world
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return alert_world()


@pytest.fixture
def announced(monkeypatch):
    """(source, ids) of every announcement the verbs make to webhooks, in order."""
    calls = []
    monkeypatch.setattr(screening.alerts, "events_announce", lambda source, ids: calls.append((source, list(ids))))
    return calls


def _confirm(w, actor=None, **kwargs):
    kwargs.setdefault("acting_organisation", w.holder.organisation)
    kwargs.setdefault("data", dict(NOTICE_DATA))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return alert_confirm(alert_id=w.alert.pk, actor=actor or w.staff, **kwargs)


def test_confirming_files_one_notice_prefilled_from_the_alert_with_its_evidence(w, announced):
    decision = _confirm(w)

    alert = ScreeningAlert.objects.get(pk=w.alert.pk)
    (item,) = NoticeItem.objects.all()
    notice = item.notice
    assert (alert.status, alert.decided_by, alert.notice_id) == (AlertStatus.CONFIRMED, w.staff, notice.pk)
    assert alert.decided_at is not None and decision.receipt.notice == notice
    assert (notice.channel, notice.filed_by, notice.filer_organisation, notice.rights_holder) == (
        Channel.WEB,
        w.staff,
        w.holder.organisation,
        w.holder,
    )
    assert notice.filer_name == NOTICE_DATA["filer_name"] and notice.signature == NOTICE_DATA["signature"]
    assert (item.listing, item.ip_asset, item.infringement_type) == (
        w.listings[0],
        w.asset,
        InfringementType.COUNTERFEIT,
    )
    assert item.status != ItemStatus.INVALID
    assert item.screening_reference == str(w.alert.result.public_id)
    # The explanation the merchant reads quotes what screening found.
    for line in ('"N0rthw1nd"', "4 bits of 64", "12% of the reference price", "the store opened 3 days ago"):
        assert line in item.explanation
    assert "score 0.72" in item.explanation
    entry = AuditLogEntry.objects.get(action="screening.alert.confirmed")
    assert (entry.actor, entry.object_id, entry.organisation_id) == (w.staff, str(alert.pk), w.holder.organisation_id)
    assert entry.data["notice"] == notice.pk and entry.data["item"] == item.pk and entry.data["channel"] == "web"
    assert ("screening_alert_decision", [alert.pk]) in announced


def test_confirming_twice_files_once_and_the_second_is_a_conflict_naming_the_status(w):
    _confirm(w)
    with pytest.raises(TransitionError) as refused:
        _confirm(w)
    assert refused.value.code == "alert_not_open" and refused.value.current_status == AlertStatus.CONFIRMED
    assert "confirmed already" in str(refused.value)
    assert Notice.objects.count() == 1 and NoticeItem.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="screening.alert.confirmed").count() == 1


def test_the_filer_may_change_the_type_and_the_explanation_and_files_over_the_api_channel(w):
    _confirm(w, channel=Channel.API, infringement_type="trademark_misuse", explanation="Our logo on fake boxes.")
    item = NoticeItem.objects.get()
    assert (item.infringement_type, item.explanation, item.notice.channel) == (
        "trademark_misuse",
        "Our logo on fake boxes.",
        Channel.API,
    )


def test_an_agent_with_a_letter_confirms_as_the_agent_firm(w):
    _confirm(w, actor=w.lawyer, acting_organisation=w.agent)
    notice = Notice.objects.get()
    assert (notice.filer_organisation, notice.rights_holder) == (w.agent, w.holder)


@pytest.mark.parametrize("who", ["other_brand", "agent_without_letter", "agent_for_itself_as_brand"])
def test_someone_who_does_not_act_for_the_brand_may_not_confirm_or_dismiss(w, who):
    if who == "other_brand":
        actor, organisation = w.other_staff, w.other.organisation
    elif who == "agent_without_letter":
        firm = factories.OrganisationFactory(kind="agent", name="No Letter LLP")
        actor, organisation = factories.member_of(firm), firm
    else:  # a lawyer naming the brand's organisation, which they do not belong to
        actor, organisation = w.lawyer, w.holder.organisation
    with pytest.raises(PermissionDenied):
        _confirm(w, actor=actor, acting_organisation=organisation)
    with pytest.raises(PermissionDenied):
        alert_dismiss(alert_id=w.alert.pk, actor=actor, reason="genuine_goods", acting_organisation=organisation)
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN
    assert not Notice.objects.exists()


def test_missing_declarations_refuse_the_confirmation_and_keep_nothing(w):
    data = dict(NOTICE_DATA, authority_statement=False, filer_phone="")
    with pytest.raises(ValidationError) as refused:
        _confirm(w, data=data)
    assert set(refused.value.message_dict) == {"authority_statement", "filer_phone"}
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN
    assert not Notice.objects.exists() and not AuditLogEntry.objects.filter(action__startswith="screening.").exists()


def test_an_asset_no_longer_verified_refuses_with_a_conflict_and_keeps_no_invalid_notice(w):
    w.asset.verification_status = "rejected"
    w.asset.save(update_fields=["verification_status"])
    with pytest.raises(TransitionError) as refused:
        _confirm(w)
    assert refused.value.code == "asset_not_verified"
    assert not Notice.objects.exists() and not NoticeItem.objects.exists()
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN


def _open_complaint(w):
    from tests.takedowns.conftest import draft, file_notice

    (open_item,) = file_notice(w.staff, w.holder, [draft(w.listings[0], w.asset)]).accepted
    return open_item


def test_confirming_a_listing_under_the_brands_open_notice_closes_the_alert_as_already_filed(w, announced):
    open_item = _open_complaint(w)
    decision = _confirm(w, actor=w.lawyer, acting_organisation=w.agent)

    alert = ScreeningAlert.objects.get(pk=w.alert.pk)
    assert decision.already_filed and decision.open_item == open_item and decision.receipt is None
    assert (alert.status, alert.notice_id, alert.decided_by) == (
        AlertStatus.ALREADY_FILED,
        open_item.notice_id,
        w.lawyer,
    )
    assert alert.decided_at is not None
    # No second notice, not even an invalid one.
    assert list(NoticeItem.objects.all()) == [open_item] and Notice.objects.count() == 1
    entry = AuditLogEntry.objects.get(action="screening.alert.already_filed")
    assert (entry.actor, entry.object_id, entry.organisation_id) == (w.lawyer, str(alert.pk), w.holder.organisation_id)
    assert entry.data == {
        "notice": open_item.notice_id,
        "item": open_item.pk,
        "channel": "web",
        "acting_organisation": w.agent.pk,
    }
    assert not AuditLogEntry.objects.filter(action="screening.alert.confirmed").exists()
    assert announced == [("screening_alert_decision", [alert.pk])]
    with pytest.raises(TransitionError) as refused:
        _confirm(w)
    assert refused.value.code == "alert_not_open" and refused.value.current_status == AlertStatus.ALREADY_FILED
    assert "open notice" in str(refused.value)


def test_an_item_another_filing_opens_after_the_check_also_closes_the_alert_and_keeps_no_invalid_item(w, monkeypatch):
    # The filing's own duplicate (an item opened between the verb's check and its filing) ends as the check would.
    open_item = _open_complaint(w)
    checks = []
    real_check = screening.alerts.alert_open_item

    def check_missing_it_once(alert):
        checks.append(alert.pk)
        return None if len(checks) == 1 else real_check(alert)

    monkeypatch.setattr(screening.alerts, "alert_open_item", check_missing_it_once)
    decision = _confirm(w)
    assert len(checks) == 2 and decision.already_filed
    assert ScreeningAlert.objects.get(pk=w.alert.pk).notice_id == open_item.notice_id
    assert list(NoticeItem.objects.all()) == [open_item] and Notice.objects.count() == 1


def test_an_open_complaint_for_another_asset_of_the_brand_does_not_stop_the_confirmation(w):
    from tests.takedowns.conftest import draft, file_notice

    other_asset = factories.IPAssetFactory(rights_holder=w.holder, name="NORTHWIND RUNNER")
    file_notice(w.staff, w.holder, [draft(w.listings[0], other_asset)])
    decision = _confirm(w)
    assert not decision.already_filed
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.CONFIRMED
    assert NoticeItem.objects.exclude(status=ItemStatus.INVALID).count() == 2


def test_closing_as_already_filed_needs_the_open_notice_and_someone_acting_for_the_brand(w):
    with pytest.raises(TransitionError) as refused:
        alert_close_already_filed(alert_id=w.alert.pk, actor=w.staff)
    assert refused.value.code == "no_open_notice" and "prepare a notice" in str(refused.value)
    open_item = _open_complaint(w)
    with pytest.raises(PermissionDenied):
        alert_close_already_filed(alert_id=w.alert.pk, actor=w.other_staff)
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN
    decision = alert_close_already_filed(alert_id=w.alert.pk, actor=w.staff)
    assert (decision.alert.status, decision.alert.notice_id) == (AlertStatus.ALREADY_FILED, open_item.notice_id)
    assert AuditLogEntry.objects.filter(action="screening.alert.already_filed").count() == 1
    with pytest.raises(TransitionError) as again:
        alert_close_already_filed(alert_id=w.alert.pk, actor=w.staff)
    assert again.value.code == "alert_not_open"


def test_an_explanation_with_control_characters_is_bad_input(w):
    with pytest.raises(InvalidInput) as refused:
        _confirm(w, explanation="Fake\x00 logo")
    assert refused.value.code == "explanation_invalid"
    assert not Notice.objects.exists()


def test_dismissing_keeps_the_reason_and_note_audited_and_announced(w, announced):
    alert_dismiss(alert_id=w.alert.pk, actor=w.lawyer, reason=DismissalReason.GENUINE_GOODS, note="  Bought one.  ")
    alert = ScreeningAlert.objects.get(pk=w.alert.pk)
    assert (alert.status, alert.dismissal_reason, alert.dismissal_note, alert.decided_by) == (
        AlertStatus.DISMISSED,
        "genuine_goods",
        "Bought one.",
        w.lawyer,
    )
    entry = AuditLogEntry.objects.get(action="screening.alert.dismissed")
    assert entry.data == {"reason": "genuine_goods", "note": "Bought one.", "acting_organisation": w.agent.pk}
    assert announced == [("screening_alert_decision", [alert.pk])]
    with pytest.raises(TransitionError) as refused:
        alert_dismiss(alert_id=alert.pk, actor=w.staff, reason="other", note="again")
    assert refused.value.current_status == AlertStatus.DISMISSED
    with pytest.raises(TransitionError):
        _confirm(w)
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("reason", "note", "code"),
    [
        ("", "", "reason_required"),
        (None, "", "reason_required"),
        ("bored", "", "reason_invalid"),
        ("other", "", "note_required"),
        ("other", "   ", "note_required"),
        ("other", "bad\x07bell", "note_invalid"),
        ("genuine_goods", "x" * 10_001, "note_invalid"),
    ],
)
def test_a_dismissal_needs_a_known_reason_and_for_other_a_note(w, reason, note, code):
    with pytest.raises(InvalidInput) as refused:
        alert_dismiss(alert_id=w.alert.pk, actor=w.staff, reason=reason, note=note)
    assert refused.value.code == code
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN


def test_the_evidence_is_shown_in_plain_words(w):
    rows = signals_shown(w.alert.result.signals)
    assert [row.label for row in rows] == [
        "Brand named",
        "Brand in an image's text",
        "Image match",
        "Price",
        "Merchant",
    ]
    assert any("NORTHWIND ORIGINAL QUALITY" in note for note in rows[1].notes)
    assert rows[2].notes == (
        "4 of 64 bits differ from the brand's reference image (0 is the same picture; a resized or recompressed "
        "copy stays within 10).",
    )
    assert signals_shown([None, {"kind": "new_kind", "evidence": "x\x00y"}])[0].label == "New kind"


@pytest.mark.django_db(transaction=True)
def test_two_people_confirming_at_once_file_one_notice(db):
    needs_postgres()
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    w = alert_world()
    second = factories.member_of(w.holder.organisation)
    barrier = threading.Barrier(2, timeout=120)
    outcomes = []

    def confirm(actor):
        try:
            barrier.wait()
            alert_confirm(
                alert_id=w.alert.pk, actor=actor, data=dict(NOTICE_DATA), acting_organisation=w.holder.organisation
            )
            outcomes.append("filed")
        except TransitionError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(actor,), daemon=True) for actor in (w.staff, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
        assert not thread.is_alive()
    assert sorted(outcomes) == ["alert_not_open", "filed"]
    assert Notice.objects.count() == 1 and NoticeItem.objects.count() == 1
    assert ScreeningAlert.objects.get(pk=w.alert.pk).notice == Notice.objects.get()


def test_a_refusal_raised_under_one_language_reads_in_the_language_it_is_shown_in(w):
    """A refusal is made once and read where it is shown: raised while English is active (the API, a worker),
    read on a Chinese page in Chinese, and the other way round."""
    from django.utils import translation

    alert_dismiss(alert_id=w.alert.pk, actor=w.staff, reason=DismissalReason.GENUINE_GOODS)
    with translation.override("en"), pytest.raises(TransitionError) as closed:
        alert_dismiss(alert_id=w.alert.pk, actor=w.staff, reason="other", note="again")
    with translation.override("zh-hans"):
        assert str(closed.value) == "此预警已被忽略；现在无法忽略。"
    with translation.override("en"):
        assert str(closed.value) == "This alert was dismissed already; it cannot be dismissed now."

    with translation.override("zh-hans"), pytest.raises(InvalidInput) as note:
        alert_dismiss(alert_id=w.alert.pk, actor=w.staff, reason="other", note="bad\x07bell")
    with translation.override("en"):
        assert str(note.value) == (
            "The note: Remove the invisible character U+0007 (control character) from this text; it cannot be stored."
        )
    with translation.override("zh-hans"):
        assert str(note.value) == "备注：请从此文本中删除不可见字符 U+0007（控制字符）；该字符无法保存。"


def test_the_engines_problem_with_the_alerts_line_reads_in_the_readers_language(w):
    from django.utils import translation

    w.asset.verification_status = "rejected"
    w.asset.save(update_fields=["verification_status"])
    with translation.override("en"), pytest.raises(TransitionError) as refused:
        _confirm(w)
    with translation.override("en"):
        assert str(refused.value) == (
            f"The IP asset “{w.asset.name}” is rejected; only verified assets can back a notice."
        )
    with translation.override("zh-hans"):
        assert str(refused.value).startswith(f"知识产权资产“{w.asset.name}”的状态为")
        assert str(refused.value).endswith("；只有已验证的知识产权才能作为投诉依据。")
