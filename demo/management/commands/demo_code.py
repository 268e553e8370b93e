"""Print the sign-in code a demo staff account's authenticator shows now (DEBUG only): the demo needs no phone."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.models import User
from portal.two_factor.devices import authenticator_of, current_code


class Command(BaseCommand):
    help = "Print the current two-factor sign-in code of a demo account (only with DEBUG=1)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code prints a sign-in code, so it runs only with DEBUG=1.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        device = authenticator_of(user)
        if device is None:
            raise CommandError(f"{username} has no authenticator (seed_demo gives one to the demo's staff).")
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(current_code(device))
        self.stderr.write(f"valid for {left} more seconds; each code signs in once.")
