"""The counter-notice form keeps its files through a form error (takedowns.counter_notice_drafts), as the filing
page keeps a notice's: stored once, shown as kept with a preview and a remove button, filed with the
counter-notice; a refused file, too many files or another person's kept file is told by the field and leaves
no file and no row; abandoned ones go with the hourly expiry."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portal.models import OrganisationKind
from portal.uploads import validate_upload
from takedowns import lifecycle, tasks
from takedowns.counter_notice_drafts import counter_notice_draft_keep, counter_notice_drafts_expire
from takedowns.forms import MAX_EVIDENCE_FILES
from takedowns.models import (
    CounterNotice,
    CounterNoticeDraft,
    CounterNoticeDraftEvidence,
    CounterNoticeEvidence,
    ItemStatus,
)
from tests import factories
from tests.takedowns.conftest import draft, file_notice
from tests.takedowns.test_views import _counter_notice_post, _stored_files, _zip_bytes

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def accepted_item(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    return item


@pytest.fixture
def colleague(merchant_org):
    return factories.member_of(merchant_org, role="owner")


def _png(color=(10, 150, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _photo(name="invoice photo.png", color=(10, 150, 90)):
    return SimpleUploadedFile(name, _png(color), content_type="image/png")


def _url(item):
    return reverse("takedowns:item-counter-notice", args=[item.pk])


def _kept(user, item):
    return list(CounterNoticeDraftEvidence.objects.filter(draft__user=user, draft__item=item).order_by("pk"))


def _keep(user, item, count):
    uploads = [validate_upload(_photo(f"p{n}.png", (n, 0, 0)), kind="document") for n in range(count)]
    counter_notice_draft_keep(item_id=item.pk, actor=user, uploads=uploads)
    return _kept(user, item)


def _evidence_error(body):
    """The text of the evidence field's own box (where its error is said)."""
    box = re.search(r'<div class="field field-invalid" id="field-evidence">(.*?)(?:id="field-|</form>)', body, re.S)
    return box[1] if box else ""


def test_files_sent_with_a_form_error_are_kept_shown_and_filed_with_the_counter_notice(
    client, accepted_item, merchant_user, _private_media, django_capture_on_commit_callbacks
):
    client.force_login(merchant_user)
    response = client.post(_url(accepted_item), _counter_notice_post(statement="", evidence=[_photo()]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Explain why the listing does not infringe." in body
    (kept,) = _kept(merchant_user, accepted_item)
    assert kept.original_name == "invoice photo.png" and kept.content_type == "image/png"
    # Kept: its preview through the access-checked download, its name, a remove button, its id in the form.
    assert "Kept:" in body and "uploaded as “invoice photo.png”" in body
    assert f'src="/files/counter-draft-evidence/{kept.pk}/?inline=1"' in body
    assert f'name="kept" value="{kept.pk}"' in body
    assert reverse("takedowns:counter-notice-file-remove", args=[kept.pk]) in body
    assert "choose your evidence files again" not in body
    assert client.get(f"/files/counter-draft-evidence/{kept.pk}/?inline=1").status_code == 200
    kept_bytes = (_private_media / kept.file.name).read_bytes()

    # Sent again, corrected, without choosing the photo again: it is filed with a new photo beside it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(accepted_item),
            _counter_notice_post(kept=[kept.pk], evidence=[_photo("second.png", (200, 0, 0))]),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    counter_notice = CounterNotice.objects.get(item=accepted_item)
    filed = list(CounterNoticeEvidence.objects.filter(counter_notice=counter_notice).order_by("pk"))
    assert [e.original_name for e in filed] == ["invoice photo.png", "second.png"]
    assert (_private_media / filed[0].file.name).read_bytes() == kept_bytes
    assert not CounterNoticeDraft.objects.exists() and not CounterNoticeDraftEvidence.objects.exists()
    # The draft's copy went after the commit: only the filed files are left.
    stored = {p.relative_to(_private_media).as_posix() for p in _stored_files(_private_media)}
    assert stored == {e.file.name for e in filed} | {e.file.name for e in accepted_item.evidence.all()}


def test_a_file_of_the_wrong_type_is_told_by_its_field_and_keeps_nothing(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    response = client.post(
        _url(accepted_item),
        _counter_notice_post(statement="", evidence=[_photo(), SimpleUploadedFile("invoice.pdf", _zip_bytes())]),
    )
    assert response.status_code == 200
    assert "ZIP archive" in _evidence_error(response.content.decode())
    assert not CounterNoticeDraft.objects.exists() and not CounterNoticeDraftEvidence.objects.exists()


def test_a_file_too_large_is_told_by_its_field_and_leaves_no_file(
    client, accepted_item, merchant_user, settings, _private_media
):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "document": 64}
    before = _stored_files(_private_media)
    client.force_login(merchant_user)
    response = client.post(_url(accepted_item), _counter_notice_post(statement="", evidence=[_photo()]))
    assert response.status_code == 200
    assert "larger than the 64 bytes limit" in _evidence_error(response.content.decode())
    assert not CounterNoticeDraftEvidence.objects.exists()
    assert _stored_files(_private_media) == before


def test_more_files_than_the_limit_with_those_kept_are_refused_by_the_field(
    client, accepted_item, merchant_user, _private_media
):
    kept = _keep(merchant_user, accepted_item, MAX_EVIDENCE_FILES)
    before = _stored_files(_private_media)
    client.force_login(merchant_user)
    ids = [k.pk for k in kept]
    for data in (
        _counter_notice_post(statement="", kept=ids, evidence=[_photo()]),  # with another error: not kept
        _counter_notice_post(kept=ids, evidence=[_photo()]),  # otherwise complete: not filed
    ):
        response = client.post(_url(accepted_item), data)
        assert response.status_code == 200
        error = _evidence_error(response.content.decode())
        assert f"Attach at most {MAX_EVIDENCE_FILES} files: {MAX_EVIDENCE_FILES} are kept already" in error
    assert len(_kept(merchant_user, accepted_item)) == MAX_EVIDENCE_FILES
    assert not CounterNotice.objects.exists()
    assert _stored_files(_private_media) == before


def test_another_persons_kept_file_is_refused_by_the_field_and_stays_theirs(
    client, accepted_item, merchant_user, colleague, _private_media
):
    (theirs,) = _keep(colleague, accepted_item, 1)
    outsider_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT)
    outsider = factories.member_of(outsider_org, role="owner")
    client.force_login(merchant_user)
    response = client.post(_url(accepted_item), _counter_notice_post(kept=[theirs.pk], evidence=[_photo()]))
    assert response.status_code == 200
    assert "A kept file is no longer there" in _evidence_error(response.content.decode())
    assert f'value="{theirs.pk}"' not in response.content.decode()
    assert not CounterNotice.objects.exists() and not _kept(merchant_user, accepted_item)
    # Not removable nor readable by anyone else: 404 as for a missing one.
    assert client.post(reverse("takedowns:counter-notice-file-remove", args=[theirs.pk]), **HTMX).status_code == 404
    assert client.get(f"/files/counter-draft-evidence/{theirs.pk}/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/files/counter-draft-evidence/{theirs.pk}/").status_code == 404
    assert _kept(colleague, accepted_item) == [theirs]
    assert (_private_media / theirs.file.name).exists()


def test_a_kept_id_that_is_not_a_number_is_refused_by_the_field(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    response = client.post(_url(accepted_item), _counter_notice_post(kept=["1 OR 1=1"]))
    assert response.status_code == 200
    assert "A kept file is no longer there" in _evidence_error(response.content.decode())
    assert not CounterNotice.objects.exists()


def test_a_kept_file_is_removed_with_htmx_or_with_the_whole_form(
    client, accepted_item, merchant_user, _private_media, django_capture_on_commit_callbacks
):
    first, second = _keep(merchant_user, accepted_item, 2)
    client.force_login(merchant_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("takedowns:counter-notice-file-remove", args=[first.pk]), **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not (_private_media / first.file.name).exists()
    # Without the page's script: the whole form comes back as typed, without errors, the file gone.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(accepted_item),
            _counter_notice_post(statement="Half written", kept=[second.pk], action=f"remove-file-{second.pk}"),
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Half written" in body and "error-summary" not in body
    assert _kept(merchant_user, accepted_item) == []
    assert not (_private_media / second.file.name).exists()


def test_a_filing_refused_by_the_lifecycle_keeps_the_kept_files_and_writes_nothing(
    client, accepted_item, merchant_user, _private_media
):
    (kept,) = _keep(merchant_user, accepted_item, 1)
    before = _stored_files(_private_media)
    client.force_login(merchant_user)
    with time_machine.travel(accepted_item.counter_notice_deadline + timedelta(minutes=1)):
        response = client.post(_url(accepted_item), _counter_notice_post(kept=[kept.pk], evidence=[_photo()]))
    assert response.status_code == 409
    assert not CounterNotice.objects.exists() and not CounterNoticeEvidence.objects.exists()
    assert _kept(merchant_user, accepted_item) == [kept]
    assert _stored_files(_private_media) == before


def test_abandoned_counter_notice_drafts_are_expired_with_their_files(
    accepted_item, merchant_user, colleague, settings, _private_media, django_capture_on_commit_callbacks
):
    (stale,) = _keep(merchant_user, accepted_item, 1)
    (fresh,) = _keep(colleague, accepted_item, 1)
    CounterNoticeDraft.objects.filter(pk=stale.draft_id).update(
        updated_at=timezone.now() - timedelta(days=settings.NOTICE_DRAFT_EXPIRE_DAYS, minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert counter_notice_drafts_expire() == 1
    assert not (_private_media / stale.file.name).exists() and (_private_media / fresh.file.name).exists()
    # The item moves on (the window closes unanswered): its drafts are abandoned whatever their age; the hourly
    # task of the notices in progress takes them too, and running it twice is nothing more.
    with time_machine.travel(accepted_item.counter_notice_deadline + timedelta(minutes=1)):
        lifecycle.notice_item_uphold_by_default(item_id=accepted_item.pk)
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.UPHELD
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notice_drafts_expire() == 1
    assert tasks.notice_drafts_expire() == 0
    assert not CounterNoticeDraft.objects.exists() and not CounterNoticeDraftEvidence.objects.exists()
    assert not (_private_media / fresh.file.name).exists()
