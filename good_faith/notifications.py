"""Telling a holder (or a partner) that its Good Faith membership changed.

One in-app notification per subject per run (a holder enrolled for three
scopes at once hears it once), to every active member of the subject's
organisation, written in bulk inside the run's transaction; unique per
(recipient, source) like every notification, so a re-run writes nothing
twice. The e-mails go out after commit through a task, in chunks, reusing
``takedowns.notifications.delivery`` (each send claims its row first).
"""

from django.conf import settings
from django.db import transaction

from good_faith.models import MembershipStatus
from portal.events import events_announce
from portal.models import Membership as OrganisationMembership
from takedowns.models import InfringementType, Notification
from takedowns.notifications.delivery import path_or_blank

EMAIL_CHUNK = 500


def _scope_label(infringement_type):
    return InfringementType(infringement_type).label.lower() if infringement_type else "all infringement types"


def _line(change):
    scope = _scope_label(change.membership.infringement_type)
    to = change.to_status
    if change.cause == "override_lifted":
        return (
            f"- {scope}: the staff decision was lifted; the nightly evaluation decides again. Reason: {change.reason}"
        )
    if change.cause in {"granted", "revoked"}:
        verb = "granted" if change.cause == "granted" else "revoked"
        return f"- {scope}: membership {verb} by platform staff. Reason: {change.reason}"
    if to == MembershipStatus.MEMBER:
        return f"- {scope}: you are now a member; your notices of this scope take the fast track."
    cooling = change.membership.cooling_off_until
    until = f" You can qualify again from {cooling:%Y-%m-%d %H:%M} UTC." if cooling else ""
    return f"- {scope}: membership suspended ({change.reason}).{until}"


def _subject_of(membership):
    if membership.rights_holder_id:
        return "rights_holder", membership.rights_holder_id
    return "partner", membership.partner_id


def membership_changes_notify(changes):
    """Write the notifications of these MembershipChange rows and announce them (inside the caller's transaction).

    Every membership change passes here, the nightly run's and staff decisions alike; the
    announcement (``portal.events``) is what webhooks tell subscribers.
    """
    if not changes:
        return []
    events_announce("membership_change", [change.pk for change in changes])
    by_subject = {}
    for change in changes:
        by_subject.setdefault(_subject_of(change.membership), []).append(change)
    from rights_holders.models import Partner, RightsHolder

    holder_ids = [sid for kind, sid in by_subject if kind == "rights_holder"]
    partner_ids = [sid for kind, sid in by_subject if kind == "partner"]
    org_of = {
        ("rights_holder", pk): org
        for pk, org in RightsHolder.objects.filter(pk__in=holder_ids).values_list("pk", "organisation_id")
    }
    org_of.update(
        {
            ("partner", pk): org
            for pk, org in Partner.objects.filter(pk__in=partner_ids).values_list("pk", "organisation_id")
        }
    )
    members = {}
    # Persons only: an API key's principal is a member to see, not to be told.
    for user_id, org_id in (
        OrganisationMembership.objects.people()
        .filter(organisation_id__in=set(org_of.values()), user__is_active=True)
        .values_list("user_id", "organisation_id")
    ):
        members.setdefault(org_id, []).append(user_id)
    rows = []
    for subject, subject_changes in by_subject.items():
        org_id = org_of.get(subject)
        subject_changes.sort(key=lambda c: c.pk)
        source = f"good-faith-change-{subject_changes[0].pk}"
        body = "\n".join(
            [
                f"Your Good Faith membership at {settings.PORTAL_SITE_NAME} changed:",
                "",
                *(_line(change) for change in subject_changes),
            ]
        )
        # Holders get a link to their record page; partners have no page of their own yet.
        url = path_or_blank("good_faith:holder-detail", subject[1]) if subject[0] == "rights_holder" else ""
        subject_line = "Good Faith membership: " + ", ".join(
            f"{_scope_label(c.membership.infringement_type)} {c.to_status.replace('_', ' ')}" for c in subject_changes
        )
        rows.extend(
            Notification(
                recipient_id=user_id,
                organisation_id=org_id,
                source=source,
                subject=subject_line[:200],
                body=body,
                url=url,
            )
            for user_id in members.get(org_id, [])
        )
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    sources = {row.source for row in rows}
    if sources:
        transaction.on_commit(lambda: _emails_send_later(sources))
    return rows


def _emails_send_later(sources):
    from good_faith.tasks import send_membership_emails

    ids = list(
        Notification.objects.filter(source__in=sources, emailed_at=None)
        .exclude(recipient__email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), EMAIL_CHUNK):
        send_membership_emails.delay(ids[start : start + EMAIL_CHUNK])
