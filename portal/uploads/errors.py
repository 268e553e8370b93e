from django.core.exceptions import ValidationError


class UploadRejected(ValidationError):
    """A refused upload; the message tells the person what to do instead."""

    def __init__(self, message, code="upload_rejected"):
        super().__init__(message, code=code)

    def __str__(self):
        return self.messages[0]
