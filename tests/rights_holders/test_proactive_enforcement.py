"""A brand's opt-in to proactive enforcement: its owners decide, audited; the page explains what it means."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import RightsHolder
from rights_holders.services import rights_holder_proactive_enforcement_set
from tests import factories


def page(brand):
    return reverse("rights:proactive-enforcement", args=[brand.pk])


def test_an_owner_opts_the_brand_in_and_out_and_each_change_is_audited(owner_a, brand_a):
    assert brand_a.proactive_enforcement is False

    rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=True, actor=owner_a)
    brand_a.refresh_from_db()
    assert brand_a.proactive_enforcement is True and brand_a.proactive_enforcement_changed_at is not None
    entry = AuditLogEntry.objects.get(action="rights_holders.rights_holder.proactive_enforcement_enabled")
    assert entry.actor == owner_a and entry.object_id == str(brand_a.pk)
    assert entry.organisation_id == brand_a.organisation_id and entry.data == {"before": False, "after": True}

    rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=False, actor=owner_a)
    brand_a.refresh_from_db()
    assert brand_a.proactive_enforcement is False
    assert AuditLogEntry.objects.filter(action="rights_holders.rights_holder.proactive_enforcement_disabled").exists()


def test_setting_the_value_it_already_has_writes_nothing(owner_a, brand_a):
    rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=False, actor=owner_a)
    assert not AuditLogEntry.objects.filter(action__contains="proactive_enforcement").exists()


@pytest.mark.parametrize("who", ["staff", "agent", "other_owner", "platform_staff"])
def test_only_an_owner_of_the_brand_may_change_it(brand_a, brand_b, who):
    if who == "staff":
        actor = factories.member_of(brand_a.organisation, role="staff")
    elif who == "agent":
        firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT)
        factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
        actor = factories.member_of(firm, role="owner")
    elif who == "other_owner":
        actor = factories.member_of(brand_b.organisation, role="owner")
    else:
        actor = factories.UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        rights_holder_proactive_enforcement_set(rights_holder=brand_a, enabled=True, actor=actor)
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is False
    assert not AuditLogEntry.objects.filter(action__contains="proactive_enforcement").exists()


def test_the_page_explains_and_an_owner_turns_it_on(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.get(page(brand_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert "files a notice <em>on your behalf</em>" in body
    assert "taken down at" in body and "counter-notice" in body and "authorised sellers" in body

    response = client.post(page(brand_a), {"enabled": "on", "understood": "on"})
    assert response.status_code == 302
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is True
    assert "Proactive enforcement is on" in client.get(page(brand_a)).content.decode()


def test_turning_it_on_without_confirming_saves_nothing_and_says_why(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(page(brand_a), {"enabled": "on"})
    assert response.status_code == 400
    assert "Confirm that you understand" in response.content.decode()
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is False


@pytest.mark.parametrize("data", [{}, {"enabled": "maybe"}, {"enabled": "on\x00", "understood": "on"}])
def test_bad_input_is_answered_with_the_form_never_a_500(client, owner_a, brand_a, data):
    client.force_login(owner_a)
    response = client.post(page(brand_a), data)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is False


def test_turning_it_off_needs_no_confirmation(client, owner_a, brand_a):
    RightsHolder.objects.filter(pk=brand_a.pk).update(proactive_enforcement=True)
    client.force_login(owner_a)
    assert client.post(page(brand_a), {"enabled": "off"}).status_code == 302
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is False


def test_the_brands_staff_read_it_but_may_not_change_it(client, brand_a):
    staff = factories.member_of(brand_a.organisation, role="staff")
    client.force_login(staff)
    body = client.get(page(brand_a)).content.decode()
    assert "Only an owner of" in body and "<form" not in body.split("<main")[-1].split("</main>")[0]
    assert client.post(page(brand_a), {"enabled": "on", "understood": "on"}).status_code == 403
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is False


def test_platform_staff_read_it_but_may_not_change_it(client, reviewer, brand_a):
    """The brand's screening page links here for staff too ("what it means"): it once answered them 404."""
    client.force_login(reviewer)
    assert page(brand_a) in client.get(reverse("screening:brand", args=[brand_a.pk])).content.decode()
    response = client.get(page(brand_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Only an owner of" in body and "<form" not in body.split("<main")[-1].split("</main>")[0]
    assert client.post(page(brand_a), {"enabled": "on", "understood": "on"}).status_code == 403
    assert RightsHolder.objects.get(pk=brand_a.pk).proactive_enforcement is False


def test_another_brands_page_answers_404(client, user_b, brand_a):
    client.force_login(user_b)
    assert client.get(page(brand_a)).status_code == 404
    assert client.post(page(brand_a), {"enabled": "on", "understood": "on"}).status_code == 404


def test_the_account_page_links_owners_to_it(client, owner_a, brand_a):
    client.force_login(owner_a)
    assert page(brand_a) in client.get(reverse("account")).content.decode()


def test_the_admin_shows_it_read_only(admin_client, brand_a):
    response = admin_client.get(reverse("admin:rights_holders_rightsholder_change", args=[brand_a.pk]))
    assert response.status_code == 200
    assert 'name="proactive_enforcement"' not in response.content.decode()
    assert "Proactive enforcement" in response.content.decode()
