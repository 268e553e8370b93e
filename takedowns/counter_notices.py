"""Writing a counter-notice and its evidence (called by lifecycle.notice_item_counter_notice)."""

from django.core.exceptions import ValidationError

from portal.forms import text_problem
from portal.uploads import upload_row_save
from takedowns.models import CounterNotice, CounterNoticeEvidence, InfringementType

REQUIRED_TEXT = {
    "statement": "Explain why the listing does not infringe.",
    "signature": "Type your full name as your signature.",
    "contact_name": "Give the name of the person responsible.",
    "contact_address": "Give a postal address.",
    "contact_phone": "Give a phone number.",
    "contact_email": "Give an e-mail address.",
}


def counter_notice_errors(item, fields):
    """Field -> message for everything missing; the DMCA 512(g)(3) declarations for copyright items."""
    errors = {}
    for name, message in REQUIRED_TEXT.items():
        if not str(fields.get(name) or "").strip():
            errors[name] = message
        elif problem := _text_problem(name, fields[name]):
            errors[name] = problem
    if not fields.get("accuracy_statement"):
        errors["accuracy_statement"] = "Confirm that the counter-notice is accurate."
    if item.infringement_type == InfringementType.COPYRIGHT:
        if not fields.get("good_faith_mistake_statement"):
            errors["good_faith_mistake_statement"] = (
                "For copyright, state under penalty of perjury that the listing was removed by mistake or "
                "misidentification."
            )
        if not fields.get("consent_to_jurisdiction"):
            errors["consent_to_jurisdiction"] = "For copyright, consent to the jurisdiction of the competent court."
        if not fields.get("consent_to_service"):
            errors["consent_to_service"] = "For copyright, accept service of process from the rights holder."
    return errors


def _text_problem(name, value):
    """Length and control characters, as the form checks them: the statement is prose, the rest one line."""
    if name == "statement":
        return text_problem(value, multiline=True)
    return text_problem(value, multiline=False, max_length=CounterNotice._meta.get_field(name).max_length)


def counter_notice_create(item, *, actor, fields, evidence):
    """Create the counter-notice and store its validated evidence, inside the caller's transaction.

    The files follow that transaction (``portal.uploads.upload_row_save``): a rollback deletes them.
    """
    from django.utils import timezone

    errors = counter_notice_errors(item, fields)
    if errors:
        raise ValidationError(errors)
    allowed = {f.name for f in CounterNotice._meta.get_fields()} - {"id", "item", "submitted_by", "evidence"}
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items() if k in allowed}
    values.setdefault("signed_at", timezone.now())
    counter_notice = CounterNotice.objects.create(item=item, submitted_by=actor, **values)
    for validated in evidence:
        upload_row_save(CounterNoticeEvidence(counter_notice=counter_notice), validated)
    return counter_notice
