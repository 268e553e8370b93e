from django.apps import AppConfig


class RightsHoldersConfig(AppConfig):
    name = "rights_holders"
    verbose_name = "Rights holders"

    def ready(self):
        from portal.files import FileKind, register_file_kind
        from portal.scoping import letters_visible_to
        from rights_holders.models import IPAssetProof, ReferenceImage

        register_file_kind(FileKind("asset-proof", lambda user: IPAssetProof.objects.visible_to(user), "file"))
        register_file_kind(FileKind("reference-image", lambda user: ReferenceImage.objects.visible_to(user), "image"))
        register_file_kind(
            FileKind("letter", letters_visible_to, "document", name_field="document_name", content_type_field=None)
        )
