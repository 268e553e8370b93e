"""Notices, their items, the item lifecycle's history, and every consequence as a row.

Status fields move only through ``takedowns.lifecycle`` (items) and
``takedowns.appeals``; consequences (delisting, penalties, reimbursements,
notifications) are ``Effect`` rows written in the decision's own transaction
and carried out by tasks afterwards, so a lost message cannot lose work.

One module per sub-domain; every model is importable from ``takedowns.models`` as before.
"""

from takedowns.models.appeals import Appeal, AppealSide, AppealStatus
from takedowns.models.claims import ReviewClaim
from takedowns.models.drafts import (
    CounterNoticeDraft,
    CounterNoticeDraftEvidence,
    NoticeDraft,
    NoticeDraftEvidence,
    NoticeDraftItem,
)
from takedowns.models.effects import Effect, EffectKind, EffectStatus
from takedowns.models.evidence import (
    CounterNotice,
    CounterNoticeEvidence,
    CounterNoticeEvidenceQuerySet,
    Evidence,
    EvidenceQuerySet,
    RightsHolderReply,
)
from takedowns.models.imports import FilingImport, FilingImportRow, ImportStatus, RowStatus
from takedowns.models.items import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    QUEUE_STATUSES,
    REACHED_MERCHANT_STATUSES,
    Channel,
    InfringementType,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    NoticeItemQuerySet,
    NoticeQuerySet,
    Track,
    holder_side_of,
    holder_side_q,
    notice_holder_side,
)
from takedowns.models.notifications import Notification
from takedowns.models.penalties import (
    BannedIdentity,
    IdentityKind,
    Penalty,
    PublicRegisterEntry,
    Reimbursement,
    Sanction,
    SanctionKind,
)
from takedowns.models.statements import CannedReason, Outcome, RestrictionKind, StatementOfReasons
from takedowns.models.suspensions import FilingSuspension

__all__ = [
    "FilingImport",
    "FilingImportRow",
    "ImportStatus",
    "RowStatus",
    "ReviewClaim",
    "CounterNoticeDraft",
    "CounterNoticeDraftEvidence",
    "NoticeDraft",
    "NoticeDraftEvidence",
    "NoticeDraftItem",
    "Channel",
    "Track",
    "InfringementType",
    "ItemStatus",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "QUEUE_STATUSES",
    "REACHED_MERCHANT_STATUSES",
    "holder_side_q",
    "holder_side_of",
    "notice_holder_side",
    "NoticeQuerySet",
    "Notice",
    "NoticeItemQuerySet",
    "NoticeItem",
    "ItemEvent",
    "EvidenceQuerySet",
    "Evidence",
    "CounterNotice",
    "CounterNoticeEvidenceQuerySet",
    "CounterNoticeEvidence",
    "RightsHolderReply",
    "Outcome",
    "CannedReason",
    "RestrictionKind",
    "StatementOfReasons",
    "EffectKind",
    "EffectStatus",
    "Effect",
    "AppealSide",
    "AppealStatus",
    "Appeal",
    "Notification",
    "FilingSuspension",
    "Penalty",
    "SanctionKind",
    "Sanction",
    "IdentityKind",
    "BannedIdentity",
    "PublicRegisterEntry",
    "Reimbursement",
]
