"""Files uploaded in the Django admin go through ``portal.uploads.validate_upload``, as on every page.

The admin's file inputs are plain model form fields: left alone they store the
uploader's bytes under the uploader's name, with whatever type and size the
form was told. ``validated_uploads_form`` makes a ModelForm (for a ModelAdmin
or an inline) whose newly uploaded files are checked and re-encoded by the one
validator, stored under the server's name, and whose metadata fields (the name
as uploaded, content type, size) are filled from the validated file, not typed.
A refused file is a message on its field; nothing is saved.
"""

from django import forms
from django.core.files.uploadedfile import UploadedFile

from portal.uploads import UploadRejected, validate_upload

# Filled from the validated file when the model has them: model field -> ValidatedUpload attribute.
METADATA = {"original_name": "original_name", "document_name": "original_name", "content_type": "content_type"}
SIZE_FIELD = "size"


def validated_uploads_form(kinds, base=forms.ModelForm):
    """A ModelForm class validating the file fields ``kinds`` names ({field: "image" | "document"}).

    The fields are plain file fields: Django's own image field would decode the upload with
    Pillow, before the validator's pixel limits, and refuse by the name's extension.
    """

    def clean(self):
        cleaned = base.clean(self)
        model_fields = {f.name for f in self._meta.model._meta.concrete_fields}
        for name, kind in self.upload_kinds.items():
            uploaded = cleaned.get(name)
            if not isinstance(uploaded, UploadedFile):
                continue  # no new file: the one already stored stays
            try:
                validated = validate_upload(uploaded, kind=kind)
            except UploadRejected as exc:
                self.add_error(name, exc)
                continue
            cleaned[name] = validated.content  # named by the server, the bytes re-encoded
            for field, attr in METADATA.items():
                if field in model_fields:
                    setattr(self.instance, field, getattr(validated, attr))
            if SIZE_FIELD in model_fields:
                setattr(self.instance, SIZE_FIELD, validated.size)
        return cleaned

    fields = {name: forms.FileField(widget=forms.ClearableFileInput) for name in kinds}
    attrs = {**fields, "upload_kinds": dict(kinds), "clean": clean, "__module__": __name__}
    return type(base)(f"ValidatedUploadsForm_{'_'.join(kinds)}", (base,), attrs)


def upload_metadata_fields(model):
    """The metadata fields of ``model`` that the validated file fills: read-only in the admin."""
    names = {f.name for f in model._meta.concrete_fields}
    return tuple(name for name in (*METADATA, SIZE_FIELD) if name in names)
