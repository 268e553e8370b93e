"""Create a believable, idempotent demo world: brands, agents, partners, merchants, listings, orders, users, API keys.

Run it as often as you like: everything is keyed on natural keys (names, usernames, external ids), so a
second run creates nothing new. Generated data comes from random.Random(2026), so it is the same every time.

All or nothing: the whole world is one transaction (``portal.transactions.enclosing_transaction``, in
which the verbs' own durable transactions join it). A run that fails half-way leaves no half world behind
(the lifecycle and Good Faith parts would otherwise find their first notices and call themselves done);
running it again starts from where the database was. After-commit work (effect messages,
notifications) runs once the whole world is committed, and not at all if it is rolled back.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from api.models import ApiKey
from demo.api_keys import demo_api_keys_seed
from demo.good_faith import demo_good_faith_seed
from demo.lifecycle import demo_lifecycle_seed
from demo.screening import demo_proactive_seed, demo_screening_seed
from demo.world import demo_world_seed
from demo.world_data import DEMO_PASSWORD
from listings.models import Listing, Merchant, Order, Store
from portal.models import LetterOfAuthorisation, Organisation, User
from portal.transactions import enclosing_transaction
from rights_holders.models import AuthorisedStore, IPAsset, Partner, ReferenceImage, RightsHolder
from takedowns.models import ItemStatus


class Command(BaseCommand):
    help = (
        "Create (idempotently) a demo world with brands, agents, merchants, ~3,000 listings, one login per role "
        "and one API key per kind of organisation."
    )

    def handle(self, *args, **options):
        if not settings.DEMO_SEED_ALLOWED:
            # Its logins and API keys are published in README: in production they would be open doors.
            raise CommandError(
                "The demo world has published passwords and API keys, so seed_demo runs only with DEBUG=1 "
                "or DEMO_SEED_ALLOWED=1. Never set either on a server that holds real data."
            )
        started = time.monotonic()
        now = timezone.now()
        # The demo's notice history is backdated: its notifications stay in the portal (in-app) and are not
        # e-mailed to the demo addresses weeks after the events they describe.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), enclosing_transaction():
            logins = demo_world_seed(now=now)
            # Notices in every state, made by the domain functions with the clock moved back.
            lifecycle = demo_lifecycle_seed(now=now)
            # Then the Good Faith programme: a member, a brand near the bar, a suspended misuser, a vetted brand.
            good_faith = demo_good_faith_seed(now=now)
            # One API key per kind of organisation, with published secrets, so the API can be tried at once.
            api_keys = demo_api_keys_seed()
            # A brand opted in to proactive enforcement and a few listings screened at once by the real
            # pipeline: proactive notices for it, alerts for brands that did not opt in (issue 11).
            proactive = demo_proactive_seed(now=now)
            # Every other listing screened (issue 11) by the worker, once the world is committed.
            screening = demo_screening_seed()
        self.report(logins, time.monotonic() - started)
        self.report_lifecycle(lifecycle)
        self.report_good_faith(good_faith)
        self.report_api_keys(api_keys)
        self.stdout.write(
            f"\nScreening: {proactive.brand} opted in to proactive enforcement; {proactive.notices} proactive "
            f"notice items and {proactive.alerts} open alerts so far; {screening} listings sent to the screening "
            "worker (results and alerts follow)."
        )

    # --- Report -----------------------------------------------------------------------
    def report(self, logins, elapsed):
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo world ready in {elapsed:.1f}s."))
        out.write("")
        width = max(len(u) for u, _, _ in logins)
        role_width = max(len(r) for _, r, _ in logins)
        out.write(f"{'username'.ljust(width)}  {'role'.ljust(role_width)}  organisation")
        out.write(f"{'-' * width}  {'-' * role_width}  {'-' * 30}")
        for username, role, org in logins:
            out.write(f"{username.ljust(width)}  {role.ljust(role_width)}  {org}")
        out.write(f"\nPassword for every demo login: {DEMO_PASSWORD}")
        out.write(
            "Platform staff then enter a two-factor code: `manage.py demo_code <username>` prints it (DEBUG only).\n"
        )
        counts = [
            # People: an API key's principal user is no person (it is counted with the keys).
            ("Users", User.objects.people().count()),
            ("API keys", ApiKey.objects.count()),
            ("Organisations", Organisation.objects.count()),
            ("Rights holders", RightsHolder.objects.count()),
            ("IP assets", IPAsset.objects.count()),
            ("Reference images", ReferenceImage.objects.count()),
            ("Letters of authorisation", LetterOfAuthorisation.objects.count()),
            ("Partners", Partner.objects.count()),
            ("Merchants", Merchant.objects.count()),
            ("Stores", Store.objects.count()),
            ("Authorised stores", AuthorisedStore.objects.count()),
            ("Listings", Listing.objects.count()),
            ("Orders", Order.objects.count()),
        ]
        for label, count in counts:
            out.write(f"{label:<26}{count:>8}")

    def report_lifecycle(self, result):
        out = self.stdout
        verb = "created" if result.created else "already there, nothing new"
        out.write(f"\nDemo notices ({verb}): {result.notices} notices, items by status:")
        for status in ItemStatus:
            out.write(f"  {status.label:<26}{result.by_status.get(status.value, 0):>6}")
        appeals = ", ".join(f"{n} {s}" for s, n in sorted(result.appeals.items())) or "none"
        effects = ", ".join(f"{n} {s}" for s, n in sorted(result.effects.items())) or "none"
        out.write(f"  Appeals: {appeals}. Effects: {effects}.")

    def report_good_faith(self, result):
        out = self.stdout
        verb = "created" if result.created else "already there, nothing new"
        out.write(f"\nGood Faith demo ({verb}):")
        for line in result.lines:
            out.write(f"  {line}")

    def report_api_keys(self, keys):
        out = self.stdout
        verb = "created" if any(k.created for k in keys) else "already there, nothing new"
        out.write(f"\nDemo API keys ({verb}). DEMO SECRETS, published like the password above: for this demo only.")
        out.write('Send one as "Authorization: Bearer <key>", e.g.')
        out.write('  curl -H "Authorization: Bearer <key>" http://127.0.0.1:8000/api/v1/me/')
        out.write("Documentation: http://127.0.0.1:8000/api/docs/")
        width = max(len(k.kind) for k in keys)
        for key in keys:
            out.write(f"  {key.kind.ljust(width)}  {key.organisation}: {', '.join(key.scopes)}")
            if key.secret is not None:
                out.write(f"  {' ' * width}  demo API key: {key.secret}")
            else:
                out.write(f"  {' ' * width}  (revoked in the portal since: create another on its API keys page)")
