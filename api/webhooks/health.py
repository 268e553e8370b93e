"""The webhooks' entry in /health/ (registered in ``ApiConfig.ready``): for staff and the health token only.

Counts, never a failure (a partner's broken endpoint must not take the portal out of
its load balancer), and a warning when operators should look:

* ``due``: deliveries whose time has come, on active subscriptions (the backlog;
  normal for a moment, workers send them within seconds);
* ``overdue``: of those, due for more than ``OVERDUE_AFTER``: the workers are
  stopped or do not keep up (or one endpoint's backlog waits behind its limit of
  deliveries in flight);
* ``in_flight``: attempts under way now (live leases; at most
  ``WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT`` per subscription);
* ``failed_last_24h``: deliveries given up after their last attempt in the last 24 hours;
* ``disabled_automatically_last_24h``: subscriptions turned off in the last 24 hours
  by a ``410 Gone`` or a day of failures.

Four indexed queries.
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from api.webhooks.delivery import due_q
from api.webhooks.models import DeliveryStatus, DisabledBy, WebhookDelivery, WebhookSubscription

OVERDUE_AFTER = timedelta(minutes=5)
RECENT = timedelta(hours=24)


def _admin(model, query):
    return reverse(f"admin:api_{model}_changelist") + query


def webhooks_health():
    now = timezone.now()
    backlog = WebhookDelivery.objects.filter(due_q(now)).aggregate(
        due=Count("pk"), overdue=Count("pk", filter=Q(next_attempt_at__lte=now - OVERDUE_AFTER))
    )
    in_flight = WebhookDelivery.objects.filter(claimed_until__gt=now).count()
    failed = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED, failed_at__gte=now - RECENT).count()
    disabled = WebhookSubscription.objects.filter(
        active=False, disabled_by__in=DisabledBy.automatic(), disabled_at__gte=now - RECENT
    ).count()
    problems = []
    if backlog["overdue"]:
        minutes = int(OVERDUE_AFTER.total_seconds() // 60)
        problems.append(
            f"{backlog['overdue']} webhook delivery(ies) due for more than {minutes} min "
            f"(workers stopped or behind; {_admin('webhookdelivery', '?state=due')})"
        )
    if failed:
        problems.append(
            f"{failed} webhook delivery(ies) given up in the last 24 h "
            f"({_admin('webhookdelivery', '?status__exact=failed')})"
        )
    if disabled:
        problems.append(
            f"{disabled} webhook subscription(s) turned off automatically in the last 24 h "
            f"({_admin('webhooksubscription', '?off=automatically')})"
        )
    return {
        "due": backlog["due"],
        "overdue": backlog["overdue"],
        "in_flight": in_flight,
        "failed_last_24h": failed,
        "disabled_automatically_last_24h": disabled,
        "warning": "; ".join(problems),
    }
