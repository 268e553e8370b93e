"""E-mail backends for tests whose sender runs in another process (settings name a backend by its path)."""

import json
import os
import signal

from django.core.mail.backends.base import BaseEmailBackend


class SentThenKilledBackend(BaseEmailBackend):
    """Hands the messages to the "mail server" (a spool file), then SIGKILLs its own process.

    That is a sender killed after the mail server took the e-mail and before
    the sender could record that it was sent. TEST_MAIL_SPOOL names the file.
    """

    def send_messages(self, messages):
        with open(os.environ["TEST_MAIL_SPOOL"], "a") as spool:
            for message in messages:
                spool.write(json.dumps({"to": message.to, "subject": message.subject}) + "\n")
            spool.flush()
            os.fsync(spool.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
