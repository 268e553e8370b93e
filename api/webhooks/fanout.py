"""From the engine's rows to webhook events and deliveries, in the transaction that wrote the rows.

``portal.events.events_announce(source, ids)`` calls the function registered
here for ``source`` (``ApiConfig.ready``). Whatever the number of ids, the
fan-out is two ``INSERT ... SELECT`` statements per thousand ids:

1. one ``WebhookEvent`` per row and organisation told about it, only where that
   organisation has an active subscription to the row's type (the recipients
   come from ``RECIPIENTS``: SQL giving each row's organisations, type and
   instant);
2. one ``WebhookDelivery`` per event and matching active subscription, due now.

Nothing passes through Python per row, so the deadline sweep's batches and the
set filing cost two statements more when someone subscribed, and, through
``events_wanted``, one indexed ``EXISTS`` when nobody did. After commit the
deliveries are sent (``delivery.deliveries_dispatch``).

Who is told about an item: the rights holder's organisation, the filing
organisation while it stands on the holder's side (a vetting partner; an agent
while its letter of authorisation is in force) and, once the item has reached
it (any item not returned to the filer as invalid), the merchant whose store
holds the listing: the parties who see the item in the portal.

Who is told about a screening alert (raised, ``alert.created``; decided, ``alert.decided``): the
brand's organisation and every agent firm whose letter of authorisation for the brand is in force,
the organisations whose alerts inbox shows it (``ScreeningAlert.objects.visible_to``); never the
merchant.
"""

from django.db import connection
from django.utils import timezone

from api.webhooks import types
from api.webhooks.delivery import deliveries_dispatch
from api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from api.webhooks.models import WebhookSubscriptionType as SubscriptionType
from good_faith.models import Membership as GoodFaithMembership
from good_faith.models import MembershipChange
from listings.models import Listing, Merchant, Store
from portal.models import Organisation
from portal.public_ids import uuid7_sql
from rights_holders.authority import acting_authority
from rights_holders.models import Partner, RightsHolder
from screening.models import ScreeningAlert
from takedowns.models import Appeal, ItemEvent, ItemStatus, Notice, NoticeItem

CHUNK = 1000


def _t(model):
    return model._meta.db_table


def _letters_in_force():
    """The (agent, rights holder) pairs of letters in force now, as SQL: ``rights_holders.authority``'s one rule."""
    _, letters = acting_authority(Organisation.objects.values("pk"))
    return letters.values("agent_id", "rights_holder_id").query.sql_with_params()


def _item_parties(row_alias, item_column, reached):
    """FROM/JOIN text reaching an item's notice, holder and merchant, and the SQL choosing each party's organisation.

    ``side`` 1 is the rights holder's organisation; 2 the filing organisation while it still
    stands on the holder's side (a vetting partner, or an agent whose letter is in force:
    ``takedowns.models.holder_side_q``'s rule); 3 the merchant's, told only about items that
    reached it (``reached``, an SQL condition). Returns (joins, organisation SQL, its parameters).
    """
    joins = (
        f"JOIN {_t(NoticeItem)} i ON i.id = {row_alias}.{item_column} "
        f"JOIN {_t(Notice)} n ON n.id = i.notice_id "
        f"JOIN {_t(RightsHolder)} h ON h.id = n.rights_holder_id "
        f"JOIN {_t(Listing)} l ON l.id = i.listing_id "
        f"JOIN {_t(Store)} st ON st.id = l.store_id "
        f"JOIN {_t(Merchant)} m ON m.id = st.merchant_id "
        "CROSS JOIN (SELECT 1 AS side UNION ALL SELECT 2 UNION ALL SELECT 3) sides"
    )
    letters_sql, letters_params = _letters_in_force()
    # The letters' SQL is Django's, its values parameters.
    organisation = (
        "CASE sides.side WHEN 1 THEN h.organisation_id "  # noqa: S608
        "WHEN 2 THEN (CASE WHEN n.partner_id IS NOT NULL OR EXISTS ("
        f"SELECT 1 FROM ({letters_sql}) loa WHERE loa.agent_id = n.filer_organisation_id "
        "AND loa.rights_holder_id = n.rights_holder_id) THEN n.filer_organisation_id END) "
        f"ELSE (CASE WHEN {reached} THEN m.organisation_id END) END"
    )
    return joins, organisation, list(letters_params)


def _item_event_recipients(placeholders):
    joins, organisation, params = _item_parties("e", "item_id", "e.to_status <> %s")
    sql = (
        f"SELECT DISTINCT e.id AS source_id, {organisation} AS organisation_id, "  # noqa: S608
        f"%s || e.action AS type, e.at AS occurred_at FROM {_t(ItemEvent)} e {joins} WHERE e.id IN ({placeholders})"
    )
    return sql, [*params, ItemStatus.INVALID, types.ITEM_PREFIX]


def _appeal_recipients(placeholders):
    # An appealed decision (upheld, dismissed, rejected) has always reached the merchant.
    joins, organisation, params = _item_parties("a", "item_id", "1 = 1")
    sql = (
        f"SELECT DISTINCT a.id AS source_id, {organisation} AS organisation_id, "  # noqa: S608
        f"%s AS type, a.decided_at AS occurred_at FROM {_t(Appeal)} a {joins} WHERE a.id IN ({placeholders})"
    )
    return sql, [*params, types.APPEAL_DECIDED]


def _membership_change_recipients(placeholders):
    sql = (
        "SELECT c.id AS source_id, COALESCE(h.organisation_id, p.organisation_id) AS organisation_id, "  # noqa: S608
        f"%s AS type, c.at AS occurred_at FROM {_t(MembershipChange)} c "
        f"JOIN {_t(GoodFaithMembership)} gm ON gm.id = c.membership_id "
        f"LEFT JOIN {_t(RightsHolder)} h ON h.id = gm.rights_holder_id "
        f"LEFT JOIN {_t(Partner)} p ON p.id = gm.partner_id WHERE c.id IN ({placeholders})"
    )
    return sql, [types.MEMBERSHIP_CHANGED]


def _alert_recipients(event_type, instant_column):
    """An alert's brand organisation and the agent firms with a letter in force for the brand."""

    def recipients(placeholders):
        letters_sql, letters_params = _letters_in_force()
        # One row for the brand itself (agent_id NULL) and one per letter of the alert's brand.
        sql = (
            "SELECT DISTINCT a.id AS source_id, COALESCE(x.agent_id, h.organisation_id) AS organisation_id, "  # noqa: S608
            f"%s AS type, a.{instant_column} AS occurred_at FROM {_t(ScreeningAlert)} a "
            f"JOIN {_t(RightsHolder)} h ON h.id = a.rights_holder_id "
            "JOIN (SELECT NULL AS agent_id, NULL AS rights_holder_id UNION ALL "
            f"SELECT loa.agent_id, loa.rights_holder_id FROM ({letters_sql}) loa) x "
            "ON x.rights_holder_id IS NULL OR x.rights_holder_id = a.rights_holder_id "
            f"WHERE a.id IN ({placeholders})"
        )
        return sql, [event_type, *letters_params]

    return recipients


# source -> (placeholders -> (SQL of source_id, organisation_id, type, occurred_at; its parameters)).
RECIPIENTS = {
    "item_event": _item_event_recipients,
    "appeal_decision": _appeal_recipients,
    "membership_change": _membership_change_recipients,
    # An alert is told twice, as two sources (an event is unique per source, row and organisation).
    "screening_alert": _alert_recipients(types.ALERT_CREATED, "created_at"),
    "screening_alert_decision": _alert_recipients(types.ALERT_DECIDED, "decided_at"),
}


def events_wanted():
    """Whether any subscription is active: when none is, an announcement does nothing more."""
    return WebhookSubscription.objects.filter(active=True).exists()


def _subscribed(subscription_alias, type_expression):
    return (
        f"EXISTS (SELECT 1 FROM {_t(SubscriptionType)} t WHERE t.subscription_id = {subscription_alias}.id "  # noqa: S608
        f"AND t.event_type IN ({type_expression}, %s))"
    )


def source_fan_out(source, ids):
    """Write the events and deliveries of ``source`` rows ``ids`` (in the caller's transaction). Returns deliveries."""
    recipients = RECIPIENTS[source]
    # In the column's own storage format (SQLite keeps text, and compares it as text).
    now = WebhookDelivery._meta.get_field("next_attempt_at").get_db_prep_value(timezone.now(), connection)
    created = 0
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        placeholders = ", ".join(["%s"] * len(chunk))
        from_sql, from_params = recipients(placeholders)
        event_sql = (
            f"INSERT INTO {_t(WebhookEvent)} "  # noqa: S608
            "(public_id, organisation_id, type, occurred_at, source, source_id, data, body, created_at) "
            f"SELECT {uuid7_sql(connection.vendor)}, r.organisation_id, r.type, r.occurred_at, %s, r.source_id, "
            f"%s, '', %s FROM ({from_sql}) r WHERE r.organisation_id IS NOT NULL AND EXISTS ("
            f"SELECT 1 FROM {_t(WebhookSubscription)} s WHERE s.organisation_id = r.organisation_id "
            f"AND s.active = %s AND {_subscribed('s', 'r.type')})"
        )
        event_params = [source, "{}", now, *from_params, *chunk, True, types.ALL]
        delivery_sql = (
            f"INSERT INTO {_t(WebhookDelivery)} "  # noqa: S608
            "(event_id, subscription_id, status, attempts, next_attempt_at, manual, created_at) "
            "SELECT ev.id, s.id, %s, 0, %s, %s, %s "
            f"FROM {_t(WebhookEvent)} ev JOIN {_t(WebhookSubscription)} s "
            "ON s.organisation_id = ev.organisation_id AND s.active = %s "
            f"WHERE ev.source = %s AND ev.source_id IN ({placeholders}) AND {_subscribed('s', 'ev.type')}"
        )
        delivery_params = [DeliveryStatus.PENDING, now, False, now, True, source, *chunk, types.ALL]
        with connection.cursor() as cursor:
            cursor.execute(event_sql, event_params)
            if cursor.rowcount == 0:
                continue
            cursor.execute(delivery_sql, delivery_params)
            created += cursor.rowcount
    if created:
        deliveries_dispatch()
    return created


def listeners():
    """What ``ApiConfig.ready`` registers in ``portal.events``."""
    return {
        "events_wanted": events_wanted,
        **{source: (lambda ids, source=source: source_fan_out(source, ids)) for source in RECIPIENTS},
    }
