"""Filing a notice (``notice_submit``): the notice first, then each line on its own.

A notice with one bad item among ten keeps the nine. Items that cannot be
recorded at all (an unknown listing or asset) are returned as refused lines
with their reason. Receipt is confirmed to the filer at once (a notification
effect of each item's first event, sent after commit).
"""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.i18n import text_later
from portal.lock_conflicts import lock_conflict, lock_conflict_retry
from portal.scoping import organisation_ids_of
from portal.transactions import durable_atomic
from portal.uploads import upload_row_save
from rights_holders.authority import acting_role_check, vetting_authority
from rights_holders.models import IPAsset
from takedowns.lifecycle import notice_item_create, notice_item_route
from takedowns.models import (
    OPEN_STATUSES,
    Channel,
    Evidence,
    InfringementType,
    ItemStatus,
    Notice,
    NoticeItem,
)
from takedowns.notices.lines import (
    INFRINGEMENT_TYPES,
    LineProblem,
    draft_text_problem,
    duplicate_reason,
    item_problem,
    listing_key,
    listings_find,
    open_items_find,
)
from takedowns.notices.notice import (
    DECLARATIONS,
    NOTICE_FIELDS,
    Receipt,
    filing_suspension_refuse,
    notice_errors,
    notice_submitted_entry,
)
from takedowns.notices.track_choice import tracks_for
from takedowns.recorded import filing
from takedowns.routing import FilingLine, OpenItemClash, notice_items_file, set_filing_possible

# How many times a filing ended by a lock conflict is filed again before the filer is asked to retry.
FILING_ATTEMPTS = 3


def notice_submit(
    *, actor, rights_holder, data, drafts, acting_organisation=None, channel=Channel.WEB, partner=None, now=None
):
    """File a notice. Notice-level problems raise ValidationError/PermissionDenied and write nothing.

    ``acting_organisation`` is the organisation that files: the brand's own, or an agent firm whose
    letter of authorisation covers the brand (the filer names it; it is checked, never guessed). A
    partner files as its own organisation. Returns a Receipt: the notice, its accepted and invalid
    items, and lines refused outright.

    A filing that PostgreSQL ends to break a lock cycle with another filing naming the same
    listings is filed again (nothing of it was kept); if that keeps happening the filer is
    asked to try again, never shown a server error. A filing whose set insert meets an item
    another filing opened meanwhile (``OpenItemClash``) is filed again item by item.
    """
    if channel == Channel.PROACTIVE:
        # That channel is the fast track without a person's authority: only the platform files on it.
        raise ValueError("Proactive notices are the platform's own: file them with platform_notice_submit.")
    now = now or timezone.now()

    def filer():
        return _filer_organisation(
            actor=actor, rights_holder=rights_holder, acting_organisation=acting_organisation, partner=partner, now=now
        )

    return _submit(
        filer=filer,
        actor=actor,
        rights_holder=rights_holder,
        data=data,
        drafts=drafts,
        channel=channel,
        partner=partner,
        now=now,
        keep_invalid=True,
    )


def platform_notice_submit(*, rights_holder, organisation, data, drafts, now=None):
    """The marketplace (``organisation``) files a notice for ``rights_holder``: proactive screening's notices.

    The same filing as ``notice_submit``, with no person as the filer (``filed_by`` empty; the
    history names "screening") and channel proactive, which ``track_for`` sends to the fast
    track. One difference: a line that cannot go ahead (an asset not verified, a listing
    removed, an open item for the same listing and asset, also one another filing opened a
    moment ago) is refused, never kept as an invalid item: nobody asked for this notice, so a
    refusal is only returned (``Receipt.refused``). If every line is refused the notice is not
    kept either (ValidationError, each error with its ``line``). The caller has checked that
    the holder opted in (``takedowns.proactive``).
    """
    now = now or timezone.now()
    return _submit(
        filer=lambda: organisation,
        actor=None,
        rights_holder=rights_holder,
        data=data,
        drafts=drafts,
        channel=Channel.PROACTIVE,
        partner=None,
        now=now,
        keep_invalid=False,
    )


def _submit(**arguments):
    def attempt():
        try:
            return _notice_submit_once(**arguments, as_set=True)
        except OpenItemClash:
            # Nothing of the first attempt was kept; item by item, each clash becomes an invalid item.
            return _notice_submit_once(**arguments, as_set=False)

    try:
        return lock_conflict_retry(attempt, attempts=FILING_ATTEMPTS)
    except OperationalError as exc:
        if not lock_conflict(exc):
            raise
        raise ValidationError(
            _("Other notices naming the same listings are being filed at this moment; file this one again."),
            code="busy",
        ) from exc


def _filer_organisation(*, actor, rights_holder, acting_organisation, partner, now):
    """The organisation that files, once the actor's right to file through it is checked."""
    if partner is not None:
        if partner.organisation_id not in organisation_ids_of(actor):
            raise PermissionDenied(_("You do not belong to this partner."))
        if acting_organisation is not None and acting_organisation.pk != partner.organisation_id:
            raise PermissionDenied(
                text_later(_("A notice vetted by %(partner)s is filed by %(partner)s itself."), partner=partner)
            )
        if not vetting_authority([partner.organisation_id]).filter(pk=rights_holder.pk).exists():
            raise PermissionDenied(
                text_later(
                    _("%(partner)s does not file for %(brand)s."), partner=partner, brand=rights_holder.legal_name
                )
            )
        return partner.organisation
    role = acting_role_check(user=actor, rights_holder=rights_holder, organisation=acting_organisation, when=now)
    return role.organisation


def _notice_submit_once(*, filer, actor, rights_holder, data, drafts, channel, partner, now, keep_invalid, as_set):
    filer_org = filer()
    filing_suspension_refuse({rights_holder.organisation_id, filer_org.pk}, now)
    errors = notice_errors(data)
    if errors:
        raise ValidationError(errors)
    if not drafts:
        raise ValidationError(_("Add at least one listing to the notice."), code="no_items")

    receipt = Receipt(notice=None)
    with durable_atomic():  # it deletes the evidence files it stored if it rolls back
        notice = Notice.objects.create(
            rights_holder=rights_holder,
            filed_by=actor,
            filer_organisation=filer_org,
            partner=partner,
            channel=channel,
            signed_at=now,
            submitted_at=now,
            **{k: str(data[k]).strip() for k in NOTICE_FIELDS},
            **dict.fromkeys(DECLARATIONS, True),
        )
        receipt.notice = notice
        # Listings (with their authorised-store flag), assets and open items for the whole notice in
        # three queries, not three per line; none for the assets the caller has just read.
        assets = {
            d.ip_asset.pk: d.ip_asset for d in drafts if d.ip_asset is not None and d.ip_asset.pk == d.ip_asset_id
        }
        if unread := {d.ip_asset_id for d in drafts if d.ip_asset_id and d.ip_asset_id not in assets}:
            assets.update(IPAsset.objects.in_bulk(unread))
        listings = listings_find(drafts, rights_holder, on=now.date())
        open_items = open_items_find(
            {
                (listings[key].pk, d.ip_asset_id)
                for d in drafts
                if (key := listing_key(d)) in listings and d.ip_asset_id in assets
            }
        )
        lines = []
        for number, draft in enumerate(drafts, start=1):
            listing = listings.get(listing_key(draft))
            asset = assets.get(draft.ip_asset_id)
            if listing is None:
                shown = draft.listing_shown or draft.listing_ref
                refusal = filing.LINE_LISTING_UNKNOWN % {"line": number, "listing": repr(shown)}
                receipt.refused.append((number, LineProblem(refusal, "listing_unknown")))
                continue
            if asset is None:
                refusal = filing.LINE_ASSET_UNKNOWN % {"line": number}
                receipt.refused.append((number, LineProblem(refusal, "asset_unknown")))
                continue
            if text_refusal := draft_text_problem(draft, line=number):
                # Not kept even as an invalid item: a megabyte of explanation is not stored to say no.
                receipt.refused.append((number, text_refusal))
                continue
            problem = item_problem(
                draft,
                rights_holder=rights_holder,
                listing=listing,
                asset=asset,
                now=now,
                open_item_id=open_items.get((listing.pk, asset.pk)),
            )
            if problem and not keep_invalid:
                receipt.refused.append((number, problem))
                continue
            fields = {
                "listing": listing,
                "ip_asset": asset,
                "infringement_type": draft.infringement_type
                if draft.infringement_type in INFRINGEMENT_TYPES
                else InfringementType.OTHER,
                "explanation": (draft.explanation or "").strip(),
                "test_buy_order_number": draft.test_buy_order_number.strip(),
                "test_buy_report": draft.test_buy_report.strip(),
                "screening_reference": draft.screening_reference,
            }
            lines.append(FilingLine(number, draft, listing, asset, fields, listing.authorised_for_holder, problem))
        if not lines:
            # Each refusal keeps its line and code (the API points at the line); nothing is kept.
            raise _refusals_error(receipt.refused)

        if as_set and set_filing_possible(lines):
            receipt.accepted, receipt.invalid = notice_items_file(
                notice=notice,
                lines=lines,
                actor=actor,
                now=now,
                notice_audit=partial(notice_submitted_entry, notice, refused=receipt.refused, actor=actor),
            )
            for line in lines:
                receipt.lines[line.item.pk] = line.number
                if line.problem:
                    receipt.problems[line.item.pk] = line.problem
            valid_lines = [line for line in lines if not line.problem]
            for item, line in zip(receipt.accepted, valid_lines, strict=True):
                _evidence_store(item, line.draft, actor=actor)
            filed_items = [*receipt.accepted, *receipt.invalid]
        else:
            _items_file_one_by_one(
                notice, lines, actor=actor, now=now, receipt=receipt, open_items=open_items, keep_invalid=keep_invalid
            )
            if not receipt.accepted and not receipt.invalid:
                # Every line refused (platform filing: each clashed with another filing's item).
                raise _refusals_error(receipt.refused)
            entry = notice_submitted_entry(
                notice, receipt.accepted, receipt.invalid, refused=receipt.refused, actor=actor
            )
            entry.save(force_insert=True)
            for item, (track, reason) in zip(receipt.accepted, tracks_for(notice, receipt.accepted), strict=True):
                notice_item_route(item_id=item.pk, track=track, reason=reason, now=now)
            filed_items = None  # routed by the verbs: the receipt reads them afresh
        # The filer's receipt: one notification for the whole notice, in this transaction.
        from takedowns.notifications import notice_receipt_write

        notice_receipt_write(notice, filed_items)
    if filed_items is None:
        # The items as routing left them (one query; their relations load afresh, as after refresh_from_db).
        fresh = NoticeItem.objects.in_bulk([item.pk for item in receipt.accepted])
        receipt.accepted = [fresh[item.pk] for item in receipt.accepted]
    return receipt


def _refusals_error(refused):
    """The ValidationError of a filing whose every line was refused: one error per line, with its code and line."""
    return ValidationError(
        [_line_error(n, reason) for n, reason in sorted(refused, key=lambda pair: pair[0])]
        or [ValidationError(_("Add at least one listing to the notice."), code="no_items")]
    )


def _line_error(number, reason):
    """A refused line as a ValidationError that keeps its code and, in ``line``, its 1-based line number.

    Not in ``params``: Django would %-format the text with them, and a listing id the filer typed
    may hold a ``%``.
    """
    error = ValidationError(reason, code=reason.code)
    error.line = number
    return error


def _items_file_one_by_one(notice, lines, *, actor, now, receipt, open_items, keep_invalid=True):
    """Create the items one by one (SQLite; a notice naming a listing and asset twice; a concurrent filing).

    ``keep_invalid=False`` (the platform's filing): a line that would be an invalid item is refused instead.
    """
    for line in lines:
        create = partial(
            notice_item_create,
            notice=notice,
            fields=line.fields,
            actor=actor,
            authorised_store_flag=line.authorised_store_flag,
            now=now,
        )
        pair = (line.listing.pk, line.asset.pk)
        problem = line.problem
        if not problem and pair in open_items:
            # A second line for the same listing and asset in this notice points to the first's item.
            problem = duplicate_reason(open_items[pair], line.listing)
        if problem and not keep_invalid:
            receipt.refused.append((line.number, problem))
            continue
        try:
            with transaction.atomic():
                item = create(invalid_reason=problem)
        except IntegrityError:
            # Another filing opened the same listing and asset a moment ago.
            other = NoticeItem.objects.filter(
                listing=line.listing, ip_asset=line.asset, status__in=OPEN_STATUSES
            ).first()
            problem = duplicate_reason(other.pk if other else "?", line.listing)
            if not keep_invalid:
                receipt.refused.append((line.number, problem))
                continue
            item = create(invalid_reason=problem)
        receipt.lines[item.pk] = line.number
        if item.status == ItemStatus.INVALID:
            receipt.invalid.append(item)
            receipt.problems[item.pk] = problem
            continue
        open_items[pair] = item.pk
        _evidence_store(item, line.draft, actor=actor)
        receipt.accepted.append(item)


def _evidence_store(item, draft, *, actor):
    for validated in draft.evidence:
        upload_row_save(Evidence(item=item, uploaded_by=actor), validated)
