"""Extra keywords a brand adds to one of its verified assets: validated, all or nothing, audited, and the
snapshot's version moved in the same transaction (``rights_holders.announcements.ip_register_changed``).

A keyword is refused when it is too short or too long, has no letter, holds a control character, or
repeats (case, accents and spacing aside) one of the asset's registered keywords, an extra keyword
already added, or another of the same submission. An ordinary English word ("harbor") on an asset
without categories screens only beside another signal (``screening.core.words``): it is added only
when the person confirms they mean it (``confirm_ordinary``), after a warning saying so.
"""

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log_record
from portal.errors import InvalidInput
from portal.forms import text_problem_later
from portal.transactions import durable_atomic
from rights_holders.announcements import ip_register_changed
from rights_holders.models import IPAsset, VerificationStatus
from screening.core.normalise import has_cjk, plain
from screening.core.words import is_ordinary_word
from screening.intel.access import actor_check
from screening.intel.models import KEYWORD_MAX_LENGTH, ExtraKeyword

MIN_LETTERS = 3
MIN_CJK = 2
MAX_PER_SUBMISSION = 50
MAX_PER_ASSET = 200


class KeywordsRefused(InvalidInput):
    """Some keywords cannot be added; ``problems`` is [(keyword, why)] and nothing was added."""

    default_code = "keywords_refused"

    def __init__(self, problems, *, code=None):
        self.problems = list(problems)
        text = "; ".join(
            _('"%(keyword)s": %(why)s') % {"keyword": keyword, "why": why} if keyword else why
            for keyword, why in self.problems
        )
        super().__init__(_("Nothing was added. %(problems)s") % {"problems": text}, code=code)


class OrdinaryWordsNeedConfirming(KeywordsRefused):
    default_code = "ordinary_word_without_category"


def keywords_split(raw):
    """A comma- or line-separated text as keywords, trimmed, blanks dropped."""
    return [part.strip() for part in str(raw or "").replace("\n", ",").split(",") if part.strip()]


def _problem(text):
    if problem := text_problem_later(text, multiline=False, max_length=KEYWORD_MAX_LENGTH):
        return problem
    if not any(char.isalpha() for char in text):
        return _("a keyword needs letters (a brand's name), not only digits or symbols.")
    letters = sum(char.isalnum() for char in text)
    if has_cjk(text):
        if letters < MIN_CJK:
            return _("a Chinese keyword needs at least %(n)s characters.") % {"n": MIN_CJK}
    elif letters < MIN_LETTERS:
        return _("a keyword needs at least %(n)s letters or digits: shorter ones match too much.") % {"n": MIN_LETTERS}
    return ""


def asset_keywords_add(*, asset_id, texts, actor, confirm_ordinary=False, now=None):
    """Add ``texts`` to the asset's extra keywords; all of them or none. Returns the new ExtraKeyword rows.

    Raises ``KeywordsRefused`` (naming each bad keyword), ``OrdinaryWordsNeedConfirming`` (ordinary
    words on an asset without categories, not confirmed), ``InvalidInput`` (no keyword, too many, an
    asset not verified) or ``PermissionDenied``.
    """
    texts = [" ".join(str(text).split()) for text in texts]
    texts = [text for text in texts if text]
    if not texts:
        raise InvalidInput(_("Give at least one keyword."), code="no_keywords")
    if len(texts) > MAX_PER_SUBMISSION:
        raise InvalidInput(
            _("Add at most %(max)s keywords at a time; %(n)s were given.")
            % {"max": MAX_PER_SUBMISSION, "n": len(texts)}
        )
    now = now or timezone.now()
    with durable_atomic():
        # The asset's row lock orders two additions to the same asset: the duplicate check below sees both.
        asset = IPAsset.objects.select_for_update().get(pk=asset_id)
        actor_check(actor, asset.rights_holder_id)
        if asset.verification_status != VerificationStatus.VERIFIED:
            raise InvalidInput(
                _("%(asset)s is not verified yet: only verified assets are screened. Add keywords once it is.")
                % {"asset": asset.name},
                code="asset_not_verified",
            )
        taken = {
            plain(k): _("already a registered keyword of %(asset)s") % {"asset": asset.name}
            for k in asset.keywords or []
            if isinstance(k, str)
        }
        existing = list(ExtraKeyword.objects.filter(asset=asset).values_list("plain", flat=True))
        taken.update(dict.fromkeys(existing, _("already an extra keyword of %(asset)s") % {"asset": asset.name}))
        problems, ordinary, rows = [], [], []
        for text in texts:
            key = plain(text)
            why = _problem(text) or taken.get(key, "")
            if why:
                problems.append((text, why))
                continue
            taken[key] = _("given twice")
            if not asset.categories and is_ordinary_word(text):
                ordinary.append(text)
            rows.append(ExtraKeyword(asset=asset, text=text, plain=key, added_by=actor, created_at=now))
        if problems:
            raise KeywordsRefused(problems)
        if len(existing) + len(rows) > MAX_PER_ASSET:
            raise InvalidInput(
                _("%(asset)s may have at most %(max)s extra keywords; it has %(n)s. Remove some first.")
                % {"asset": asset.name, "max": MAX_PER_ASSET, "n": len(existing)},
                code="too_many_keywords",
            )
        if ordinary and not confirm_ordinary:
            raise OrdinaryWordsNeedConfirming(
                [
                    (
                        text,
                        _(
                            "an ordinary English word, and %(asset)s has no categories: screening counts it only "
                            "beside another signal (replica words, a disguised spelling, a low price, an image), so "
                            "on its own it will not flag a listing. Add the asset's categories, or confirm to add it "
                            "anyway."
                        )
                        % {"asset": asset.name},
                    )
                    for text in ordinary
                ]
            )
        try:
            ExtraKeyword.objects.bulk_create(rows)
        except IntegrityError:  # the row lock orders additions to one asset; a bypass still adds nothing
            raise KeywordsRefused(
                [("", _("another person added the same keyword just now; reload the page."))]
            ) from None
        audit_log_record(
            action="screening.keywords.added",
            actor=actor,
            obj=asset,
            organisation_id=asset.rights_holder.organisation_id,
            data={"keywords": [row.text for row in rows], "ordinary_confirmed": ordinary},
        )
        words = ", ".join(f"“{row.text}”" for row in rows)
        ip_register_changed([asset.rights_holder_id], reason=f"Keywords {words} added to {asset.name}")
    return rows


def extra_keyword_remove(*, keyword_id, actor):
    """Remove one extra keyword (audited; the snapshot moves on). Raises ExtraKeyword.DoesNotExist when gone."""
    with durable_atomic():
        keyword = ExtraKeyword.objects.select_for_update().select_related("asset__rights_holder").get(pk=keyword_id)
        asset = keyword.asset
        actor_check(actor, asset.rights_holder_id)
        text = keyword.text
        keyword.delete()
        audit_log_record(
            action="screening.keyword.removed",
            actor=actor,
            obj=asset,
            organisation_id=asset.rights_holder.organisation_id,
            data={"keyword": text},
        )
        ip_register_changed([asset.rights_holder_id], reason=f"Keyword “{text}” removed from {asset.name}")
