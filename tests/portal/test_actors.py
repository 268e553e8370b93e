"""portal.actors: a person by username, an API key's principal as the key of its organisation, nobody as a default."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.keys import api_key_create
from portal.actors import actor_label, actor_label_known
from tests import factories


def test_a_person_is_named_by_username(db):
    person = factories.UserFactory(username="ada")
    assert actor_label(person) == "ada" == str(person)


def test_an_api_key_is_named_as_the_key_of_its_organisation_not_its_principal_username(db):
    organisation = factories.OrganisationFactory(name="Acme Brand Protection")
    key, _ = api_key_create(organisation=organisation, name="Vendor sync", scopes=["notices:read"])
    principal = type(key.principal).objects.get(pk=key.principal_id)
    assert actor_label(principal) == "API key \u201cVendor sync\u201d (Acme Brand Protection)"
    assert str(principal) == actor_label(principal)  # the admin shows users by str()
    assert principal.username not in actor_label(principal)


def test_the_organisation_read_at_authentication_costs_no_query(db):
    organisation = factories.OrganisationFactory(name="Acme Brand Protection")
    key, _ = api_key_create(organisation=organisation, name="Vendor sync", scopes=["notices:read"])
    principal = type(key.principal).objects.get(pk=key.principal_id)
    actor_label_known(principal, organisation)
    with CaptureQueriesContext(connection) as queries:
        assert actor_label(principal) == "API key \u201cVendor sync\u201d (Acme Brand Protection)"
    assert len(queries) == 0


def test_no_actor_is_the_default(db):
    assert actor_label(None) == "system"
    assert actor_label(None, "screening") == "screening"
