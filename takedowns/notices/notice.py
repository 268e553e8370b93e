"""The notice as a whole: what it must carry, the receipt of a filing, who may not file now, its audit entry."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_log_entry
from portal.forms import text_problem
from takedowns.models import Channel, FilingSuspension, Notice

NOTICE_FIELDS = ("filer_name", "filer_address", "filer_phone", "filer_email", "signature")
DECLARATIONS = {
    "good_faith_statement": "Confirm your good-faith belief that the use is not authorised.",
    "accuracy_statement": "Confirm that the information in the notice is accurate.",
    "authority_statement": "Confirm, under penalty of perjury, that you are authorised to act for the rights holder.",
}
FIELD_MESSAGES = {
    "filer_name": "Give the filer's full name.",
    "filer_address": "Give a postal address where the filer can be reached.",
    "filer_phone": "Give a phone number.",
    "filer_email": "Give an e-mail address.",
    "signature": "Type your full name as your signature.",
}


@dataclass
class Receipt:
    notice: Notice | None
    accepted: list = field(default_factory=list)  # NoticeItem
    invalid: list = field(default_factory=list)  # NoticeItem (status invalid, with invalid_reason)
    refused: list = field(default_factory=list)  # (line number, LineProblem) not recorded at all
    # Each recorded item's line (1-based, the order the filer gave) and, for an invalid one, its problem.
    lines: dict = field(default_factory=dict)  # item pk -> line number
    problems: dict = field(default_factory=dict)  # item pk -> LineProblem


def filing_suspension_of(organisation_id, now=None):
    now = now or timezone.now()
    return (
        FilingSuspension.objects.filter(
            organisation_id=organisation_id, lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-ends_at")
        .first()
    )


def filing_suspension_among(organisation_ids, now=None):
    """The suspension that stops a filing by these organisations now (the filer's and the brand's): when
    more than one does, the one that ends last, since filing is possible only after it. None if none does."""
    now = now or timezone.now()
    return (
        FilingSuspension.objects.filter(
            organisation_id__in=set(organisation_ids), lifted_at__isnull=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-ends_at", "-pk")
        .first()
    )


def filing_suspension_refuse(organisation_ids, now=None):
    """Refuse a filing by these organisations while one of them is suspended (ValidationError
    ``filing_suspended``), naming the end of ``filing_suspension_among``'s suspension."""
    suspension = filing_suspension_among(organisation_ids, now)
    if suspension is not None:
        raise ValidationError(
            _("Filing is suspended until %(end)s UTC: %(reason)s"),
            code="filing_suspended",
            params={"end": f"{suspension.ends_at:%Y-%m-%d %H:%M}", "reason": suspension.reason},
        )


def notice_errors(data):
    errors = {}
    for name in NOTICE_FIELDS:
        if not str(data.get(name) or "").strip():
            errors[name] = FIELD_MESSAGES[name]
        elif problem := text_problem(data[name], multiline=False, max_length=Notice._meta.get_field(name).max_length):
            errors[name] = problem
    for name, message in DECLARATIONS.items():
        if data.get(name) is not True:
            errors[name] = message
    return errors


def notice_submitted_entry(notice, accepted, invalid, *, refused, actor):
    """The notice's own audit entry (unsaved): what was accepted, returned invalid and refused."""
    return audit_log_entry(
        action="takedowns.notice.submitted",
        actor=actor,
        # A platform notice has no person behind it: screening filed it (as its items' history says).
        actor_label="screening" if actor is None and notice.channel == Channel.PROACTIVE else None,
        obj=notice,
        organisation_id=notice.rights_holder.organisation_id,
        data={
            "channel": notice.channel,
            "accepted": [i.pk for i in accepted],
            "invalid": [i.pk for i in invalid],
            "refused": [reason for _, reason in refused],
        },
    )
