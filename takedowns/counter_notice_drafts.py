"""The merchant's counter-notice in progress (``CounterNoticeDraft``): its evidence files, kept on the server.

The filing page keeps a notice's evidence the same way (``takedowns.drafts``): a file that passed the checks
(``portal.uploads``) is stored once, with a row of the person's own draft for the item, so a form that comes
back with an error shows it as kept instead of asking for it again. The form names the kept files it shows
(their ids, checked against the person's own draft: another's answers as a file no longer there), and
``counter_notice_file`` files the counter-notice with them and the new files through the lifecycle's verb,
deleting the draft in the same transaction and its files after the commit. A removed file goes after the
commit too; a draft left unchanged for ``NOTICE_DRAFT_EXPIRE_DAYS``, or whose item no longer awaits a
counter-notice (filed by a colleague, the window closed), is deleted with its files by the hourly expiry.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from portal.transactions import durable_atomic, enclosing_transaction
from portal.uploads import upload_row_save
from takedowns import lifecycle
from takedowns.draft_files import draft_file_upload, draft_files_delete_after_commit, draft_files_of
from takedowns.forms import KEPT_FILE_GONE, MAX_EVIDENCE_FILES, evidence_too_many
from takedowns.models import CounterNoticeDraft, CounterNoticeDraftEvidence, ItemStatus, NoticeItem


def _cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.NOTICE_DRAFT_EXPIRE_DAYS)


def counter_notice_draft_files(user, item):
    """The evidence ``user`` keeps for a counter-notice on ``item``, oldest first; [] when none (a draft left
    unchanged too long is deleted first, files too)."""
    draft = CounterNoticeDraft.objects.filter(user_id=user.pk, item_id=item.pk).first()
    if draft is None:
        return []
    if draft.updated_at <= _cutoff():
        counter_notice_drafts_delete([draft.pk])
        return []
    return list(CounterNoticeDraftEvidence.objects.filter(draft_id=draft.pk).order_by("pk"))


def counter_notice_draft_keep(*, item_id, actor, uploads, now=None):
    """Keep ``uploads`` (validated ``ValidatedUpload``s) for ``actor``'s counter-notice on the item. Refused,
    with nothing stored: the actor may not counter-notice the item now (the lifecycle's refusal), or the kept
    files would pass ``MAX_EVIDENCE_FILES`` (a ValidationError on ``evidence``)."""
    now = now or timezone.now()
    with durable_atomic():
        item = NoticeItem.objects.get(pk=item_id)
        refusal = lifecycle.transition_refusal(item, "counter_noticed", actor=actor, now=now)
        if refusal is not None:
            raise refusal
        draft, _created = CounterNoticeDraft.objects.get_or_create(user=actor, item=item)
        # Locked: two tabs keeping files at once count each other's.
        draft = CounterNoticeDraft.objects.select_for_update().get(pk=draft.pk)
        kept = CounterNoticeDraftEvidence.objects.filter(draft_id=draft.pk).count()
        if kept + len(uploads) > MAX_EVIDENCE_FILES:
            raise ValidationError({"evidence": evidence_too_many(kept)})
        for validated in uploads:
            upload_row_save(CounterNoticeDraftEvidence(draft=draft), validated)
        draft.updated_at = now
        draft.save(update_fields=["updated_at"])
    return draft


def counter_notice_draft_file_remove(*, evidence_id, actor):
    """One kept file of ``actor``'s own goes (its bytes after the commit); returns its item's id. Another
    person's file, or one already gone: ``CounterNoticeDraftEvidence.DoesNotExist``."""
    with durable_atomic():
        stored = CounterNoticeDraftEvidence.objects.select_related("draft").get(pk=evidence_id, draft__user_id=actor.pk)
        files = draft_files_of([stored])
        stored.delete()
        CounterNoticeDraft.objects.filter(pk=stored.draft_id).update(updated_at=timezone.now())
        draft_files_delete_after_commit(files)
    return stored.draft.item_id


def counter_notice_file(*, item_id, actor, fields, kept_ids, uploads, now=None):
    """File ``actor``'s counter-notice on the item with the kept files ``kept_ids`` names and the new ``uploads``,
    through ``lifecycle.notice_item_counter_notice``, and delete the draft (its files after the commit), all in
    one transaction. Refused, with nothing written and nothing deleted: a kept file that is not in the actor's
    draft, more than ``MAX_EVIDENCE_FILES`` files, and whatever the verb refuses."""
    with durable_atomic(), enclosing_transaction():
        draft = CounterNoticeDraft.objects.select_for_update().filter(user_id=actor.pk, item_id=item_id).first()
        wanted = set(kept_ids)
        kept = list(CounterNoticeDraftEvidence.objects.filter(draft_id=draft.pk, pk__in=wanted)) if draft else []
        if len(kept) != len(wanted):
            raise ValidationError({"evidence": KEPT_FILE_GONE}, code="kept_file_gone")
        if len(kept) + len(uploads) > MAX_EVIDENCE_FILES:
            raise ValidationError({"evidence": evidence_too_many(len(kept))})
        item = lifecycle.notice_item_counter_notice(
            item_id=item_id,
            actor=actor,
            counter_notice_fields=fields,
            evidence=[*(draft_file_upload(stored) for stored in kept), *uploads],
            now=now,
        )
        if draft is not None:
            files = draft_files_of(CounterNoticeDraftEvidence.objects.filter(draft_id=draft.pk))
            draft.delete()
            draft_files_delete_after_commit(files)
    return item


def counter_notice_drafts_delete(draft_ids):
    """Delete these drafts, their rows and (after commit) their files."""
    with durable_atomic():
        files = draft_files_of(CounterNoticeDraftEvidence.objects.filter(draft_id__in=draft_ids))
        CounterNoticeDraft.objects.filter(pk__in=draft_ids).delete()
        draft_files_delete_after_commit(files)


def counter_notice_drafts_expire(now=None):
    """Abandoned counter-notices in progress, deleted with their files: unchanged for NOTICE_DRAFT_EXPIRE_DAYS, or
    their item no longer awaits a counter-notice (filed, the window closed, withdrawn). Returns how many."""
    abandoned = Q(updated_at__lte=_cutoff(now)) | ~Q(item__status=ItemStatus.AWAITING_COUNTER_NOTICE)
    ids = list(CounterNoticeDraft.objects.filter(abandoned).values_list("pk", flat=True)[:1000])
    if ids:
        counter_notice_drafts_delete(ids)
    return len(ids)
