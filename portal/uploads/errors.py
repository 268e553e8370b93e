from django.core.exceptions import ValidationError


class UploadRejected(ValidationError):
    """A refused upload; the message tells the person what to do instead."""

    def __init__(self, message, code="upload_rejected", params=None):
        # ``message`` is lazy (gettext_lazy) with named ``params``: read in the reader's language when shown.
        super().__init__(message, code=code, params=params)

    def __str__(self):
        return self.messages[0]
