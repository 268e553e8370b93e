"""Text search of listings (``listings.selectors.listings_search``) is served by an index on PostgreSQL.

A GIN index on the full-text document of title and description, built from the same
expression the search uses, so the planner matches it. SQLite has no such index and
searches by substring. The index is not in the model's Meta (it would not build on
SQLite), so it is created and dropped here only.
"""

from django.db import migrations

INDEX_NAME = "listing_text_search"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    # Exactly listings.selectors.listing_search_vector() (a migration keeps its own copy, as it must).
    return GinIndex(SearchVector("title", "description", config="simple"), name=INDEX_NAME)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("listings", "Listing"), _index())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("listings", "Listing"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0004_public_ids_unique"),
    ]

    operations = [migrations.RunPython(create, drop)]
