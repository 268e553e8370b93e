import hashlib
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Min
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import api_key_revoke
from api.models import ApiKey
from demo.good_faith import DEMO_GOOD_FAITH_EMAILS, MEMBER, MISUSER, NEAR, SMALL
from demo.lifecycle import DECLARATIONS, DEMO_FILER_EMAILS
from demo.screening import SHOWCASE_STORE
from demo.world_data import COUNTERFEIT_PITCH, DEMO_PASSWORD
from good_faith.misuse import measure_in_force
from good_faith.models import (
    Membership,
    MembershipChange,
    MembershipStatus,
    MisuseMeasure,
    MisuseMeasureKind,
    QualityAudit,
    QualityAuditStatus,
)
from good_faith.selectors import membership_active_for
from listings.categories import category_banned
from listings.models import Listing, ListingImage, ListingStatus, Merchant, Order, Store, StoreStatus
from portal import public_ids
from portal.models import AuditLogEntry, LetterOfAuthorisation, Organisation, User
from rights_holders.models import (
    AuthorisedStore,
    IPAsset,
    Partner,
    ReferenceImage,
    RightsHolder,
    VerificationStatus,
)
from takedowns.lifecycle import ALLOWED_MOVES
from takedowns.models import (
    Appeal,
    AppealStatus,
    CounterNotice,
    Effect,
    EffectStatus,
    FilingSuspension,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    Notification,
    Penalty,
    PublicRegisterEntry,
    StatementOfReasons,
    Track,
)
from takedowns.notices import ItemDraft, filing_suspension_of, notice_submit

MODELS = [
    ApiKey,
    User,
    Organisation,
    RightsHolder,
    IPAsset,
    ReferenceImage,
    ListingImage,
    Listing,
    Order,
    Store,
    Merchant,
    LetterOfAuthorisation,
    AuthorisedStore,
    Partner,
    Notice,
    NoticeItem,
    ItemEvent,
    CounterNotice,
    Appeal,
    StatementOfReasons,
    Effect,
    Penalty,
    Notification,
    Membership,
    MembershipChange,
    MisuseMeasure,
    FilingSuspension,
    QualityAudit,
]

DEMO_USERS = [
    "demo-brand-owner",
    "demo-brand-staff",
    "demo-agent",
    "demo-merchant",
    "demo-partner",
    "demo-marketplace",
    "demo-near-member",
    "demo-misuser",
    "demo-reviewer",
    "demo-senior-reviewer",
    "demo-admin",
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def _demo_keys(output):
    """The demo API keys a run printed, each after its label."""
    return re.findall(r"demo API key: (tdp_\S+)", output)


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_believable(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    assert all(count > 0 for count in first.values()), first
    assert first["Listing"] >= 3000
    # None is in a category the marketplace bans (the default LISTING_BANNED_CATEGORIES): the ingest would refuse it.
    categories = set(Listing.objects.values_list("category", flat=True))
    assert len(categories) > 5 and [c for c in categories if category_banned(c)] == []
    # Every store opened before its first listing (screening reads its age): most years ago, the counterfeit
    # stores months ago, and one new store, the showcase's, days ago.
    now = timezone.now()
    stores = Store.objects.annotate(first_listed=Min("listings__created_at"))
    assert all(store.created_at <= store.first_listed for store in stores)
    ages = {store.name: (now - store.created_at).days for store in stores}
    assert [name for name, days in ages.items() if days < 30] == [SHOWCASE_STORE]
    assert sum(days > 365 for days in ages.values()) > len(ages) / 2
    assert DEMO_PASSWORD in out.getvalue()
    assert "demo-reviewer" in out.getvalue()

    keys = _demo_keys(out.getvalue())
    assert len(keys) == 5 and "Demo API keys (created)" in out.getvalue()

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert _counts() == first
    assert "Demo notices (already there, nothing new)" in again.getvalue()
    assert "Good Faith demo (already there, nothing new)" in again.getvalue()
    # The same published keys every run, none created twice.
    assert "Demo API keys (already there, nothing new)" in again.getvalue()
    assert _demo_keys(again.getvalue()) == keys
    # The keys' principal users are no people: the report counts persons only.
    assert re.search(rf"^Users\s+{User.objects.people().count()}$", again.getvalue(), re.MULTILINE)
    assert User.objects.count() == User.objects.people().count() + 5

    # Some listings plainly infringe: a brand name at a fraction of the reference price.
    infringing = 0
    for asset in IPAsset.objects.filter(verification_status=VerificationStatus.VERIFIED, reference_price__isnull=False):
        word = asset.rights_holder.legal_name.split()[0]
        ceiling = asset.reference_price * Decimal("0.15")
        infringing += Listing.objects.filter(title__icontains=word, price__lte=ceiling).count()
    assert infringing > 0

    assert IPAsset.objects.filter(verification_status=VerificationStatus.PENDING).exists()
    assert (
        IPAsset.objects.filter(verification_status=VerificationStatus.REJECTED).exclude(verification_reason="").exists()
    )
    assert Partner.objects.filter(approved_for_vetting=True, vetted_rights_holders__isnull=False).exists()
    assert all(
        image.width > 0 and image.image.read(8) == b"\x89PNG\r\n\x1a\n" for image in ReferenceImage.objects.all()
    )
    # A few listings have photos, sent through the one service (listings.images): validated, hashed, audited.
    photos = list(ListingImage.objects.all())
    assert len(photos) == 9 and len({photo.listing_id for photo in photos}) == 6
    assert all(photo.content_hash == hashlib.sha256(photo.image.read()).hexdigest() for photo in photos)
    assert AuditLogEntry.objects.filter(action="listings.listing.images_added").count() == 6

    request = RequestFactory().post("/accounts/login/")
    for username in DEMO_USERS:
        assert client.login(request=request, username=username, password=DEMO_PASSWORD), username
        client.logout()

    reviewer = User.objects.get(username="demo-reviewer")
    assert reviewer.groups.filter(name="reviewer").exists()
    assert reviewer.is_staff
    assert User.objects.get(username="demo-senior-reviewer").groups.filter(name="senior_reviewer").exists()
    admin = User.objects.get(username="demo-admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name=Group.objects.get(name="platform_admin").name).exists()


@pytest.mark.django_db
def test_seed_demo_lifecycle_has_every_state_made_by_the_domain_functions(tmp_path):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    now = timezone.now()
    assert "Demo notices (created)" in out.getvalue()
    assert "Awaiting counter-notice" in out.getvalue()
    items = NoticeItem.objects.filter(notice__filer_email__in=DEMO_FILER_EMAILS).select_related("notice")
    statuses = set(items.values_list("status", flat=True))
    # Submitted is transient: filing routes every valid item at once.
    assert statuses == set(ItemStatus) - {ItemStatus.SUBMITTED}

    awaiting = items.filter(status=ItemStatus.AWAITING_COUNTER_NOTICE)
    assert {Track.STANDARD, Track.FAST} <= set(awaiting.values_list("track", flat=True))
    assert awaiting.filter(track=Track.FAST, notice__partner__approved_for_vetting=True).exists()
    upheld_events = ItemEvent.objects.filter(item__in=items, to_status=ItemStatus.UPHELD)
    assert upheld_events.filter(action="upheld_no_counter_notice", actor=None).exists()
    assert upheld_events.filter(action="upheld", actor__username="demo-reviewer").exists()
    assert items.filter(status=ItemStatus.PENDING_REVIEW, authorised_store_flag=True).exists()

    # Appeals: one reversed (penalty removed, listing back), one confirmed, one open.
    appeals = {a.status: a for a in Appeal.objects.filter(item__in=items).select_related("item")}
    assert set(appeals) == {AppealStatus.OPEN, AppealStatus.CONFIRMED, AppealStatus.REVERSED}
    reversed_item = appeals[AppealStatus.REVERSED].item
    assert reversed_item.status == ItemStatus.DISMISSED
    assert Penalty.objects.filter(item=reversed_item).exclude(reversed_at=None).exists()
    assert appeals[AppealStatus.CONFIRMED].item.status == ItemStatus.UPHELD

    # The demo merchant has complaints to answer with the deadline still ahead, and a counter-notice pending reply.
    merchant = User.objects.get(username="demo-merchant")
    mine = NoticeItem.objects.visible_to(merchant)
    assert mine.filter(status=ItemStatus.AWAITING_COUNTER_NOTICE, counter_notice_deadline__gt=now).count() >= 2
    assert mine.filter(status=ItemStatus.COUNTER_NOTICED, reply_deadline__gt=now).exists()
    assert CounterNotice.objects.filter(item__in=mine, evidence__isnull=False).exists()

    # Every history replays through the allowed moves to the item's status, at believable past times,
    # with one audit entry per event (the domain functions wrote them, not a bulk update).
    events = ItemEvent.objects.filter(item__in=items).order_by("item_id", "at", "id")
    by_item = {}
    for event in events:
        by_item.setdefault(event.item_id, []).append(event)
    for item in items:
        history = by_item[item.pk]
        assert history[0].from_status == ""
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status == before.to_status, item.pk
            assert after.to_status in ALLOWED_MOVES[before.to_status], item.pk
            assert before.at <= after.at <= now
        assert history[-1].to_status == item.status
    assert min(e.at for e in events) < now - timedelta(days=19)
    # (Every item in the demo, this part's and the Good Faith part's, was made the same way.)
    assert AuditLogEntry.objects.filter(action__startswith="takedowns.item.").count() == ItemEvent.objects.count()

    # Effects were carried out: listings, penalties, the public register, notifications.
    assert not Effect.objects.filter(item__in=items).exclude(status=EffectStatus.DONE).exists()
    assert PublicRegisterEntry.objects.exists()
    assert Notification.objects.filter(recipient=merchant).exists()
    assert Notice.objects.filter(filer_email__in=DEMO_FILER_EMAILS, items__status=ItemStatus.INVALID).exists()

    # The transparency export has content.
    target = tmp_path / "statements.json"
    call_command("export_statements_of_reasons", output=str(target), stdout=io.StringIO())
    assert len(json.loads(target.read_text())["statements"]) >= 5


def _assert_histories_replay(items, now):
    """Every item's events chain through the allowed moves to its status, at past times."""
    by_item = {}
    for event in ItemEvent.objects.filter(item__in=items).order_by("item_id", "at", "id"):
        by_item.setdefault(event.item_id, []).append(event)
    for item in items:
        history = by_item[item.pk]
        assert history[0].from_status == ""
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status == before.to_status, item.pk
            assert after.to_status in ALLOWED_MOVES[before.to_status], item.pk
            assert before.at <= after.at <= now
        assert history[-1].to_status == item.status


@pytest.mark.django_db
def test_seed_demo_good_faith_cases_are_made_by_the_domain_functions(client, settings):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    now = timezone.now()
    assert "Good Faith demo (created)" in out.getvalue()
    assert "demo-misuser" in out.getvalue() and "demo-near-member" in out.getvalue()
    items = NoticeItem.objects.filter(notice__filer_email__in=DEMO_GOOD_FAITH_EMAILS).select_related("notice")

    # The member: enrolled by a past nightly run on months of upheld notices; its newest notice took the
    # fast track (listings down at once), one of them drawn for a quality audit.
    member = RightsHolder.objects.get(legal_name=MEMBER)
    overall = Membership.objects.get(rights_holder=member, infringement_type="")
    assert overall.status == MembershipStatus.MEMBER and overall.is_active
    assert overall.last_figures["decided"] >= settings.GOOD_FAITH_MIN_DECIDED
    enrolled = MembershipChange.objects.get(membership=overall)
    assert (enrolled.cause, enrolled.from_status, enrolled.to_status) == ("nightly", "", MembershipStatus.MEMBER)
    assert enrolled.at < now - timedelta(days=1)
    history = items.filter(notice__rights_holder=member, notice__submitted_at__lt=enrolled.at)
    assert history.count() >= settings.GOOD_FAITH_MIN_DECIDED - 1
    assert set(history.values_list("status", "track")) == {(ItemStatus.UPHELD, Track.STANDARD)}
    assert all(decided < enrolled.at for decided in history.values_list("decided_at", flat=True))
    fast = items.filter(notice__rights_holder=member, notice__submitted_at__gt=enrolled.at).select_related("listing")
    assert fast.count() == 2
    for item in fast:
        assert (item.status, item.track) == (ItemStatus.AWAITING_COUNTER_NOTICE, Track.FAST)
        assert item.listing.status == ListingStatus.TAKEN_DOWN
        assert "Good Faith member" in ItemEvent.objects.get(item=item, action="fast_tracked").reason
    assert QualityAudit.objects.filter(item__in=fast, status=QualityAuditStatus.OPEN).exists()
    assert membership_active_for(rights_holder_id=member.pk, infringement_type="counterfeit") is not None

    # Close to the bar: not a member, and its own Good Faith page says what it lacks.
    near = RightsHolder.objects.get(legal_name=NEAR)
    assert membership_active_for(rights_holder_id=near.pk, infringement_type="counterfeit") is None
    near_items = items.filter(notice__rights_holder=near)
    assert near_items.filter(status=ItemStatus.UPHELD).count() == 16
    assert near_items.filter(status=ItemStatus.REJECTED, manifestly_unfounded=False).count() == 1
    client.force_login(User.objects.get(username="demo-near-member"))
    page = client.get(reverse("good_faith:holder-detail", args=[near.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"3 more decided items needed (17 of {settings.GOOD_FAITH_MIN_DECIDED})" in body
    assert f"upheld 94.1% of {settings.GOOD_FAITH_MIN_UPHELD_PERCENT}% needed" in body

    # The misuser: manifestly unfounded rejections; warned at the third, suspended at the fifth, in force now.
    misuser = Organisation.objects.get(name=MISUSER)
    strikes = items.filter(notice__filer_organisation=misuser)
    assert set(strikes.values_list("status", "manifestly_unfounded")) == {(ItemStatus.REJECTED, True)}
    decided = sorted(strikes.values_list("decided_at", flat=True))
    measures = list(MisuseMeasure.objects.filter(organisation=misuser).order_by("created_at"))
    assert [m.kind for m in measures] == [MisuseMeasureKind.WARNING, MisuseMeasureKind.SUSPENSION]
    assert measures[0].created_at == decided[settings.MISUSE_WARNING_THRESHOLD - 1]
    assert measures[1].created_at == decided[settings.MISUSE_SUSPENSION_THRESHOLD - 1]
    assert all(measure_in_force(m, now) for m in measures)
    suspension = filing_suspension_of(misuser.pk, now)
    assert suspension == measures[1].suspension and suspension.ends_at > now
    with pytest.raises(ValidationError) as refused:
        notice_submit(
            actor=User.objects.get(username="demo-misuser"),
            rights_holder=RightsHolder.objects.get(organisation=misuser),
            acting_organisation=misuser,
            data=dict(DECLARATIONS),
            drafts=[ItemDraft(listing_ref="DEMO-000001", ip_asset_id=None, infringement_type="other", explanation="x")],
        )
    assert refused.value.code == "filing_suspended"

    # The small brand the partner vets: its notice, filed by the partner, took the fast track.
    small = RightsHolder.objects.get(legal_name=SMALL)
    vetted = items.select_related("notice__partner", "listing").get(notice__rights_holder=small)
    partner = vetted.notice.partner
    assert partner.approved_for_vetting and partner.vetted_rights_holders.filter(pk=small.pk).exists()
    assert vetted.notice.filer_organisation_id == partner.organisation_id
    assert (vetted.status, vetted.track) == (ItemStatus.AWAITING_COUNTER_NOTICE, Track.FAST)
    assert vetted.listing.status == ListingStatus.TAKEN_DOWN
    assert "Vetted by" in ItemEvent.objects.get(item=vetted, action="fast_tracked").reason

    # All of it through the lifecycle: histories replay, effects carried out, and the months of upheld
    # counterfeits fell on the counterfeit stores, not on the demo merchant, who keeps trading.
    _assert_histories_replay(items, now)
    assert not Effect.objects.filter(item__in=items).exclude(status=EffectStatus.DONE).exists()
    demo_merchant = Merchant.objects.get(organisation__memberships__user__username="demo-merchant")
    assert not demo_merchant.stores.filter(status__in=[StoreStatus.CLOSED, StoreStatus.BANNED]).exists()


class _CrashMidway(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_seed_that_crashes_midway_leaves_no_partial_world_and_a_rerun_makes_it_whole(monkeypatch):
    """Real commits (a transactional test): the verbs' durable transactions must not commit on their own
    inside the seed, or a crash would leave notices behind that make a re-run skip the lifecycle demo."""
    from demo.lifecycle import actions as lifecycle  # where the demo's clock runs the sweeper

    before = {**_counts(), "AuditLogEntry": AuditLogEntry.objects.count()}
    sweeps = []
    real_sweep = lifecycle.deadlines_sweep

    def sweep_then_crash(**kwargs):
        # The lifecycle story is under way: notices filed, decided and swept; then the process dies.
        sweeps.append(kwargs)
        if len(sweeps) == 3:
            raise _CrashMidway("the seed died half-way through the lifecycle demo")
        return real_sweep(**kwargs)

    monkeypatch.setattr(lifecycle, "deadlines_sweep", sweep_then_crash)
    with pytest.raises(_CrashMidway):
        call_command("seed_demo", stdout=io.StringIO())
    assert len(sweeps) == 3
    assert {**_counts(), "AuditLogEntry": AuditLogEntry.objects.count()} == before

    monkeypatch.setattr(lifecycle, "deadlines_sweep", real_sweep)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo notices (created)" in out.getvalue()
    assert "Good Faith demo (created)" in out.getvalue()
    statuses = set(
        NoticeItem.objects.filter(notice__filer_email__in=DEMO_FILER_EMAILS).values_list("status", flat=True)
    )
    assert statuses == set(ItemStatus) - {ItemStatus.SUBMITTED}
    assert Notice.objects.filter(filer_email__in=DEMO_GOOD_FAITH_EMAILS).exists()


@pytest.mark.django_db
def test_seed_demo_prints_one_working_api_key_per_kind_of_organisation(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "DEMO SECRETS" in text
    keys = _demo_keys(text)
    by_kind = {}
    for secret in keys:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        me = api.get("/api/v1/me/")
        assert me.status_code == 200, me.content
        by_kind[me.json()["organisation"]] = (api, me.json())
    # One per kind: rights holder, agent, partner, merchant and the marketplace (a partner of kind marketplace).
    marketplace = Partner.objects.get(kind="marketplace").organisation
    assert set(by_kind) == {
        "Northwind Athletics",
        "Hale & Partners LLP",
        "Independent Brands Association",
        "Yiwu Bright Trading Co",
        marketplace.name,
    }
    assert [me["organisation_kind"] for _, me in by_kind.values()].count("partner") == 2
    assert {me["organisation_kind"] for _, me in by_kind.values()} == {"rights_holder", "agent", "partner", "merchant"}
    assert "listings:ingest" in by_kind[marketplace.name][1]["scopes"]
    assert all("listings:ingest" not in me["scopes"] for name, (_, me) in by_kind.items() if name != marketplace.name)

    # Each key does what its kind is for, on the demo's own data.
    brand, _ = by_kind["Northwind Athletics"]
    assert brand.get("/api/v1/notices/").json()["results"]
    assert brand.get("/api/v1/assets/").json()["results"]
    agent, _ = by_kind["Hale & Partners LLP"]
    assert agent.get("/api/v1/notices/").json()["results"]
    merchant, _ = by_kind["Yiwu Bright Trading Co"]
    assert merchant.get("/api/v1/items/").json()["results"]
    assert by_kind["Independent Brands Association"][0].get("/api/v1/good-faith/").status_code == 200
    market, _ = by_kind[marketplace.name]
    store = Store.objects.filter(merchant__organisation__name="Yiwu Bright Trading Co").first()
    row = {"external_id": "DEMO-API-1", "title": "Canvas Sneakers", "category": "shoes", "price": "19.90"}
    row["store"] = public_ids.encode("sto", store.public_id)
    ingested = market.post("/api/v1/listings/ingest/", {"listings": [row]}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert ingested.status_code == 200, ingested.content
    assert brand.post("/api/v1/listings/ingest/", {"listings": [row]}, format="json").status_code == 403

    # The marketplace's owner finds its key on the API keys page; a key revoked there is no longer printed.
    client.force_login(User.objects.get(username="demo-marketplace"))
    page = client.get(reverse("api-keys:list", args=[marketplace.slug])).content.decode()
    assert "tdp_demomarketplace_" in page
    api_key_revoke(key=ApiKey.objects.get(key_id="demomarketplace"))
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert len(_demo_keys(again.getvalue())) == 4
    assert "revoked in the portal since" in again.getvalue()


@pytest.mark.django_db
def test_the_demo_world_is_refused_where_it_is_not_allowed(settings):
    # Its passwords and API keys are published: a production server (DEBUG off) must not get them.
    from django.core.management.base import CommandError

    from portal.models import Organisation, User

    settings.DEMO_SEED_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_SEED_ALLOWED=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Organisation.objects.exists()
    assert not User.objects.filter(username__startswith="demo-").exists()


@pytest.mark.django_db
def test_the_demo_worlds_listings_are_sent_to_screening_and_only_the_suspicious_ones_flagged(
    monkeypatch, django_capture_on_commit_callbacks
):
    from demo import screening as demo_screening
    from rights_holders.models import AuthorisedStore
    from screening.models import ScreeningAlert, ScreeningResult
    from screening.pipeline import listings_screen

    sent = []
    monkeypatch.setattr(demo_screening, "listings_screen_enqueue", lambda ids, trigger: sent.append((ids, trigger)))
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("seed_demo", stdout=io.StringIO())
    for callback in callbacks:
        if callback.__module__ == demo_screening.__name__:
            callback()
    [(ids, trigger)] = sent
    # All but the showcase listings, screened by the seed itself (test_the_demo_world_ends_with_...).
    showcase = Listing.objects.filter(external_id__startswith=demo_screening.SHOWCASE_PREFIX)
    assert trigger == "created" and len(ids) == Listing.objects.count() - showcase.count()
    assert not set(ids) & set(showcase.values_list("pk", flat=True))

    for start in range(0, len(ids), 500):  # what the worker does with the tasks sent
        listings_screen(ids[start : start + 500], trigger=trigger)

    screened = set(ScreeningResult.objects.values_list("listing_id", flat=True))
    live = set(Listing.objects.filter(status__in=["live", "under_complaint"]).values_list("pk", flat=True))
    # Every live listing, and those screening itself took down: the opted-in brand's proactive notices.
    proactive = set(NoticeItem.objects.filter(notice__channel="proactive").values_list("listing_id", flat=True))
    assert len(proactive) > 3 and screened == live | proactive

    # Flagged (an alert or a notice) are exactly the listings the demo means to be suspicious: its counterfeits
    # (a brand at a tenth of its price, in the counterfeit stores) and the showcase. The genuine branded goods at
    # full price and every ordinary listing are clear, whatever the store's age or the spelling of the brand.
    latest = dict(ScreeningResult.objects.order_by("id").values_list("listing__external_id", "outcome"))
    flagged = {external_id for external_id, outcome in latest.items() if outcome != "clear"}
    counterfeits = set(
        Listing.objects.filter(description__endswith=COUNTERFEIT_PITCH).values_list("external_id", flat=True)
    )
    suspicious = (counterfeits | set(showcase.values_list("external_id", flat=True))) & latest.keys()
    genuine = set(Listing.objects.filter(description__startswith="Genuine ").values_list("external_id", flat=True))
    assert len(suspicious) > 100 and genuine and not genuine & suspicious
    assert sorted(flagged - suspicious) == [] and sorted(suspicious - flagged) == []
    alerted = set(ScreeningAlert.objects.values_list("listing__external_id", flat=True))
    assert len(alerted) > 80 and alerted <= suspicious
    # A store's age counts only for the one store opened days ago: the showcase's (the others traded for months).
    new_store = ScreeningResult.objects.filter(signals__icontains="the store opened")
    assert set(new_store.values_list("listing__store__name", flat=True)) == {demo_screening.SHOWCASE_STORE}
    # The demo's photos and logos are cards of one colour (demo/files.py): too plain to compare, so no photo
    # is taken for a brand's picture (they hash alike: screening/core/phash.py).
    by_image = ScreeningResult.objects.filter(signals__contains=[{"kind": "image"}])
    assert ListingImage.objects.exists() and not by_image.exists()
    authorised = AuthorisedStore.objects.get()
    own = ScreeningResult.objects.filter(
        listing__store=authorised.store, asset__rights_holder=authorised.rights_holder
    ).exclude(outcome="clear")
    assert not own.exists()


@pytest.mark.django_db
def test_the_demo_world_ends_with_proactive_notices_for_the_opted_in_brand_and_alerts_for_the_others():
    from demo import screening as demo_screening
    from screening.models import ScreeningAlert, ScreeningResult
    from takedowns.models import Channel

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    kestrel = RightsHolder.objects.get(legal_name=demo_screening.PROACTIVE_BRAND)
    assert kestrel.proactive_enforcement
    # Opted in by its owner through the service, audited as on the brand's page.
    opt_in = AuditLogEntry.objects.get(action="rights_holders.rights_holder.proactive_enforcement_enabled")
    assert opt_in.actor.username == "demo-near-member"
    showcase = {
        listing.external_id: listing
        for listing in Listing.objects.filter(external_id__startswith=demo_screening.SHOWCASE_PREFIX)
    }
    assert len(showcase) == len(demo_screening.SHOWCASE)
    # Real screening: the disguised, replica, cut-price Kestrel listings are down on proactive notices ...
    proactive = NoticeItem.objects.filter(notice__channel=Channel.PROACTIVE).select_related("listing", "notice")
    assert {item.listing.external_id for item in proactive} == {
        f"{demo_screening.SHOWCASE_PREFIX}00{n}" for n in (1, 2, 3)
    }
    for item in proactive:
        assert item.notice.rights_holder_id == kestrel.pk and item.track == Track.FAST
        assert item.listing.status == ListingStatus.TAKEN_DOWN and item.screening_reference
    # ... and the brands that did not opt in are alerted, with the evidence on the result.
    alerted = ScreeningAlert.objects.filter(listing__external_id__startswith=demo_screening.SHOWCASE_PREFIX)
    assert {(a.listing.external_id, a.asset.name) for a in alerted} == {
        ("DEMO-SCREEN-004", "NORTHWIND"),
        ("DEMO-SCREEN-005", "NORTHWIND"),
        ("DEMO-SCREEN-006", "LUMEN"),
    }
    disguised = ScreeningResult.objects.get(listing=showcase["DEMO-SCREEN-004"])
    assert any(s["kind"] == "keyword" and s.get("disguised") for s in disguised.signals)
    assert "Kestrel Audio opted in to proactive enforcement; 3 proactive notice items and 3 open alerts" in (
        out.getvalue()
    )

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert NoticeItem.objects.filter(notice__channel=Channel.PROACTIVE).count() == 3
    assert ScreeningAlert.objects.count() == 3
