"""Telling a holder (or a partner) that its Good Faith membership changed.

One in-app notification per subject per run (a holder enrolled for three
scopes at once hears it once), to every active member of the subject's
organisation, written in bulk inside the run's transaction; unique per
(recipient, source) like every notification, so a re-run writes nothing
twice. The e-mails go out after commit through a task, in chunks, reusing
``takedowns.notifications.delivery`` (each send claims its row first).
"""

from datetime import UTC

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from good_faith.membership import change_reason_read
from good_faith.models import MembershipStatus
from portal.events import events_announce
from portal.i18n import language_or_default
from portal.instants import instant_text
from portal.models import Membership as OrganisationMembership
from takedowns.models import InfringementType, Notification
from takedowns.notifications.delivery import path_or_blank

EMAIL_CHUNK = 500


def _scope_label(infringement_type):
    return InfringementType(infringement_type).label.lower() if infringement_type else gettext("all infringement types")


def _line(change):
    values = {"scope": _scope_label(change.membership.infringement_type), "reason": change_reason_read(change)}
    to = change.to_status
    if change.cause == "override_lifted":
        text = gettext(
            "%(scope)s: the staff decision was lifted; the nightly evaluation decides again. Reason: %(reason)s"
        )
    elif change.cause == "granted":
        text = gettext("%(scope)s: membership granted by platform staff. Reason: %(reason)s")
    elif change.cause == "revoked":
        text = gettext("%(scope)s: membership revoked by platform staff. Reason: %(reason)s")
    elif to == MembershipStatus.MEMBER:
        text = gettext("%(scope)s: you are now a member; your notices of this scope take the fast track.")
    else:
        text = gettext("%(scope)s: membership suspended (%(reason)s).")
        cooling = change.membership.cooling_off_until
        if cooling:
            text += " " + gettext("You can qualify again from %(until)s.")
            values["until"] = instant_text(cooling, UTC)
    return "- " + text % values


def _texts(subject_changes):
    """The subject line and body of a subject's notification, in the active language."""
    body = "\n".join(
        [
            gettext("Your Good Faith membership at %(site)s changed:") % {"site": settings.PORTAL_SITE_NAME},
            "",
            *(_line(change) for change in subject_changes),
        ]
    )
    subject_line = gettext("Good Faith membership: %(changes)s") % {
        "changes": ", ".join(
            f"{_scope_label(c.membership.infringement_type)} {MembershipStatus(c.to_status).label.lower()}"
            for c in subject_changes
        )
    }
    return subject_line[:200], body


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
    for user_id, org_id, language in (
        OrganisationMembership.objects.people()
        .filter(organisation_id__in=set(org_of.values()), user__is_active=True)
        .values_list("user_id", "organisation_id", "user__language")
    ):
        members.setdefault(org_id, []).append((user_id, language_or_default(language)))
    rows = []
    for subject, subject_changes in by_subject.items():
        org_id = org_of.get(subject)
        subject_changes.sort(key=lambda c: c.pk)
        source = f"good-faith-change-{subject_changes[0].pk}"
        # Holders get a link to their record page; partners have no page of their own yet.
        url = path_or_blank("good_faith:holder-detail", subject[1]) if subject[0] == "rights_holder" else ""
        # Each member reads it in their own language: written once per language among them.
        texts = {}
        for user_id, language in members.get(org_id, []):
            if language not in texts:
                with translation.override(language):
                    texts[language] = _texts(subject_changes)
            subject_line, body = texts[language]
            rows.append(
                Notification(
                    recipient_id=user_id,
                    organisation_id=org_id,
                    source=source,
                    subject=subject_line,
                    body=body,
                    url=url,
                )
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
