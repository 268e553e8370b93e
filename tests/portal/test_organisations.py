"""Organisation slugs: made from the name, unique, never digits alone; an organisation is found by id or slug."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.models import Organisation, OrganisationKind
from portal.organisations import organisation_find, organisation_slug_for
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Sports GmbH", "acme-sports-gmbh"),
        ("12345", "org-12345"),
        ("深圳贸易", "org"),
        ("  Ünïcode & Co ", "unicode-co"),
    ],
)
def test_a_slug_is_made_from_the_name(name, slug):
    assert organisation_slug_for(name) == slug


@pytest.mark.django_db
def test_a_slug_already_taken_gets_a_number():
    factories.OrganisationFactory(name="Acme", slug="acme")
    factories.OrganisationFactory(name="Acme 2", slug="acme-2")
    assert organisation_slug_for("Acme") == "acme-3"


@pytest.mark.django_db
def test_an_organisation_created_without_a_slug_still_gets_a_unique_one():
    first = Organisation.objects.create(name="One", kind=OrganisationKind.MERCHANT)
    second = Organisation.objects.create(name="Two", kind=OrganisationKind.MERCHANT)
    assert first.slug.startswith("org-") and second.slug.startswith("org-") and first.slug != second.slug


@pytest.mark.django_db
def test_a_slug_of_digits_alone_is_refused():
    organisation = factories.OrganisationFactory.build(slug="2024")
    with pytest.raises(ValidationError, match="digits alone"):
        organisation.full_clean()


@pytest.mark.django_db
def test_an_organisation_is_found_by_id_or_slug():
    organisation = factories.OrganisationFactory(slug="acme-sports")
    assert organisation_find(str(organisation.pk)) == organisation
    assert organisation_find(" acme-sports ") == organisation
    for reference in ("", "nope", "9" * 40, "²", str(organisation.pk + 1000)):
        assert organisation_find(reference) is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_existing_organisations_with_unique_slugs():
    executor = MigrationExecutor(connection)
    executor.migrate([("portal", "0003_platform_groups")])
    try:
        old = executor.loader.project_state([("portal", "0003_platform_groups")]).apps
        OldOrganisation = old.get_model("portal", "Organisation")
        for name, kind in [("Acme", "rights_holder"), ("Acme", "merchant"), ("12345", "merchant"), ("深圳", "agent")]:
            OldOrganisation.objects.create(name=name, kind=kind)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    slugs = dict(Organisation.objects.order_by("pk").values_list("name", "slug").distinct())
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == ["acme", "acme-2", "org", "org-12345"]
    assert slugs["12345"] == "org-12345"
