"""portal.bulk_insert writes exactly what Django's bulk_create writes, for less CPU.

Each test inserts the same rows twice, once by ``bulk_create`` and once by
``bulk_insert``, and compares what the database holds (every column but the id).
On SQLite ``bulk_insert`` is ``bulk_create``, so the comparisons hold trivially
there; the PostgreSQL path is the one under test.
"""

import datetime
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.bulk_insert import bulk_insert, unsaved
from portal.models import AuditLogEntry
from takedowns.models import Channel, Effect, EffectKind, ItemEvent, ItemStatus, Notice, NoticeItem
from tests import factories

# Texts an array literal must quote and escape.
TRICKY_TEXTS = [
    "",
    "NULL",
    "null",
    "  spaced  ",
    "a,b",
    "{braces}",
    'double "quote"',
    "single 'quote'",
    "back\\slash\\",
    "line\nbreak\ttab",
    "caf\u00e9 \u201cquoted\u201d \U0001f600",
    "Item 1 (Pending review)",
]
AT = timezone.now().replace(microsecond=654321) - datetime.timedelta(days=3)


def _rows(model, pks, *, skip=("id",)):
    rows = {row["id"]: row for row in model.objects.filter(pk__in=pks).values()}
    return [{name: value for name, value in rows[pk].items() if name not in skip} for pk in pks]


def _both(make, model, **kwargs):
    """(rows bulk_create wrote, rows bulk_insert wrote) for the same instances made twice."""
    by_django = model.objects.bulk_create(make(), **kwargs)
    ours = bulk_insert(make(), **kwargs)
    return _rows(model, [o.pk for o in by_django]), _rows(model, [o.pk for o in ours]), ours


@pytest.fixture
def notice(brand_a, owner_a):
    return Notice.objects.create(
        rights_holder=brand_a,
        filed_by=owner_a,
        filer_organisation=brand_a.organisation,
        channel=Channel.API,
        filer_name="Ada",
        filer_address="1 Brand Street",
        filer_phone="+33 1",
        filer_email="ada@brand.test",
        signature="Ada",
        signed_at=AT,
    )


def _items(notice, count, *, ids=None):
    asset = factories.IPAssetFactory(rights_holder=notice.rights_holder)
    listings = [factories.ListingFactory() for _ in range(count)]
    return [
        NoticeItem(
            pk=ids[n] if ids else None,
            notice=notice,
            listing=listing,
            ip_asset=asset,
            infringement_type="counterfeit",
            explanation=f"Fake logo \u2014 n\u00b0{n}, 'quoted', \"double\", back\\slash, {{braces}}",
            status=ItemStatus.PENDING_REVIEW,
            status_changed_at=AT,
            # An instant in another zone (an offset with half hours) reads back as the same instant.
            queued_at=AT.astimezone(ZoneInfo("Asia/Kolkata")) if n % 2 else None,
            version=n,
            authorised_store_flag=bool(n % 2),
        )
        for n, listing in enumerate(listings)
    ]


def test_audit_entries_read_back_as_bulk_create_writes_them(owner_a, brand_a):
    def make():
        return [
            AuditLogEntry(
                action=f"portal.test.{n}",
                actor=owner_a if n % 2 else None,
                actor_label="alice",
                object_type="takedowns.noticeitem",
                object_id=str(n),
                # What an array literal must quote: each is written back exactly.
                object_repr=TRICKY_TEXTS[n],
                organisation_id=brand_a.organisation_id if n != 2 else None,
                # An IPv6 address the field normalises on its way in.
                ip_address=["203.0.113.7", "2001:0db8:0000:0000:0000:0000:0000:0001", None][n % 3],
                user_agent="pytest \u00e9",
                data={"n": n, "nested": {"list": [1, "two", None]}, "text": "\u201cquoted\u201d \x7f", "empty": {}},
            )
            for n in range(len(TRICKY_TEXTS))
        ]

    theirs, ours, objs = _both(make, AuditLogEntry)
    # created_at is stamped by the field's default when each instance is made: not compared.
    strip = [{k: v for k, v in row.items() if k != "created_at"} for row in (*theirs, *ours)]
    assert strip[: len(TRICKY_TEXTS)] == strip[len(TRICKY_TEXTS) :]
    assert [row["object_repr"] for row in ours] == TRICKY_TEXTS
    assert ours[1]["ip_address"] == "2001:db8::1"
    assert [o.pk for o in objs] == sorted(o.pk for o in objs)
    assert all(not o._state.adding and o._state.db == "default" for o in objs)


def test_items_with_their_ids_drawn_first_keep_them_and_read_back_alike(notice):
    first = _items(notice, 3)
    NoticeItem.objects.bulk_create(first)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM takedowns_noticeitem")
        top = cursor.fetchone()[0]
    second = _items(notice, 3, ids=[top + 1000, top + 1001, top + 1002])
    bulk_insert(second)
    assert [item.pk for item in second] == [top + 1000, top + 1001, top + 1002]
    skip = ("id", "public_id", "listing_id", "ip_asset_id")
    assert _rows(NoticeItem, [i.pk for i in first], skip=skip) == _rows(NoticeItem, [i.pk for i in second], skip=skip)
    assert NoticeItem.objects.get(pk=top + 1001).public_id == second[1].public_id


def test_events_name_an_item_saved_after_they_were_made(notice):
    items = _items(notice, 4)

    def make():
        # The set filing's order: events made for items not inserted yet, the items inserted, then the events.
        return [
            ItemEvent(
                item=item,
                at=AT,
                actor=None,
                actor_label="system",
                action="queued",
                from_status=ItemStatus.SUBMITTED,
                to_status=ItemStatus.PENDING_REVIEW,
                reason="Waiting for a reviewer.",
                data={"track": "standard", "authorised_store_flag": False},
            )
            for item in items
        ]

    pending = make()
    NoticeItem.objects.bulk_create(items)
    theirs = ItemEvent.objects.bulk_create(make())
    ours = bulk_insert(pending)
    assert [e.item_id for e in ours] == [i.pk for i in items]
    assert _rows(ItemEvent, [e.pk for e in theirs]) == _rows(ItemEvent, [e.pk for e in ours])


def test_an_object_still_unsaved_is_refused_as_bulk_create_refuses_it(notice):
    item = _items(notice, 1)[0]
    with pytest.raises(ValueError, match="unsaved related object"):
        bulk_insert([ItemEvent(item=item, at=AT, action="queued", to_status="pending_review")])


def test_conflicting_rows_are_skipped_and_the_others_written(notice):
    items = _items(notice, 2)
    NoticeItem.objects.bulk_create(items)
    Effect.objects.create(item=items[0], kind=EffectKind.NOTIFY, key="event-1")
    effects = [
        Effect(item=items[0], kind=EffectKind.NOTIFY, key="event-1", payload={"event": 1}),
        Effect(item=items[1], kind=EffectKind.NOTIFY, key="event-2", payload={"event": 2}),
    ]
    bulk_insert(effects, ignore_conflicts=True)
    assert Effect.objects.filter(item__in=items).count() == 2
    assert Effect.objects.get(item=items[1]).payload == {"event": 2}
    # As with bulk_create, no id is given when a conflict may have skipped a row.
    assert [e.pk for e in effects] == [None, None]


def test_one_statement_for_many_rows(notice):
    items = _items(notice, 5)
    NoticeItem.objects.bulk_create(items)
    with CaptureQueriesContext(connection) as queries:
        bulk_insert([Effect(item=item, kind=EffectKind.NOTIFY, key=f"k{item.pk}") for item in items])
    assert len(queries.captured_queries) == 1


def test_values_that_need_their_field_take_its_path(notice, recwarn):
    """A naive datetime (warned about and put in the current zone), a string in an integer column, a
    Decimal, an expression (the whole insert is bulk_create's): what bulk_create makes of each."""
    items = _items(notice, 2)
    NoticeItem.objects.bulk_create(items)
    naive = datetime.datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001 (the point of the test)

    def make():
        return [
            Effect(item=items[0], kind=EffectKind.NOTIFY, key=f"a{uuid.uuid4()}", attempts="3", created_at=naive),
            Effect(item=items[1], kind=EffectKind.NOTIFY, key=f"b{uuid.uuid4()}", attempts=Decimal("2"), created_at=AT),
        ]

    theirs, ours, _ = _both(make, Effect)
    skip = [{k: v for k, v in row.items() if k != "key"} for row in (*theirs, *ours)]
    assert skip[:2] == skip[2:]
    assert ours[0]["attempts"] == 3
    assert ours[0]["created_at"] == timezone.make_aware(naive)
    assert any(issubclass(w.category, RuntimeWarning) and "naive datetime" in str(w.message) for w in recwarn)

    stamped = bulk_insert([Effect(item=items[0], kind=EffectKind.NOTIFY, key="now", created_at=Now())])
    assert Effect.objects.get(pk=stamped[0].pk).created_at > AT


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_unsaved_makes_the_row_the_keyword_constructor_makes(notice, owner_a):
    item = _items(notice, 1)[0]  # unsaved: its events name it before it has an id
    made = [
        (ItemEvent, {"item": item, "at": AT, "actor": owner_a, "action": "submitted", "to_status": "submitted"}),
        (ItemEvent, {"item": item, "at": AT, "actor": None, "data": {"track": "fast"}}),
        (
            Effect,
            {"item": item, "kind": EffectKind.NOTIFY, "key": "event-1", "payload": {"event": 1}, "created_at": AT},
        ),
        (Effect, {"item_id": 12, "kind": EffectKind.DELIST, "created_at": AT}),
        (AuditLogEntry, {"action": "a.b", "actor": owner_a, "organisation_id": 3, "data": {}, "created_at": AT}),
        (
            NoticeItem,
            {
                "notice": notice,
                "listing": item.listing,
                "ip_asset": item.ip_asset,
                "status": ItemStatus.SUBMITTED,
                "status_changed_at": AT,
                "public_id": item.public_id,
            },
        ),
    ]
    for model, values in made:
        ours, theirs = unsaved(model, **values), model(**values)
        assert type(ours) is model and ours._state.adding and ours.pk is None
        assert _fields(ours) == _fields(theirs), model
        for name, value in values.items():
            if model._meta.get_field(name).is_relation and not name.endswith("_id"):
                assert getattr(ours, name) is value  # cached, read without a query


def test_unsaved_leaves_what_it_does_not_make_plainly_to_the_constructor(notice, brand_a):
    with pytest.raises(TypeError, match="unexpected keyword"):
        unsaved(Effect, item_id=1, colour="red")
    with pytest.raises(ValueError, match='must be a "NoticeItem" instance'):
        unsaved(Effect, item=notice, kind=EffectKind.NOTIFY)
    # Both the object and its id: the keyword path's answer (the id named last wins).
    both = unsaved(AuditLogEntry, action="a", organisation=brand_a.organisation, organisation_id=7)
    assert (
        both.organisation_id
        == AuditLogEntry(action="a", organisation=brand_a.organisation, organisation_id=7).organisation_id
    )
