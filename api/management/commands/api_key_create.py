"""``manage.py api_key_create --organisation ORG --scopes a,b [--name N] [--expires-days D]``.

For operators: creates a key through the same service as the owner's page and prints
what was made, with the key alone on the last line (``| tail -n 1`` in scripts). The
key is shown this once; only its hash is kept.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.keys import api_key_create
from api.scopes import Scope
from portal.errors import InvalidInput
from portal.organisations import organisation_find

MAX_EXPIRES_DAYS = 3650


class Command(BaseCommand):
    help = "Create an API key for an organisation; prints the key (shown once) alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's id or slug.")
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Comma-separated scopes, from: {', '.join(Scope.values)}.",
        )
        parser.add_argument("--name", default="", help="What the key is for (default: 'Operator key <date>').")
        parser.add_argument(
            "--expires-days",
            default=None,
            help=f"The key stops working after this many days (1 to {MAX_EXPIRES_DAYS}); default: never.",
        )

    def handle(self, *args, organisation, scopes, name, expires_days, **options):
        found = organisation_find(organisation)
        if found is None:
            raise CommandError(f"No organisation has the id or slug {organisation!r}.")
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        now = timezone.now()
        expires_at = None
        if expires_days is not None:
            days = str(expires_days).strip()
            if not (days.isascii() and days.isdigit()) or not 1 <= int(days) <= MAX_EXPIRES_DAYS:
                raise CommandError(f"--expires-days must be a whole number from 1 to {MAX_EXPIRES_DAYS}; got {days!r}.")
            expires_at = now + timedelta(days=int(days))
        try:
            key, secret = api_key_create(
                organisation=found,
                name=name.strip() or f"Operator key {now:%Y-%m-%d}",
                scopes=scope_list,
                expires_at=expires_at,
                now=now,
            )
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        expiry = f"expires {key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else "does not expire"
        self.stdout.write(
            f"Created API key {key.name!r} ({key.prefix}) for {found.name} ({found.slug}): "
            f"scopes {', '.join(key.scopes)}; {expiry}."
        )
        self.stdout.write("Store the key now: it is shown this once and cannot be shown again.")
        self.stdout.write(secret)
