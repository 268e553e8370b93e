"""The help centre (no login): how filing, counter-notices, appeals, the Good Faith programme and proactive
screening work, with the deadlines, points and thresholds read from the settings that enforce them."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from takedowns.models import InfringementType, SanctionKind

# slug -> (title, what it answers); each has templates/takedowns/help/<slug>.html.
TOPICS = {
    "filing": (_("Filing a notice"), _("Register your IP, then report listings that infringe it.")),
    "counter-notices": (
        _("Counter-notices and penalties"),
        _("A complaint names your listing: how to answer it, and what an upheld complaint costs."),
    ),
    "appeals": (_("Appeals"), _("Ask a senior reviewer to look again at a decision.")),
    "good-faith": (_("The Good Faith programme"), _("Faster takedowns for filers with a proven record.")),
    "screening": (
        _("Proactive screening"),
        _("How the marketplace finds infringing listings before anyone complains."),
    ),
}


def _days(hours):
    """Whole days when the hours make whole days (72 -> 3), else None: the pages then say hours."""
    return hours // 24 if hours % 24 == 0 else None


def policy():
    """The policy values the help pages quote, from the settings that enforce them."""
    kinds = dict(SanctionKind.choices)
    types = dict(InfringementType.choices)
    return {
        "counter_notice_hours": settings.TAKEDOWN_COUNTER_NOTICE_HOURS,
        "counter_notice_days": _days(settings.TAKEDOWN_COUNTER_NOTICE_HOURS),
        "reply_hours": settings.TAKEDOWN_REPLY_HOURS,
        "sla_hours": settings.TAKEDOWN_REVIEW_SLA_HOURS,
        "appeal_days": settings.TAKEDOWN_APPEAL_DAYS,
        "points": [(types[key], points) for key, points in settings.PENALTY_POINTS.items() if key in types],
        "points_expire_days": settings.PENALTY_POINTS_EXPIRE_DAYS,
        "ladder": [(threshold, kinds.get(kind, kind), days) for threshold, kind, days in settings.PENALTY_LADDER],
        "repeat_infringer_count": settings.PENALTY_REPEAT_INFRINGER_COUNT,
        "gf_window_days": settings.GOOD_FAITH_WINDOW_DAYS,
        "gf_min_decided": settings.GOOD_FAITH_MIN_DECIDED,
        "gf_min_upheld_percent": settings.GOOD_FAITH_MIN_UPHELD_PERCENT,
        "gf_max_counter_notice_percent": settings.GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT,
        "gf_cooling_off_days": settings.GOOD_FAITH_COOLING_OFF_DAYS,
        "gf_audit_percent": settings.GOOD_FAITH_AUDIT_PERCENT,
        "misuse_window_days": settings.MISUSE_WINDOW_DAYS,
        "misuse_warning_threshold": settings.MISUSE_WARNING_THRESHOLD,
        "misuse_suspension_threshold": settings.MISUSE_SUSPENSION_THRESHOLD,
        "misuse_suspension_days": settings.MISUSE_SUSPENSION_DAYS,
        "notice_threshold_percent": round(settings.SCREENING_NOTICE_THRESHOLD * 100),
        "alert_threshold_percent": round(settings.SCREENING_ALERT_THRESHOLD * 100),
        "banned_categories": settings.LISTING_BANNED_CATEGORIES,
    }


def _topics():
    return [(slug, title, summary) for slug, (title, summary) in TOPICS.items()]


def help_index(request):
    return render(request, "takedowns/help/index.html", {"topics": _topics()})


def help_topic(request, topic):
    if topic not in TOPICS:
        raise Http404("No such help topic.")
    title, summary = TOPICS[topic]
    context = {"topics": _topics(), "topic": topic, "title": title, "summary": summary, **policy()}
    return render(request, f"takedowns/help/{topic.replace('-', '_')}.html", context)
