"""The screening report as plain text (``manage.py screening_report``)."""

from screening.report.figures import KIND_LABELS


def _share(tally):
    return "-" if tally.precision is None else f"{tally.precision:.2f}"


def _row(label, figures):
    a, n, o = figures.alerts, figures.notices, figures.overall
    return (
        f"  {label:<22} {a.right:>9} {a.wrong:>9} {_share(a):>6} {n.right:>7} {n.wrong:>6} {_share(n):>6}"
        f" {_share(o):>8}"
    )


HEADER = (
    f"  {'':<22} {'confirmed':>9} {'dismissed':>9} {'prec.':>6} {'upheld':>7} {'wrong':>6} {'prec.':>6} {'overall':>8}"
)


def report_text(report):
    lines = [
        f"Screening precision, decisions from {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC.",
        "Alerts: confirmed by the brand (right) or dismissed; proactive notices: upheld (right) or dismissed,",
        "rejected or reversed (wrong). A result counts once under each signal kind it carried.",
        "",
        HEADER,
        _row("all decisions", report.figures),
        "",
        "By signal",
        HEADER,
        *[_row(KIND_LABELS[kind].lower(), figures) for kind, figures in report.kind_rows],
    ]
    if report.reason_rows:
        lines += ["", "Dismissal reasons: " + "; ".join(f"{label.lower()} {n}" for label, n in report.reason_rows)]
    for brand in report.brands:
        lines += [
            "",
            f"{brand.name} (thresholds: notice {brand.notice_threshold:.2f}, alert {brand.alert_threshold:.2f})",
            HEADER,
            _row("all signals", brand.figures),
            *[_row(KIND_LABELS[kind].lower(), figures) for kind, figures in brand.kind_rows],
        ]
        if brand.reason_rows:
            lines.append("  Dismissed as: " + "; ".join(f"{label.lower()} {n}" for label, n in brand.reason_rows))
        if brand.suggestions:
            lines += [f"  Suggestion: {s.text}" for s in brand.suggestions]
        elif brand.enough_decisions:
            lines.append("  No threshold change suggested.")
        else:
            lines.append(f"  Suggestions need {report.min_decisions} decisions; {len(brand.decisions)} so far.")
    if not report.brands:
        lines += ["", "Nothing was decided in this period."]
    return "\n".join(lines)
