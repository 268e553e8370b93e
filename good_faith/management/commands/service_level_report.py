"""Print the service level: the share of reviewer work handled within the promised hours, and more.

``--json`` prints the same figures as one JSON object (see ``ServiceLevelReport.as_dict``).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from good_faith.service_level.report import KIND_LABELS, KINDS, MAX_DAYS, TRACKS, service_level_report
from takedowns.removals import SOURCE_LABELS


def percent_text(value):
    return "-" if value is None else f"{value:.1f}%"


def hours_text(value):
    return "-" if value is None else f"{value:.2f}"


def _days(value):
    try:
        days = int(value)
    except ValueError:
        days = None
    if days is None or not 1 <= days <= MAX_DAYS:
        raise CommandError(f"--days must be a whole number of days from 1 to {MAX_DAYS}; got {value!r}.")
    return days


def _removals_text(removals):
    return f"{removals.before_any_order} of {removals.removals} removals ({percent_text(removals.percent)})"


def _table(title, rows):
    lines = [f"{title:<24} {'counted':>8} {'within':>8} {'share':>8}"]
    lines += [f"  {label:<22} {s.counted:>8} {s.within:>8} {percent_text(s.percent):>8}" for label, s in rows]
    return lines


def report_text(report):
    sla = report.sla_hours
    verdict = "meets the target" if report.meets_target else "below target"
    if report.overall.percent is None:
        verdict = "nothing to measure yet"
    lines = [
        f"Service level, last {report.days} days ({report.since:%Y-%m-%d %H:%M} to {report.now:%Y-%m-%d %H:%M} UTC);"
        f" each entry is due {sla} hours after it entered its queue.",
        f"Handled within {sla} hours: {report.overall.within} of {report.overall.counted} "
        f"({percent_text(report.overall.percent)}); target: above {report.target_percent:g}% "
        f"(the sources report {report.sources_percent:g}%): {verdict}.",
        "",
        *_table("By track", [(t, report.by_track[t]) for t in TRACKS]),
        "",
        *_table("By queue", [(KIND_LABELS[k], report.by_kind[k]) for k in KINDS]),
        "",
        *_table("By day (UTC)", [(d.isoformat(), s) for d, s in report.by_day]),
        "",
        *_table("By ISO week", report.by_week),
        "",
        f"{'Time to decision':<24} {'decided':>8} {'median h':>9} {'p95 h':>8}",
    ]
    for label, p in [("all", report.time_to_decision), *report.time_to_decision_by_track.items()]:
        lines.append(f"  {label:<22} {p.decided:>8} {hours_text(p.median_hours):>9} {hours_text(p.p95_hours):>8}")
    waiting = ", ".join(
        f"{KIND_LABELS[k].lower()} {n} ({report.overdue[k]} overdue)" for k, n in report.waiting.items()
    )
    removals = report.removals
    ratio = removals.proactive_per_complaint
    lines += [
        "",
        f"Waiting now: {report.waiting_total} ({report.overdue_total} overdue): {waiting}.",
        f"Removed before a single sale: {_removals_text(removals.total)}; "
        + ", ".join(f"{t} {_removals_text(b)}" for t, b in removals.by_track.items())
        + ".",
        "Removals by source: "
        + "; ".join(f"{SOURCE_LABELS[s].lower()} {_removals_text(r)}" for s, r in removals.by_source.items())
        + f"; proactive per complaint removal: {'-' if ratio is None else f'{ratio:g}'}.",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Share of reviewer work handled within the service level, by day, week, track and queue."

    def add_arguments(self, parser):
        parser.add_argument("--days", default="7", help=f"How many days back to measure (1 to {MAX_DAYS}; default 7).")
        parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")

    def handle(self, *args, **options):
        report = service_level_report(days=_days(options["days"]))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(report_text(report))
