"""The notice in progress on the filing page (``NoticeDraft``): its verbs, its review and its filing.

A draft belongs to one person and one role (the organisation that files and the brand it files for:
the top bar's choice). Rows are added from the listing search or empty, edited on the page, removed;
evidence files are validated (``portal.uploads``) and stored with their row at once, so they survive a
page that comes back with an error. ``notice_draft_problems`` asks the filing's own rules
(``takedowns.notices``: the notice's fields and declarations, each line's listing, asset, text and open
complaint) plus what only a draft can get wrong (the same listing and asset twice, a store the brand
authorised and nobody confirmed). ``notice_draft_file`` files it through ``notice_submit`` (the set
path the API and CSV use) and deletes the draft in the same transaction; its files go after the commit.
Files of a removed row, a discarded or expired draft are deleted after commit too: never orphaned.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from listings.models import Store
from portal.transactions import durable_atomic, enclosing_transaction
from portal.uploads import upload_row_save
from rights_holders.models import IPAsset
from takedowns.draft_files import draft_file_upload, draft_files_delete_after_commit, draft_files_of
from takedowns.forms import MAX_EVIDENCE_FILES
from takedowns.models import InfringementType, NoticeDraft, NoticeDraftEvidence, NoticeDraftItem
from takedowns.notices import ItemDraft, filing_suspension_among, notice_submit
from takedowns.notices.lines import draft_text_problem, item_problem, listing_key, listings_find, open_items_find
from takedowns.notices.notice import notice_errors
from takedowns.recorded import recorded_read

NOTICE_FIELDS = ("filer_name", "filer_address", "filer_phone", "filer_email", "signature")
DECLARATION_FIELDS = ("good_faith_statement", "accuracy_statement", "authority_statement")
ROW_FIELDS = ("listing_ref", "infringement_type", "explanation", "test_buy_order_number", "test_buy_report")


class DraftExpired(ValidationError):
    pass


def draft_expire_days():
    return settings.NOTICE_DRAFT_EXPIRE_DAYS


def draft_max_items():
    return settings.NOTICE_DRAFT_MAX_ITEMS


def notice_draft_expired(draft, now=None):
    return draft.updated_at <= (now or timezone.now()) - timedelta(days=draft_expire_days())


def _drafts_of(user, role):
    return NoticeDraft.objects.filter(
        user_id=user.pk, organisation_id=role.organisation.pk, rights_holder_id=role.rights_holder.pk
    )


def notice_draft_drop_expired(user, role, now=None):
    """Delete the user's draft for ``role`` if it has expired (files too); True if there was one."""
    cutoff = (now or timezone.now()) - timedelta(days=draft_expire_days())
    ids = list(_drafts_of(user, role).filter(updated_at__lte=cutoff).values_list("pk", flat=True))
    if ids:
        notice_drafts_delete(ids)
    return bool(ids)


def notice_draft_find(user, role):
    """The user's draft for ``role`` as it is, expired or not (the filing says which), or None."""
    return _drafts_of(user, role).first()


def notice_draft_of(user, role):
    """The user's draft for ``role`` (an ActingRole), or None; an expired one is deleted first (files too)."""
    draft = _drafts_of(user, role).select_related("rights_holder").first()
    if draft is not None and notice_draft_expired(draft):
        notice_drafts_delete([draft.pk])
        return None
    return draft


def notice_draft_start(user, role):
    """The user's draft for ``role``, made (with the filer's name and e-mail filled in) if there is none."""
    draft = notice_draft_of(user, role)
    if draft is None:
        draft, _created = NoticeDraft.objects.get_or_create(
            user=user,
            organisation=role.organisation,
            rights_holder=role.rights_holder,
            defaults={"filer_name": user.get_full_name() or user.get_username(), "filer_email": user.email},
        )
    return draft


def _touch(draft, now=None):
    draft.updated_at = now or timezone.now()
    NoticeDraft.objects.filter(pk=draft.pk).update(updated_at=draft.updated_at)


def _room_check(draft):
    if NoticeDraftItem.objects.filter(draft_id=draft.pk).count() >= draft_max_items():
        raise ValidationError(
            ngettext(
                "A notice holds at most %(max)d listing. File this one, then start another (or use bulk filing).",
                "A notice holds at most %(max)d listings. File this one, then start another (or use bulk filing).",
                draft_max_items(),
            )
            % {"max": draft_max_items()},
            code="too_many_items",
        )


def notice_draft_listing_add(draft, listing):
    """A row for ``listing`` (from the search). Refused: the listing is in the notice already, or it is full."""
    with durable_atomic():
        draft = NoticeDraft.objects.select_for_update().get(pk=draft.pk)
        if NoticeDraftItem.objects.filter(draft_id=draft.pk, listing_ref=listing.external_id).exists():
            raise ValidationError(
                _("Listing %(listing)s is already in your notice.") % {"listing": listing.external_id},
                code="duplicate",
            )
        _room_check(draft)
        row = NoticeDraftItem.objects.create(draft=draft, listing_ref=listing.external_id)
        _touch(draft)
    return row


def notice_draft_row_add(draft):
    """An empty row (the filer types the listing id). Refused when the notice is full."""
    with durable_atomic():
        draft = NoticeDraft.objects.select_for_update().get(pk=draft.pk)
        _room_check(draft)
        row = NoticeDraftItem.objects.create(draft=draft)
        _touch(draft)
    return row


def notice_draft_row_remove(draft, row_id):
    """Remove a row and its files. A row that is not in this draft: NoticeDraftItem.DoesNotExist."""
    with durable_atomic():
        row = NoticeDraftItem.objects.select_for_update().get(pk=row_id, draft_id=draft.pk)
        files = draft_files_of(NoticeDraftEvidence.objects.filter(item_id=row.pk))
        row.delete()
        _touch(draft)
        draft_files_delete_after_commit(files)


def notice_draft_evidence_remove(draft, evidence_id):
    with durable_atomic():
        evidence = NoticeDraftEvidence.objects.get(pk=evidence_id, item__draft_id=draft.pk)
        files = draft_files_of([evidence])
        evidence.delete()
        _touch(draft)
        draft_files_delete_after_commit(files)


def notice_drafts_delete(draft_ids):
    """Delete these drafts, their rows and (after commit) their files."""
    with durable_atomic():
        files = draft_files_of(NoticeDraftEvidence.objects.filter(item__draft_id__in=draft_ids))
        NoticeDraft.objects.filter(pk__in=draft_ids).delete()
        draft_files_delete_after_commit(files)


def notice_drafts_expire(now=None):
    """Drafts untouched for NOTICE_DRAFT_EXPIRE_DAYS, deleted with their files. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=draft_expire_days())
    ids = list(NoticeDraft.objects.filter(updated_at__lte=cutoff).values_list("pk", flat=True)[:1000])
    if ids:
        notice_drafts_delete(ids)
    return len(ids)


def notice_draft_save(draft, *, fields, rows, evidence=None):
    """Keep what the page sent: the notice's ``fields``, each row's (``rows``: {row id: {field: value}}) and
    new evidence (``evidence``: {row id: [ValidatedUpload]}, already validated). Rows not in the draft are
    ignored (a row removed in another tab). Nothing is checked here: the review does that."""
    evidence = evidence or {}
    with durable_atomic():
        draft = NoticeDraft.objects.select_for_update().get(pk=draft.pk)
        for name in (*NOTICE_FIELDS, *DECLARATION_FIELDS):
            if name in fields:
                setattr(draft, name, fields[name])
        draft.updated_at = timezone.now()
        draft.save()
        existing = {row.pk: row for row in NoticeDraftItem.objects.filter(draft_id=draft.pk)}
        usable = {
            asset.pk
            for asset in IPAsset.objects.filter(
                rights_holder_id=draft.rights_holder_id,
                pk__in={v.get("ip_asset_id") for v in rows.values() if v.get("ip_asset_id")},
            )
        }
        for row_id, values in rows.items():
            row = existing.get(row_id)
            if row is None:
                continue
            for name in ROW_FIELDS:
                if name in values:
                    setattr(row, name, values[name])
            row.ip_asset_id = values.get("ip_asset_id") if values.get("ip_asset_id") in usable else None
            row.authorised_store_confirmed = bool(values.get("authorised_store_confirmed"))
            row.save()
        for row_id, uploads in evidence.items():
            if row_id not in existing:
                continue
            for validated in uploads:
                upload_row_save(NoticeDraftEvidence(item_id=row_id), validated)
    return draft


@dataclass
class DraftRow:
    row: NoticeDraftItem
    number: int
    listing: object = None  # the Listing the row names, when there is one
    evidence: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)  # field name -> message
    authorised: bool = False  # the listing's store is on the brand's authorised list
    store: object = None

    @property
    def type_label(self):
        return dict(InfringementType.choices).get(self.row.infringement_type, "")


@dataclass
class DraftReview:
    draft: NoticeDraft
    rows: list
    errors: dict = field(default_factory=dict)  # notice field -> message
    suspension: object = None

    @property
    def ok(self):
        return not self.errors and not any(row.errors for row in self.rows) and self.rows and not self.suspension

    @property
    def error_count(self):
        return len(self.errors) + sum(len(row.errors) for row in self.rows)


# A filing rule's problem (takedowns.notices.lines, English for the records) in the reader's language.
def _problem_text(problem, listing, asset):
    texts = {
        "asset_expired": _("The IP asset “%(asset)s” has expired; renew it before filing."),
        "asset_not_verified": _("The IP asset “%(asset)s” is not verified; only verified assets can back a notice."),
        "asset_foreign": _("The IP asset “%(asset)s” does not belong to this brand."),
        "listing_removed": _("Listing %(listing)s has already been removed from the marketplace."),
        "duplicate": _(
            "An open complaint already exists for listing %(listing)s and this asset; follow it instead of filing again."
        ),
        "infringement_type_invalid": _("Choose an infringement type."),
        "explanation_required": _("Explain how the listing infringes the right."),
    }
    text = texts.get(problem.code)
    if text is None:
        return str(problem)
    return text % {"asset": asset.name if asset else "", "listing": listing.external_id if listing else ""}


_PROBLEM_FIELD = {
    "asset_expired": "ip_asset",
    "asset_not_verified": "ip_asset",
    "asset_foreign": "ip_asset",
    "listing_removed": "listing_ref",
    "duplicate": "listing_ref",
    "infringement_type_invalid": "infringement_type",
    "explanation_required": "explanation",
    "explanation_invalid": "explanation",
    "test_buy_report_invalid": "test_buy_report",
    "test_buy_order_number_invalid": "test_buy_order_number",
}


def notice_draft_review(draft, now=None, *, suspension=True):
    """The draft as it would be filed, with every problem by its field: the filing's own rules first.

    A constant number of queries: rows (with their assets), evidence, listings (with the authorised
    flag), open items, the suspensions."""
    now = now or timezone.now()
    rows = list(NoticeDraftItem.objects.filter(draft_id=draft.pk).select_related("ip_asset").order_by("pk"))
    evidence = {}
    for stored in NoticeDraftEvidence.objects.filter(item__draft_id=draft.pk).order_by("pk"):
        evidence.setdefault(stored.item_id, []).append(stored)
    items = [
        ItemDraft(listing_ref=row.listing_ref.strip(), ip_asset_id=row.ip_asset_id, **_row_texts(row)) for row in rows
    ]
    listings = listings_find(items, draft.rights_holder, on=now.date())
    open_items = open_items_find(
        {
            (listings[key].pk, row.ip_asset_id)
            for row, item in zip(rows, items, strict=True)
            if (key := listing_key(item)) in listings and row.ip_asset_id
        }
    )
    review = DraftReview(draft=draft, rows=[])
    data = {name: getattr(draft, name) for name in (*NOTICE_FIELDS, *DECLARATION_FIELDS)}
    for name, message in notice_errors(data).items():
        review.errors[name] = _declaration_or_field_message(name, message)
    seen = {}
    for number, (row, item) in enumerate(zip(rows, items, strict=True), start=1):
        listing = listings.get(listing_key(item))
        shown = DraftRow(row=row, number=number, listing=listing, evidence=evidence.get(row.pk, []))
        review.rows.append(shown)
        errors = shown.errors
        if not item.listing_ref:
            errors["listing_ref"] = _("Give the listing id (or find the listing with the search).")
        elif listing is None:
            errors["listing_ref"] = _("No listing %(listing)s on the marketplace.") % {"listing": item.listing_ref}
        if row.ip_asset_id is None:
            errors["ip_asset"] = _("Choose one of the brand’s verified IP assets.")
        if row.infringement_type not in InfringementType.values:
            errors["infringement_type"] = _("Choose an infringement type.")
        if not row.explanation.strip():
            errors["explanation"] = _("Explain how the listing infringes the right.")
        if text_problem := draft_text_problem(item):
            errors.setdefault(_PROBLEM_FIELD.get(text_problem.code, "explanation"), recorded_read(text_problem))
        if len(shown.evidence) > MAX_EVIDENCE_FILES:
            errors["evidence"] = _("Attach at most %(max)d files; combine the rest into one PDF.") % {
                "max": MAX_EVIDENCE_FILES
            }
        if listing is None or row.ip_asset is None:
            continue
        shown.authorised = bool(listing.authorised_for_holder)
        pair = (listing.pk, row.ip_asset_id)
        if pair in seen:
            errors["listing_ref"] = _("Row %(row)d names the same listing and asset already.") % {"row": seen[pair]}
            continue
        seen[pair] = number
        problem = item_problem(
            item,
            rights_holder=draft.rights_holder,
            listing=listing,
            asset=row.ip_asset,
            now=now,
            open_item_id=open_items.get(pair),
        )
        if problem:
            errors.setdefault(
                _PROBLEM_FIELD.get(problem.code, "listing_ref"), _problem_text(problem, listing, row.ip_asset)
            )
        if shown.authorised and not row.authorised_store_confirmed:
            errors["authorised_store_confirmed"] = _(
                "This listing’s store is on the brand’s list of authorised sellers. Tick the box to file "
                "anyway (the notice will not take the fast track), or remove the row."
            )
    stores = Store.objects.in_bulk({shown.listing.store_id for shown in review.rows if shown.listing})
    for shown in review.rows:
        shown.store = stores.get(shown.listing.store_id) if shown.listing else None
    if not rows:
        review.errors["items"] = _("Add at least one listing to the notice.")
    # The filing asks again itself (notice_submit): the filing passes suspension=False.
    review.suspension = notice_draft_suspension(draft, now) if suspension else None
    return review


def _row_texts(row):
    return {
        "infringement_type": row.infringement_type,
        "explanation": row.explanation,
        "test_buy_order_number": row.test_buy_order_number,
        "test_buy_report": row.test_buy_report,
    }


def _declaration_or_field_message(name, message):
    texts = {
        "filer_name": _("Give the filer’s full name."),
        "filer_address": _("Give a postal address where the filer can be reached."),
        "filer_phone": _("Give a phone number."),
        "filer_email": _("Give an e-mail address."),
        "signature": _("Type your full name as your signature."),
        "good_faith_statement": _("Confirm your good-faith belief that the use is not authorised."),
        "accuracy_statement": _("Confirm that the information in the notice is accurate."),
        "authority_statement": _("Confirm that you are authorised to act for the rights holder."),
    }
    # Else the field's text cannot be stored (``text_problem``, in English): said in the reader's language.
    return texts[name] if message in _ENGLISH_DEFAULTS.values() else recorded_read(message)


def _english_defaults():
    from takedowns.notices.notice import DECLARATIONS, FIELD_MESSAGES

    return {**FIELD_MESSAGES, **DECLARATIONS}


_ENGLISH_DEFAULTS = _english_defaults()


def notice_draft_suspension(draft, now=None):
    """The filing suspension that stops this draft's filer or brand now (the later-ending one), or None:
    the filing's own rule (``filing_suspension_among``), so the page names the end the filing would."""
    return filing_suspension_among({draft.organisation_id, draft.rights_holder.organisation_id}, now)


def notice_draft_file(*, draft_id, user, role, now=None):
    """File the draft through ``notice_submit`` (the same path as the API and CSV) and delete it with its
    files, in one transaction. Refusals write nothing: ``DraftExpired``; ``ValidationError`` with the
    review (``.review``) when the draft has a problem; the filing's own ValidationError/PermissionDenied."""
    now = now or timezone.now()
    with durable_atomic(), enclosing_transaction():
        # Locked: a second click waits here, then finds the draft gone (filed once).
        draft = (
            NoticeDraft.objects.select_for_update(of=("self",))
            .select_related("rights_holder")
            .filter(
                pk=draft_id, user_id=user.pk, organisation_id=role.organisation.pk, rights_holder=role.rights_holder
            )
            .first()
        )
        if draft is None:
            raise DraftExpired(_("This notice is no longer in progress (it was filed or discarded)."), code="gone")
        if notice_draft_expired(draft, now):
            raise DraftExpired(
                _("This notice was left unchanged for %(days)d days and has expired; start it again.")
                % {"days": draft_expire_days()},
                code="expired",
            )
        review = notice_draft_review(draft, now, suspension=False)
        if not review.ok:
            error = ValidationError(_("The notice has problems; correct them before filing."), code="invalid")
            error.review = review
            raise error
        drafts = [
            ItemDraft(
                listing_ref=shown.row.listing_ref.strip(),
                ip_asset_id=shown.row.ip_asset_id,
                ip_asset=shown.row.ip_asset,
                evidence=[draft_file_upload(stored) for stored in shown.evidence],
                **_row_texts(shown.row),
            )
            for shown in review.rows
        ]
        data = {name: getattr(draft, name) for name in (*NOTICE_FIELDS, *DECLARATION_FIELDS)}
        receipt = notice_submit(
            actor=user,
            rights_holder=draft.rights_holder,
            acting_organisation=draft.organisation,
            data=data,
            drafts=drafts,
            now=now,
        )
        files = draft_files_of([stored for shown in review.rows for stored in shown.evidence])
        draft.delete()
        draft_files_delete_after_commit(files)
    return receipt


def notice_draft_row_count(draft):
    if draft is None:
        return 0
    return NoticeDraftItem.objects.filter(draft_id=draft.pk).aggregate(n=Count("pk"))["n"]
