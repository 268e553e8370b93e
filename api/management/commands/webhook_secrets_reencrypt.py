"""``manage.py webhook_secrets_reencrypt``: the second step of a WEBHOOK_SECRET_KEY rotation.

1. Put the new key in ``WEBHOOK_SECRET_KEY`` and the old one first in
   ``WEBHOOK_SECRET_KEY_FALLBACKS``; restart web, worker and beat (every secret still reads).
2. Run this: every stored secret is encrypted with the new key.
3. Remove the old key from ``WEBHOOK_SECRET_KEY_FALLBACKS`` and restart.

Exits with an error, naming the subscriptions, if some secret no configured key decrypts:
then keep the old key until they are dealt with.
"""

from django.core.management.base import BaseCommand, CommandError

from api.webhooks.secret_storage import webhook_secrets_reencrypt


class Command(BaseCommand):
    help = "Encrypt every stored webhook secret with WEBHOOK_SECRET_KEY (after a key rotation)."

    def handle(self, *args, **options):
        done, unreadable = webhook_secrets_reencrypt()
        self.stdout.write(f"{done} webhook subscription secret(s) re-encrypted with WEBHOOK_SECRET_KEY.")
        if unreadable:
            shown = ", ".join(str(pk) for pk in unreadable[:20]) + (" ..." if len(unreadable) > 20 else "")
            raise CommandError(
                f"{len(unreadable)} subscription(s) have a secret that no configured key decrypts (ids {shown}); "
                "keep their key in WEBHOOK_SECRET_KEY_FALLBACKS."
            )
