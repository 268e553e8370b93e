from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"

    def ready(self):
        from listings.models import Listing, ListingImage
        from portal.files import FileKind, register_file_kind

        register_file_kind(
            FileKind(
                "listing-image",
                lambda user: ListingImage.objects.filter(listing__in=Listing.objects.visible_to(user)),
                "image",
                name_field=None,
            )
        )
