"""``manage.py screen_file --assets ASSETS.json --listings LISTINGS.jsonl --output RESULTS.jsonl``.

Screens listings from files against IP assets from a file, with no database rows, for tuning and
audits, with the pipeline's default thresholds (``screening/core/thresholds.py``), exactly. The
formats are issue 11's; ``screening.core.files`` reads and writes them, ``screening.core.snapshot``
lists the optional fields of ASSETS.json. An error stops the run with a message naming the file
and line, exit status 1, and no results file.
"""

from django.core.management.base import BaseCommand, CommandError

from screening.core.files import ScreeningFileError, screen_files
from screening.core.results import Outcome


class Command(BaseCommand):
    help = "Screen the listings of a JSON Lines file against the IP assets of a JSON file; write one result a line."

    def add_arguments(self, parser):
        parser.add_argument("--assets", required=True, help="ASSETS.json: the brands and the banned categories.")
        parser.add_argument("--listings", required=True, help="LISTINGS.jsonl: one listing a line.")
        parser.add_argument("--output", required=True, help="RESULTS.jsonl: written, one result a line.")

    def handle(self, *args, assets, listings, output, **options):
        try:
            version, outcomes = screen_files(assets, listings, output)
        except ScreeningFileError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{outcomes[outcome]} {outcome}" for outcome in Outcome)
        self.stdout.write(f"Screened {outcomes.total()} listings against assets version {version}: {counts}.")
        self.stdout.write(f"Results: {output}")
