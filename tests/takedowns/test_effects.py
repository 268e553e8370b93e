"""Effects that fail: counted, backed off, given up as a visible dead letter, retried exactly once.

The penalty handler is made to fail a given number of times (a ledger outage);
everything else is the real lifecycle, the real runner and the real sweeper re-send.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from portal.models import AuditLogEntry
from takedowns import effects, lifecycle, penalties
from takedowns.effects import effect_retry, effect_retry_delay, effects_resend_stale, item_effects_run
from takedowns.models import Effect, EffectKind, EffectStatus, Penalty
from takedowns.notices import notice_submit
from tests.lists import list_queries_constant
from tests.takedowns.conftest import NOTICE_DATA, draft

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ERROR = "ConnectionError: the penalty ledger is unreachable"


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.TAKEDOWN_EFFECT_RETRY_BASE_SECONDS = 60
    settings.TAKEDOWN_EFFECT_RETRY_MAX_SECONDS = 600
    settings.TAKEDOWN_EFFECT_MAX_ATTEMPTS = 6
    settings.TAKEDOWN_EFFECT_RESEND_SECONDS = 300
    return settings


class FlakyPenalty:
    """Fails ``failures`` times, then does the real penalty's work (the handler takes a batch of effects)."""

    def __init__(self, failures):
        self.failures = failures
        self.calls = 0
        self.real = penalties.effects_penalise

    def __call__(self, effects):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("the penalty ledger is unreachable")
        return self.real(effects)


@pytest.fixture
def flaky(monkeypatch):
    def make(failures):
        handler = FlakyPenalty(failures)
        # effects.PHASES names the handler by path: the runner finds this one.
        monkeypatch.setattr(penalties, "effects_penalise", handler)
        return handler

    return make


@pytest.fixture
def upheld(owner_a, brand_a, asset_a, listing, reviewer):
    """An item upheld at START whose effects have not run yet."""
    with time_machine.travel(START - timedelta(hours=73), tick=False):
        receipt = notice_submit(
            actor=owner_a,
            rights_holder=brand_a,
            acting_organisation=brand_a.organisation,
            data=dict(NOTICE_DATA),
            drafts=[draft(listing, asset_a)],
        )
        (item,) = receipt.accepted
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    with time_machine.travel(START, tick=False):
        assert lifecycle.notice_item_uphold_by_default(item_id=item.pk)
    return item


def penalise_effect(item):
    return Effect.objects.get(item=item, kind=EffectKind.PENALISE)


def fail_to_dead_letter(item, flaky_handler):
    """Run at every due time until the effect gives up. Returns the times it ran."""
    at = START
    times = []
    while penalise_effect(item).status == EffectStatus.PENDING:
        with time_machine.travel(at, tick=False):
            item_effects_run(item.pk)
        times.append(at)
        at = penalise_effect(item).next_attempt_at or at
    return times


def test_backoff_doubles_from_the_base_up_to_the_cap(settings):
    assert [effect_retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]
    settings.TAKEDOWN_EFFECT_RETRY_MAX_SECONDS = 10**9
    assert effect_retry_delay(500).total_seconds() == 10**9  # no overflow however many attempts


def test_failed_attempt_is_counted_and_waits_before_the_next(upheld, flaky):
    handler = flaky(failures=10)
    with time_machine.travel(START, tick=False):
        item_effects_run(upheld.pk)
    effect = penalise_effect(upheld)
    assert (effect.status, effect.attempts, effect.last_error) == (EffectStatus.PENDING, 1, ERROR)
    assert effect.next_attempt_at == START + timedelta(seconds=60)
    # The other effects of the item (listing, reimbursement, notifications) do not wait for it.
    others = Effect.objects.filter(item=upheld).exclude(kind=EffectKind.PENALISE)
    assert {EffectKind.DELIST, EffectKind.REIMBURSE, EffectKind.NOTIFY} <= set(others.values_list("kind", flat=True))
    assert set(others.values_list("status", flat=True)) == {EffectStatus.DONE}

    # Before its time nothing runs it, however often the item's task comes.
    with time_machine.travel(START + timedelta(seconds=59), tick=False):
        assert item_effects_run(upheld.pk) == 0
        assert effects.effect_run(effect.pk) is False
    assert handler.calls == 1

    with time_machine.travel(START + timedelta(seconds=60), tick=False):
        item_effects_run(upheld.pk)
    effect.refresh_from_db()
    assert handler.calls == 2
    assert (effect.attempts, effect.next_attempt_at) == (2, START + timedelta(seconds=60 + 120))


def test_effect_gives_up_after_the_limit_with_its_last_error(upheld, flaky):
    handler = flaky(failures=100)
    times = fail_to_dead_letter(upheld, handler)
    waits = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert waits == [60, 120, 240, 480, 600]
    effect = penalise_effect(upheld)
    assert (effect.status, effect.attempts, effect.last_error) == (EffectStatus.FAILED, 6, ERROR)
    assert effect.failed_at == times[-1] and effect.next_attempt_at is None
    assert handler.calls == 6
    entry = AuditLogEntry.objects.get(action="takedowns.effect.failed")
    assert entry.object_id == str(effect.pk) and entry.data["attempts"] == 6 and entry.data["error"] == ERROR

    # A dead letter stays put: no re-send, no run, until someone retries it.
    much_later = times[-1] + timedelta(days=30)
    with time_machine.travel(much_later, tick=False):
        assert effects_resend_stale() == 0
        assert item_effects_run(upheld.pk) == 0
    assert handler.calls == 6
    assert not Penalty.objects.exists()


def test_effect_that_succeeds_after_failures_is_done_once(upheld, flaky):
    handler = flaky(failures=2)
    fail_to_dead_letter(upheld, handler)
    effect = penalise_effect(upheld)
    assert (effect.status, effect.attempts, effect.last_error, effect.next_attempt_at) == (
        EffectStatus.DONE,
        3,
        "",
        None,
    )
    assert Penalty.objects.filter(item=upheld).count() == 1
    assert effects.effect_run(effect.pk) is False
    assert handler.calls == 3


def _claimed_by_a_worker_that_died(effect, at):
    """What a worker SIGKILLed in the handler leaves: its committed claim, the handler's work rolled back.

    A real kill is ``test_effect_worker_kill.py``; here the row is put in the state it leaves.
    """
    Effect.objects.filter(pk=effect.pk).update(claimed_at=at)


def test_an_effect_run_claims_it_first_and_clears_the_claim_when_done(upheld):
    with time_machine.travel(START, tick=False):
        item_effects_run(upheld.pk)
    effect = penalise_effect(upheld)
    assert (effect.status, effect.attempts, effect.claimed_at) == (EffectStatus.DONE, 1, None)


def test_a_claim_left_by_a_dead_worker_counts_as_a_failed_attempt_and_backs_off(upheld, flaky, settings):
    settings.TAKEDOWN_EFFECT_CLAIM_SECONDS = 60
    handler = flaky(failures=0)
    effect = penalise_effect(upheld)
    _claimed_by_a_worker_that_died(effect, START)
    # While the claim is young its worker may be about to lock the row: it is left alone.
    with time_machine.travel(START + timedelta(seconds=59), tick=False):
        assert effects.effect_run(effect.pk) is False
    effect.refresh_from_db()
    assert (effect.attempts, effect.claimed_at) == (0, START)
    # Older, on a row nobody holds: that worker died mid-effect. The attempt counts; the effect waits.
    picked_up = START + timedelta(seconds=61)
    with time_machine.travel(picked_up, tick=False):
        assert effects.effect_run(effect.pk) is False
    effect.refresh_from_db()
    assert (effect.status, effect.attempts, effect.claimed_at) == (EffectStatus.PENDING, 1, None)
    assert effect.last_error.startswith("WorkerLost:")
    assert effect.next_attempt_at == picked_up + timedelta(seconds=60)
    assert handler.calls == 0
    # After its back-off it runs as usual, once.
    with time_machine.travel(effect.next_attempt_at, tick=False):
        assert effects.effect_run(effect.pk) is True
    effect.refresh_from_db()
    assert (effect.status, effect.attempts, handler.calls) == (EffectStatus.DONE, 2, 1)
    assert Penalty.objects.filter(item=upheld).count() == 1


def test_an_effect_that_kills_every_worker_ends_as_a_dead_letter(upheld, flaky, settings):
    settings.TAKEDOWN_EFFECT_CLAIM_SECONDS = 60
    handler = flaky(failures=0)
    effect = penalise_effect(upheld)
    at = START
    for _ in range(settings.TAKEDOWN_EFFECT_MAX_ATTEMPTS):
        _claimed_by_a_worker_that_died(effect, at)
        at += timedelta(seconds=61)
        with time_machine.travel(at, tick=False):
            assert effects.effect_run(effect.pk) is False
        effect.refresh_from_db()
        at = effect.next_attempt_at or at
    assert (effect.status, effect.attempts) == (EffectStatus.FAILED, settings.TAKEDOWN_EFFECT_MAX_ATTEMPTS)
    assert effect.last_error.startswith("WorkerLost:") and effect.claimed_at is None
    assert AuditLogEntry.objects.filter(action="takedowns.effect.failed", object_id=str(effect.pk)).exists()
    assert handler.calls == 0


def test_a_failed_attempt_clears_its_claim(upheld, flaky):
    flaky(failures=1)
    with time_machine.travel(START, tick=False):
        item_effects_run(upheld.pk)
    effect = penalise_effect(upheld)
    assert (effect.attempts, effect.claimed_at, effect.last_error) == (1, None, ERROR)


def test_stale_resend_skips_backed_off_rows_and_sends_them_when_their_time_comes(upheld, flaky, monkeypatch):
    handler = flaky(failures=1)
    with time_machine.travel(START, tick=False):
        item_effects_run(upheld.pk)
    due = penalise_effect(upheld).next_attempt_at

    sent = []
    real_dispatch = effects.effects_dispatch
    monkeypatch.setattr(
        effects, "effects_dispatch", lambda item_ids: sent.append(list(item_ids)) or real_dispatch(item_ids)
    )
    with time_machine.travel(due - timedelta(seconds=1), tick=False):
        assert effects_resend_stale() == 0
    # Long past the lost-message delay of its creation, but still backing off: not sent.
    assert sent == [[]]
    with time_machine.travel(due, tick=False):
        assert effects_resend_stale() == 1  # the task runs in-process here
    assert sent[-1] == [upheld.pk]
    effect = penalise_effect(upheld)
    assert (effect.status, effect.attempts) == (EffectStatus.DONE, 2)
    assert handler.calls == 2
    # Sent and done: the next sweeps send nothing.
    with time_machine.travel(due + timedelta(hours=1), tick=False):
        assert effects_resend_stale() == 0


def test_retry_requeues_a_dead_letter_and_it_runs_exactly_once(upheld, flaky, reviewer):
    handler = flaky(failures=6)
    fail_to_dead_letter(upheld, handler)
    effect = penalise_effect(upheld)
    assert effect.status == EffectStatus.FAILED

    later = effect.failed_at + timedelta(hours=2)
    with time_machine.travel(later, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        assert effect_retry(effect_id=effect.pk, actor=reviewer) is True
    effect.refresh_from_db()
    assert (effect.status, effect.attempts, effect.failed_at) == (EffectStatus.DONE, 7, None)
    assert handler.calls == 7
    assert Penalty.objects.filter(item=upheld).count() == 1
    entry = AuditLogEntry.objects.get(action="takedowns.effect.retried")
    assert (entry.actor, entry.object_id, entry.data["error"]) == (reviewer, str(effect.pk), ERROR)

    # A second retry, a re-sent task and the sweeper change nothing.
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        assert effect_retry(effect_id=effect.pk, actor=reviewer) is False
        item_effects_run(upheld.pk)
        assert effects_resend_stale() == 0
    assert handler.calls == 7
    assert Penalty.objects.filter(item=upheld).count() == 1
    assert AuditLogEntry.objects.filter(action="takedowns.effect.retried").count() == 1


def test_retry_that_fails_again_is_one_attempt_not_a_new_series(upheld, flaky, reviewer):
    handler = flaky(failures=100)
    fail_to_dead_letter(upheld, handler)
    effect = penalise_effect(upheld)
    later = effect.failed_at + timedelta(hours=1)
    with time_machine.travel(later, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        assert effect_retry(effect_id=effect.pk, actor=reviewer) is True
    effect.refresh_from_db()
    assert (effect.status, effect.attempts, handler.calls) == (EffectStatus.FAILED, 7, 7)


def test_only_platform_staff_retry(upheld, flaky, owner_a, merchant_user):
    fail_to_dead_letter(upheld, flaky(failures=100))
    effect = penalise_effect(upheld)
    for outsider in (owner_a, merchant_user):
        with pytest.raises(PermissionDenied):
            effect_retry(effect_id=effect.pk, actor=outsider)
    effect.refresh_from_db()
    assert effect.status == EffectStatus.FAILED
    assert not AuditLogEntry.objects.filter(action="takedowns.effect.retried").exists()


# --- What staff see ----------------------------------------------------------------------


@pytest.fixture
def dead_letter(upheld, flaky):
    handler = flaky(failures=6)
    fail_to_dead_letter(upheld, handler)
    effect = penalise_effect(upheld)
    assert effect.status == EffectStatus.FAILED
    return effect


def test_staff_page_lists_failed_effects_with_their_error_and_retries_by_post(client, reviewer, dead_letter):
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:effects-failed"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "1 failed" in body and ERROR in body and f'id="effect-{dead_letter.pk}"' in body
    retry_url = reverse("takedowns:effect-retry", args=[dead_letter.pk])
    assert f'action="{retry_url}"' in body

    queue = client.get(reverse("takedowns:review-queue")).content.decode()
    assert "1 failed effect" in queue

    assert client.get(retry_url).status_code == 405  # a retry is a POST
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(retry_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("takedowns:effects-failed")
    assert f"Effect {dead_letter.pk} is sent again" in response.content.decode()
    dead_letter.refresh_from_db()
    assert dead_letter.status == EffectStatus.DONE
    assert "No effect has failed." in response.content.decode()

    again = client.post(retry_url, follow=True)
    assert "is not failed any more" in again.content.decode()
    assert AuditLogEntry.objects.filter(action="takedowns.effect.retried", actor=reviewer).count() == 1


def test_staff_page_and_retry_are_404_for_everyone_else(client, owner_a, merchant_user, dead_letter):
    retry_url = reverse("takedowns:effect-retry", args=[dead_letter.pk])
    for user in (owner_a, merchant_user):
        client.force_login(user)
        assert client.get(reverse("takedowns:effects-failed")).status_code == 404
        assert client.post(retry_url).status_code == 404
    client.logout()
    assert client.post(retry_url).status_code == 302  # to the login page
    dead_letter.refresh_from_db()
    assert dead_letter.status == EffectStatus.FAILED


def test_admin_filters_failed_effects_and_retries_them_through_the_service(admin_client, admin_user, dead_letter):
    changelist = reverse("admin:takedowns_effect_changelist")
    failed = admin_client.get(changelist, {"retrying": "failed"})
    assert [e.pk for e in failed.context["cl"].result_list] == [dead_letter.pk]
    assert ERROR in failed.content.decode()
    by_status = admin_client.get(changelist, {"status": EffectStatus.FAILED})
    assert [e.pk for e in by_status.context["cl"].result_list] == [dead_letter.pk]
    done = Effect.objects.filter(status=EffectStatus.DONE).first()

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "retry", "_selected_action": [dead_letter.pk, done.pk]}, follow=True
        )
    body = response.content.decode()
    assert "1 effect(s) sent again." in body and "1 selected effect(s) were not failed" in body
    dead_letter.refresh_from_db()
    assert dead_letter.status == EffectStatus.DONE
    assert Penalty.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="takedowns.effect.retried", actor=admin_user).count() == 1


def test_health_warns_staff_of_failed_effects_and_tells_the_public_nothing(client, reviewer, upheld, flaky):
    client.force_login(reviewer)
    calm = client.get("/health/").json()
    assert calm["status"] == "ok"
    assert calm["checks"]["effects"] | {"ms": 0} == {"ok": True, "ms": 0, "failed": 0, "retrying": 0}

    handler = flaky(failures=100)
    with time_machine.travel(START, tick=False):
        item_effects_run(upheld.pk)
    retrying = client.get("/health/").json()
    assert retrying["status"] == "ok" and retrying["checks"]["effects"]["retrying"] == 1  # backing off is normal

    fail_to_dead_letter(upheld, handler)
    response = client.get("/health/")
    assert response.status_code == 200  # a warning keeps the instance in the load balancer
    body = response.json()
    assert body["status"] == "warning"
    assert body["checks"]["effects"]["failed"] == 1 and "1 effect(s) failed" in body["checks"]["effects"]["warning"]

    client.logout()
    public = client.get("/health/").json()
    assert public["status"] == "ok" and "effects" not in public["checks"]


def _failed_effects_make(item, n, *, kind=EffectKind.NOTIFY):
    start = Effect.objects.filter(item=item, kind=kind).count()
    now = datetime.now(UTC)
    Effect.objects.bulk_create(
        Effect(
            item=item,
            kind=kind,
            key=f"list-{start + i}",
            status=EffectStatus.FAILED,
            attempts=6,
            last_error="SMTP refused",
            failed_at=now - timedelta(seconds=start + i),
        )
        for i in range(n)
    )


def test_the_failed_effects_page_costs_the_same_queries_for_10_or_500(client, reviewer, upheld):
    client.force_login(reviewer)
    list_queries_constant(client, reverse("takedowns:effects-failed"), lambda n: _failed_effects_make(upheld, n))
    body = client.get(reverse("takedowns:effects-failed")).content.decode()
    assert "500 failed" in body and "page=2" in body


def test_the_failed_effects_page_filters_by_kind_and_sorts_by_attempts(client, reviewer, upheld):
    _failed_effects_make(upheld, 3)
    _failed_effects_make(upheld, 2, kind=EffectKind.REIMBURSE)
    Effect.objects.filter(kind=EffectKind.REIMBURSE).update(attempts=9)
    client.force_login(reviewer)
    url = reverse("takedowns:effects-failed")
    listing = client.get(url, {"kind": EffectKind.REIMBURSE}).context["listing"]
    assert listing.count == 2 and {e.kind for e in listing.object_list} == {EffectKind.REIMBURSE}
    listing = client.get(url, {"sort": "-attempts"}).context["listing"]
    assert [e.attempts for e in listing.object_list] == [9, 9, 6, 6, 6]
    refused = client.get(url, {"item": "not a number"})
    assert refused.status_code == 200 and "Enter a number" in refused.content.decode()
