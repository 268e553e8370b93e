"""Evidence files served by the private file view (portal.views.files), scoped like their items.

A notice's evidence and a counter-notice's evidence are readable by whoever may
see the item (both sides and reviewers); another organisation's file answers 404. A file kept for a notice or a
counter-notice in progress is its uploader's own until it is filed.
"""

from portal.files import FileKind, register_file_kind

EVIDENCE = "evidence"
COUNTER_EVIDENCE = "counter-evidence"
DRAFT_EVIDENCE = "draft-evidence"
COUNTER_DRAFT_EVIDENCE = "counter-draft-evidence"


def register():
    from takedowns.models import CounterNoticeDraftEvidence, CounterNoticeEvidence, Evidence, NoticeDraftEvidence

    register_file_kind(FileKind(EVIDENCE, lambda user: Evidence.objects.visible_to(user), "file"))
    register_file_kind(FileKind(COUNTER_EVIDENCE, lambda user: CounterNoticeEvidence.objects.visible_to(user), "file"))
    # A notice in progress: its files are the drafter's own until the notice is filed.
    register_file_kind(FileKind(DRAFT_EVIDENCE, lambda user: NoticeDraftEvidence.objects.visible_to(user), "file"))
    # A counter-notice in progress: the merchant's own kept files, until it is filed.
    register_file_kind(
        FileKind(COUNTER_DRAFT_EVIDENCE, lambda user: CounterNoticeDraftEvidence.objects.visible_to(user), "file")
    )
