"""Print screening's precision per brand and per signal, with threshold suggestions (never applied).

``--json`` prints the same figures as one JSON object (``ScreeningReport.as_dict``).
"""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from screening.report.figures import DEFAULT_DAYS, MAX_DAYS, screening_report
from screening.report.text import report_text


def _days(value):
    try:
        days = int(value)
    except ValueError:
        days = None
    if days is None or not 1 <= days <= MAX_DAYS:
        raise CommandError(f"--days must be a whole number of days from 1 to {MAX_DAYS}; got {value!r}.")
    return days


class Command(BaseCommand):
    help = "Screening precision per brand and per signal kind, from decided alerts and proactive notices."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            default=str(DEFAULT_DAYS),
            help=f"How many days back to look (1 to {MAX_DAYS}; default {DEFAULT_DAYS}).",
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")

    def handle(self, *args, **options):
        until = timezone.now()
        report = screening_report(since=until - timedelta(days=_days(options["days"])), until=until)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(report_text(report))
