"""The brand's screening page: its re-screening jobs with their progress, started by staff and the brand's owners."""

import pytest
from django.urls import reverse

from portal.models import AuditLogEntry
from screening.models import RescreenJob, RescreenStatus
from tests import factories

pytestmark = pytest.mark.django_db


def page(holder):
    return reverse("screening:brand", args=[holder.pk])


def test_an_owner_starts_a_re_screening_and_sees_its_progress_in_words(client, brand_a, owner_a):
    client.force_login(owner_a)
    response = client.post(page(brand_a), {})
    assert response.status_code == 302

    job = RescreenJob.objects.get(rights_holder=brand_a)
    assert job.status == RescreenStatus.QUEUED and job.requested_by == owner_a and job.scope == ""
    assert "Waiting for a worker to start it" in client.get(page(brand_a)).content.decode()
    assert AuditLogEntry.objects.filter(action="screening.rescreen_job.requested", actor=owner_a).exists()
    RescreenJob.objects.filter(pk=job.pk).update(status=RescreenStatus.RUNNING, total=400, done=100)
    html = client.get(page(brand_a)).content.decode()
    assert "100 of 400 listings screened (25%)" in html
    assert 'max="400" value="100"' in html and "Running" in html
    assert reverse("screening:job-progress", args=[job.public_id]) in html  # the script polls it
    progress = client.get(reverse("screening:job-progress", args=[job.public_id])).json()
    assert (progress["done"], progress["total"], progress["percent"], progress["open"]) == (100, 400, 25, True)


def test_asking_twice_while_one_waits_joins_the_waiting_job(client, brand_a, owner_a):
    client.force_login(owner_a)
    client.post(page(brand_a), {})
    response = client.post(page(brand_a), {}, follow=True)
    assert "already waiting to start" in response.content.decode()
    assert RescreenJob.objects.get().requests == 2


def test_a_member_who_is_not_an_owner_reads_but_may_not_start(client, brand_a):
    member = factories.member_of(brand_a.organisation, role="member")
    client.force_login(member)
    assert client.get(page(brand_a)).status_code == 200
    html = client.get(page(brand_a)).content.decode()
    assert "listings now" not in html and "Only platform staff or an owner" in html
    assert client.post(page(brand_a), {}).status_code == 403
    assert not RescreenJob.objects.exists()


def test_another_brands_page_and_jobs_answer_404(client, brand_a, brand_b, user_b):
    job = RescreenJob.objects.create(rights_holder=brand_a, reason="Edit")
    client.force_login(user_b)
    assert client.get(page(brand_a)).status_code == 404
    assert client.post(page(brand_a), {}).status_code == 404
    assert client.get(reverse("screening:job-progress", args=[job.public_id])).status_code == 404


def test_staff_start_one_too_and_the_page_says_which_pass_a_job_is_in(client, brand_a, reviewer):
    client.force_login(reviewer)
    assert client.post(page(brand_a), {}).status_code == 302
    job = RescreenJob.objects.get()
    assert job.requested_by == reviewer
    RescreenJob.objects.filter(pk=job.pk).update(
        status=RescreenStatus.RUNNING, scope="brand", phase="rest", likely_total=40, total=400, done=100
    )
    html = client.get(page(brand_a)).content.decode()
    assert "Now the rest of the catalogue (the 40 listings its IP most likely changes done first)" in html
    progress = client.get(reverse("screening:job-progress", args=[job.public_id])).json()
    assert progress["phase_text"].startswith("Now the rest of the catalogue")


def test_the_progress_of_a_missing_job_is_404_and_a_post_to_it_is_refused(client, brand_a, owner_a):
    client.force_login(owner_a)
    missing = reverse("screening:job-progress", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404
    job = RescreenJob.objects.create(rights_holder=brand_a, reason="Edit")
    assert client.post(reverse("screening:job-progress", args=[job.public_id])).status_code == 405
