"""People and API key principals: a key's principal is a member of its organisation to see, never a person.

``User.objects.people()`` and ``Membership.objects.people()`` are how members are listed,
counted and notified; the notification tests of each app check their recipients with
principals present.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from portal.models import Membership, User
from tests import factories


def test_a_keys_principal_is_marked_and_left_out_of_people(brand_a, owner_a):
    principal = factories.api_principal_of(brand_a.organisation)
    assert principal.is_api_principal and not owner_a.is_api_principal
    members = Membership.objects.filter(organisation=brand_a.organisation)
    assert set(members.values_list("user", flat=True)) == {owner_a.pk, principal.pk}
    assert set(members.people().values_list("user", flat=True)) == {owner_a.pk}
    assert principal not in User.objects.people()
    assert owner_a in User.objects.people()
    # A principal still sees what its organisation sees: its membership is real.
    assert list(principal.organisations.all()) == [brand_a.organisation]


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_the_principals_of_existing_keys(brand_a):
    person = factories.member_of(brand_a.organisation)
    principal = factories.api_principal_of(brand_a.organisation)
    User.objects.filter(pk=principal.pk).update(is_api_principal=False)  # as before the field existed
    executor = MigrationExecutor(connection)
    executor.migrate([("api", "0002_idempotency_record")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.get(pk=principal.pk).is_api_principal
    assert not User.objects.get(pk=person.pk).is_api_principal


def test_the_admin_lists_people_unless_asked_for_principals(admin_client, brand_a, owner_a):
    principal = factories.api_principal_of(brand_a.organisation)
    organisation_page = admin_client.get(reverse("admin:portal_organisation_change", args=[brand_a.organisation.pk]))
    assert organisation_page.status_code == 200
    body = organisation_page.content.decode()
    assert f'value="{owner_a.pk}"' in body and f'value="{principal.pk}"' not in body

    users = reverse("admin:portal_user_changelist")
    listed = admin_client.get(users).content.decode()
    assert owner_a.username in listed and principal.username not in listed
    assert principal.username in admin_client.get(users, {"kind": "api_principals"}).content.decode()
    assert owner_a.username not in admin_client.get(users, {"kind": "api_principals"}).content.decode()
    everyone = admin_client.get(users, {"kind": "everyone"}).content.decode()
    assert owner_a.username in everyone and principal.username in everyone
    # Its own page says what it is.
    page = admin_client.get(reverse("admin:portal_user_change", args=[principal.pk])).content.decode()
    assert "API key principal" in page


def test_saving_the_organisation_in_the_admin_keeps_the_principals_membership(admin_client, brand_a, owner_a):
    principal = factories.api_principal_of(brand_a.organisation)
    url = reverse("admin:portal_organisation_change", args=[brand_a.organisation.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"name": brand_a.organisation.name, "slug": brand_a.organisation.slug, "kind": "rights_holder"})
    formset = page.context["inline_admin_formsets"][0].formset
    data.update(
        {
            f"{formset.prefix}-TOTAL_FORMS": "1",
            f"{formset.prefix}-INITIAL_FORMS": "1",
            f"{formset.prefix}-0-id": str(formset.forms[0].instance.pk),
            f"{formset.prefix}-0-organisation": str(brand_a.organisation.pk),
            f"{formset.prefix}-0-user": str(owner_a.pk),
            f"{formset.prefix}-0-role": "owner",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.filter(user=principal, organisation=brand_a.organisation).exists()
