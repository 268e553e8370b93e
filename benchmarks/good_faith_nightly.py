"""Benchmark: the nightly Good Faith evaluation over 10,000 rights holders, 100 partners, 1,000,000 decided items.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/good_faith_nightly.py [--quick]

Works in its own database (``portal_bench_good_faith`` unless ``--database``
names another, recreated from a migrated template on every run) on the server
DATABASE_URL names. The fixture (not measured) inserts, set-based in SQL,
10,000 rights holders (``--quick``: 1,000) with one owner and one IP asset
each (9 in 10 verified), and 1,000,000 decided items (``--quick``: 100,000),
100 per holder on average, 10 per notice, dated over the last 200 days (so a
tenth falls outside the 180-day window), in holder profiles: most uphold
98%, some sit around the 95% bar, some uphold 80%, some have a manifestly
unfounded rejection; dismissed items carry a counter-notice, a few are
reversals. Items are written straight into final states: fixture setup for
measuring the record query, not a way to move items.

Vetting partners (``--partners``, default one per 100 holders): partner p
vets the holders whose index is p modulo the number of partners (so it shares
their profile) and filed three in ten of their notices; one in five partners
is not approved for vetting.

Then it runs ``good_faith.membership.memberships_evaluate`` twice and times
each: the first night enrols (rows, changes, audit entries, notifications),
the second finds the same figures and changes nothing. The correctness check
is written from DOMAIN.md, not from the implementation: it recomputes a
sample of holders' records, overall and per infringement type, and every
partner's, one subject at a time with plain ORM queries and Python; compares
the figures and the expected status of every scope with the rows the run
stored; compares the fast-track answer for each (holder, type), asked as the
filing path asks it (the ``memberships_active_for`` policy: all of a holder's
types at once), and each partner's vetting privilege (``partner_privilege_active``)
with what the rule gives on the recomputed records.

A trivial view (login-protected, answering "ok": ``tests.benchmarking``) is
timed 100 times just before the first night and 100 times just after the
second: the machine is shared, so each night is also given as a number of
trivial requests, which survives the load where seconds do not. The last line
of output is one JSON object.

E-mail tasks go to an in-memory broker unless CELERY_BROKER_URL is set: the
benchmark measures the evaluation, not a worker sending mail.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import (  # noqa: E402
    database_prepare,
    django_setup,
    trivial_view_install,
    trivial_view_time,
)

DEFAULT_DB = "portal_bench_good_faith"
TRIVIAL_REQUESTS = 100  # before the nights, and again after them
ITEMS_PER_NOTICE = 10
# The day (0..199 days ago) notice n was filed: a holder's notices spread over the days.
NOTICE_DAY = "((37 * {n} + 53 * ({n} / {holders})) %% 200)::int"


# --- Fixture ------------------------------------------------------------------


def _insert_select(model, expressions, source_sql, params=()):
    """INSERT INTO model's table SELECT ... FROM source_sql, filling columns not named from the field defaults.

    Other fields may be added to these models later; their defaults keep this fixture working.
    """
    from django.db import connection

    columns, values = [], []
    with connection.cursor() as cursor:
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(f'"{field.column}"')
            if field.name in expressions or field.column in expressions:
                values.append(expressions.get(field.name, expressions.get(field.column)))
            elif field.null:
                values.append("NULL")
            else:
                # A literal, so the expressions' own %s parameters keep their order.
                value = field.get_db_prep_save(field.get_default(), connection)
                values.append(cursor.cursor.mogrify("%s", [value]).decode().replace("%", "%%"))
        sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} {source_sql}'  # noqa: S608
        cursor.execute(sql, list(params))
        return cursor.rowcount


def fixture_create(holders, items, partners, now):
    """Holders (each with an owner and an asset), vetting partners, decided items, in SQL.

    Returns (holder ids, partner ids).
    """
    from django.db import connection, transaction

    from portal.models import Membership as OrgMembership
    from portal.models import Organisation, User
    from rights_holders.models import IPAsset, Partner, RightsHolder
    from takedowns.models import CounterNotice, Notice, NoticeItem
    from tests import factories

    notices = items // ITEMS_PER_NOTICE
    with transaction.atomic():
        listing = factories.ListingFactory(external_id="GF-BENCH-1")
        merchant_user = factories.UserFactory(username="gf-bench-merchant")
        _insert_select(
            Organisation,
            {
                "name": "'GF Bench Brand ' || g",
                "slug": "'gf-bench-brand-' || g",
                "kind": "'rights_holder'",
                "created_at": "%s",
            },
            "FROM generate_series(1, %s) AS g",
            [now, holders],
        )
        _insert_select(
            RightsHolder,
            {"organisation": "o.id", "public_id": "gen_random_uuid()", "legal_name": "o.name", "created_at": "%s"},
            "FROM portal_organisation o WHERE o.name LIKE 'GF Bench Brand %%' ORDER BY o.id",
            [now],
        )
        _insert_select(
            User,
            {
                "username": "'gf-bench-owner-' || r.id",
                "email": "'owner' || r.id || '@bench.test'",
                "password": "'!'",
                "is_active": "TRUE",
                "date_joined": "%s",
            },
            "FROM rights_holders_rightsholder r ORDER BY r.id",
            [now],
        )
        _insert_select(
            OrgMembership,
            {"user": "u.id", "organisation": "r.organisation_id", "role": "'owner'", "created_at": "%s"},
            "FROM rights_holders_rightsholder r JOIN portal_user u ON u.username = 'gf-bench-owner-' || r.id",
            [now],
        )
        _insert_select(
            IPAsset,
            {
                "rights_holder": "r.id",
                "public_id": "gen_random_uuid()",
                "kind": "'trademark'",
                "name": "'GFMARK' || r.id",
                "registration_number": "'GF' || r.id",
                "office": "'EUIPO'",
                "verification_status": "CASE WHEN r.id %% 10 = 7 THEN 'pending' ELSE 'verified' END",
                "created_at": "%s",
            },
            "FROM rights_holders_rightsholder r",
            [now],
        )
        holder_ids = list(RightsHolder.objects.order_by("pk").values_list("pk", flat=True))
        first_holder = holder_ids[0]
        # Partner p vets the holders whose index is p modulo the number of partners, so it shares
        # their profile (below); one in five is not approved for vetting.
        _insert_select(
            Organisation,
            {
                "name": "'GF Bench Partner ' || g",
                "slug": "'gf-bench-partner-' || g",
                "kind": "'partner'",
                "created_at": "%s",
            },
            "FROM generate_series(1, %s) AS g",
            [now, partners],
        )
        _insert_select(
            Partner,
            {
                "organisation": "o.id",
                "kind": "'association'",
                "approved_for_vetting": "(row_number() OVER (ORDER BY o.id)) %% 5 <> 0",
                "created_at": "%s",
            },
            "FROM portal_organisation o WHERE o.name LIKE 'GF Bench Partner %%' ORDER BY o.id",
            [now],
        )
        partner_ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
        first_partner = partner_ids[0]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO "{Partner.vetted_rights_holders.through._meta.db_table}" (partner_id, rightsholder_id)
                    SELECT {first_partner} + (r.id - {first_holder}) % {partners}, r.id
                      FROM rights_holders_rightsholder r WHERE r.id >= {first_holder}"""
            )
        # Notice g belongs to holder (g mod holders); its items are decided 30 to 80 hours after filing.
        # Three in ten were filed by the holder's vetting partner.
        _insert_select(
            Notice,
            {
                "reference": "gen_random_uuid()",
                # Unique per row (a UUIDv4 rather than the model's UUIDv7: only uniqueness matters here).
                "public_id": "gen_random_uuid()",
                "rights_holder": f"{first_holder} + (g %% {holders})",
                "partner": f"CASE WHEN (g / {holders}) %% 10 < 3 THEN {first_partner} + (g %% {holders}) %% {partners} END",
                "channel": "'web'",
                "track": "'standard'",
                "filer_name": "'Bench Filer'",
                "filer_address": "'1 Bench Street'",
                "filer_phone": "'+33 1 00 00 00 00'",
                "filer_email": "'bench@example.test'",
                "signature": "'Bench Filer'",
                "signed_at": f"%s - make_interval(days => {NOTICE_DAY.format(n='g', holders=holders)}, hours => 80)",
                "submitted_at": f"%s - make_interval(days => {NOTICE_DAY.format(n='g', holders=holders)}, hours => 80)",
                "good_faith_statement": "TRUE",
                "accuracy_statement": "TRUE",
                "authority_statement": "TRUE",
            },
            "FROM generate_series(0, %s) AS g ORDER BY g",
            [now, now, notices - 1],
        )
        first_notice = Notice.objects.order_by("pk").values_list("pk", flat=True).first()
        # Profiles by holder: h % 10 in 0..5 uphold ~98%, 6..7 sit near 95%, 8 upholds ~80%,
        # 9 has a manifestly unfounded rejection. r is a per-item pseudo-random 0..99.
        status = """CASE
            WHEN p.q <= 5 THEN CASE WHEN p.r < 98 THEN 'upheld' WHEN p.r < 99 THEN 'dismissed' ELSE 'rejected' END
            WHEN p.q <= 7 THEN CASE WHEN p.r < 95 THEN 'upheld' WHEN p.r < 97 THEN 'dismissed' ELSE 'rejected' END
            WHEN p.q = 8 THEN CASE WHEN p.r < 80 THEN 'upheld' WHEN p.r < 90 THEN 'dismissed' ELSE 'rejected' END
            ELSE CASE WHEN p.r < 97 THEN 'upheld' WHEN p.r < 98 THEN 'dismissed' ELSE 'rejected' END END"""
        itype = """CASE WHEN p.t < 50 THEN 'counterfeit' WHEN p.t < 70 THEN 'trademark_misuse'
            WHEN p.t < 80 THEN 'copyright' WHEN p.t < 90 THEN 'design' WHEN p.t < 95 THEN 'patent' ELSE 'other' END"""
        _insert_select(
            NoticeItem,
            {
                "notice": "p.notice_id",
                "public_id": "gen_random_uuid()",
                "listing": str(listing.pk),
                "ip_asset": "a.id",
                "infringement_type": itype,
                "explanation": "'Counterfeit logo.'",
                "status": status,
                "status_changed_at": "p.decided_at",
                "version": "3",
                "decided_at": "p.decided_at",
                "decision_generation": "1",
                "took_down_listing": f"({status}) = 'upheld'",
                "manifestly_unfounded": f"p.q = 9 AND p.r = 99 AND ({status}) = 'rejected'",
                "reversed_against_filer": f"({status}) = 'dismissed' AND p.r %% 3 = 0",
            },
            f"""FROM (
                SELECT i, {first_notice} + i / {ITEMS_PER_NOTICE} AS notice_id,
                       ((i / {ITEMS_PER_NOTICE}) %% {holders}) %% 10 AS q,
                       (i * 7919 + i / 13) %% 100 AS r,
                       (i * 104729 + 17) %% 100 AS t,
                       %s - make_interval(days => {NOTICE_DAY.format(n=f"(i / {ITEMS_PER_NOTICE})", holders=holders)},
                                           hours => 80 - 30 - (i %% 50)::int) AS decided_at,
                       {first_holder} + (i / {ITEMS_PER_NOTICE}) %% {holders} AS holder_id
                  FROM generate_series(0::bigint, %s::bigint) AS i
            ) p JOIN rights_holders_ipasset a ON a.rights_holder_id = p.holder_id""",
            [now, items - 1],
        )
        _insert_select(
            CounterNotice,
            {
                "item": "i.id",
                "public_id": "gen_random_uuid()",
                "submitted_by": str(merchant_user.pk),
                "statement": "'Genuine goods.'",
                "signature": "'M'",
                "signed_at": "i.decided_at - interval '20 hours'",
                "accuracy_statement": "TRUE",
                "contact_name": "'M'",
                "contact_address": "'A'",
                "contact_phone": "'1'",
                "contact_email": "'m@bench.test'",
                "submitted_at": "i.decided_at - interval '20 hours'",
            },
            "FROM takedowns_noticeitem i WHERE i.status = 'dismissed'",
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CHECKPOINT")
    return holder_ids, partner_ids


# --- Check ---------------------------------------------------------------------
# Written from DOMAIN.md ("Good Faith programme") and the settings, not from the implementation:
# records counted in Python from plain rows; the bar, per scope (overall and each type); the
# fast track per type; a partner's privilege. On a first night there are no overrides, no
# misuse measures and no former members, so a scope has a row exactly when it was judged.

FIGURE_NAMES = ("decided", "upheld", "dismissed_after_counter_notice", "rejected", "manifestly_unfounded", "reversed")


def straightforward_figures(subject, subject_id, now):
    """{scope: figures} of one holder's or partner's record, overall ("") and per type: its items, counted in Python."""
    from datetime import timedelta

    from django.conf import settings

    from takedowns.models import NoticeItem

    start = now - timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS)
    rows = NoticeItem.objects.filter(
        **{f"notice__{subject}_id": subject_id},
        status__in=["upheld", "dismissed", "rejected"],
        decided_at__gt=start,
        decided_at__lte=now,
    ).values_list("infringement_type", "status", "reversed_against_filer", "manifestly_unfounded", "counter_notice__id")
    by_scope = {}
    for itype, status, reversed_, unfounded, counter_notice in rows:
        for scope in ("", itype):
            figures = by_scope.setdefault(scope, dict.fromkeys(FIGURE_NAMES, 0))
            figures["decided"] += 1
            figures["upheld"] += status == "upheld"
            figures["rejected"] += status == "rejected"
            figures["manifestly_unfounded"] += status == "rejected" and unfounded
            figures["reversed"] += status == "dismissed" and reversed_
            figures["dismissed_after_counter_notice"] += (
                status == "dismissed" and not reversed_ and bool(counter_notice)
            )
    return by_scope


def _judged(figures):
    from django.conf import settings

    return figures["decided"] >= settings.GOOD_FAITH_MIN_DECIDED


def _qualifies(figures, *, strikes, asset):
    """DOMAIN.md: enough decided items, a high upheld rate, few successful counter-notices, no misuse strike."""
    from django.conf import settings

    return (
        _judged(figures)
        and figures["upheld"] * 100 >= settings.GOOD_FAITH_MIN_UPHELD_PERCENT * figures["decided"]
        and figures["dismissed_after_counter_notice"] * 100
        <= settings.GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT * figures["decided"]
        and strikes == 0
        and asset
    )


def _scopes_check(subject, subject_id, figures_by_scope, rows, *, asset):
    """Mismatches between the recomputed scopes and the stored rows of one subject."""
    mismatches = []
    # Misuse is about the filer's conduct: a manifestly unfounded rejection of any type blocks every scope.
    strikes = figures_by_scope.get("", {}).get("manifestly_unfounded", 0)
    for scope in sorted(set(figures_by_scope) | set(rows)):
        expected = figures_by_scope.get(scope, dict.fromkeys(FIGURE_NAMES, 0))
        row = rows.get(scope)
        where = {subject: subject_id, "scope": scope or "overall"}
        if row is None:
            if _judged(expected):
                mismatches.append({**where, "problem": "judged but no membership row"})
            continue
        if not _judged(expected):
            mismatches.append({**where, "problem": "a row for a scope never judged", "stored": row.status})
            continue
        stored = {name: row.last_figures.get(name) for name in FIGURE_NAMES}
        member = _qualifies(expected, strikes=strikes, asset=asset)
        if stored != expected or (row.status == "member") != member:
            mismatches.append({**where, "expected": expected, "stored": stored, "status": row.status})
    return mismatches


def _fast_track_expected(figures_by_scope, *, asset):
    """DOMAIN.md: evaluated per type as well as overall, so a holder can be fast-tracked for counterfeits
    but not for patents. A type judged on its own items is decided by them; a type with too few rides
    on the overall record."""
    from takedowns.models import InfringementType

    strikes = figures_by_scope.get("", {}).get("manifestly_unfounded", 0)
    overall = figures_by_scope.get("", dict.fromkeys(FIGURE_NAMES, 0))
    answers = {}
    for itype in InfringementType.values:
        own = figures_by_scope.get(itype)
        decider = own if own is not None and _judged(own) else overall
        answers[itype] = _qualifies(decider, strikes=strikes, asset=asset)
    return answers


def trivial_user_create():
    """Someone to be logged in as for the trivial view (no organisation: the view needs none)."""
    from tests import factories

    return factories.UserFactory(username=f"bench-trivial-{random.randrange(10**9)}")


def correctness_check(holder_ids, partner_ids, now, sample):
    """Sampled holders and every partner, recomputed one by one and compared with the run and the selectors."""
    from good_faith.models import Membership
    from good_faith.selectors import partner_privilege_active
    from rights_holders.models import IPAsset, Partner
    from takedowns.models import InfringementType
    from takedowns.policies import policy

    # The question the filing path asks (takedowns.tracks): every type of a holder at once.
    memberships_active_for = policy("memberships_active_for")

    rng = random.Random(5)
    result = {"holders_checked": 0, "type_scopes_checked": 0, "fast_track_answers_checked": 0}
    result.update(partners_checked=0, partner_scopes_checked=0, mismatches=[])
    mismatches = result["mismatches"]
    for holder_id in rng.sample(holder_ids, min(sample, len(holder_ids))):
        figures = straightforward_figures("rights_holder", holder_id, now)
        rows = {row.infringement_type: row for row in Membership.objects.filter(rights_holder_id=holder_id)}
        asset = IPAsset.objects.usable(now.date()).filter(rights_holder_id=holder_id).exists()
        mismatches += _scopes_check("holder", holder_id, figures, rows, asset=asset)
        answers = memberships_active_for(rights_holder_id=holder_id, infringement_types=InfringementType.values)
        for itype, fast in _fast_track_expected(figures, asset=asset).items():
            answer = answers[itype] is not None
            if answer != fast:
                mismatches.append({"holder": holder_id, "type": itype, "fast_track": answer, "expected": fast})
            result["fast_track_answers_checked"] += 1
        result["holders_checked"] += 1
        result["type_scopes_checked"] += len([s for s in figures if s and _judged(figures[s])])
    for partner in Partner.objects.filter(pk__in=partner_ids):
        figures = straightforward_figures("partner", partner.pk, now)
        rows = {row.infringement_type: row for row in Membership.objects.filter(partner_id=partner.pk)}
        # Partners own no rights: the bar is their record alone.
        mismatches += _scopes_check("partner", partner.pk, figures, rows, asset=True)
        overall = figures.get("", dict.fromkeys(FIGURE_NAMES, 0))
        strikes = overall["manifestly_unfounded"]
        # Approved by staff, and not judged on its own record yet or meeting the bar.
        privilege = partner.approved_for_vetting and (
            not _judged(overall) or _qualifies(overall, strikes=strikes, asset=True)
        )
        if partner_privilege_active(partner) != privilege:
            mismatches.append({"partner": partner.pk, "privilege": not privilege, "expected": privilege})
        result["partners_checked"] += 1
        result["partner_scopes_checked"] += len([s for s in figures if _judged(figures[s])])
    return result


# --- Main ---------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth: 1,000 holders and 100,000 items")
    parser.add_argument("--holders", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--partners", type=int, help="vetting partners (a multiple of 10; default holders / 100)")
    parser.add_argument("--sample", type=int, default=200, help="holders recomputed one by one for the check")
    parser.add_argument("--database", default=os.environ.get("GOOD_FAITH_BENCH_DB", DEFAULT_DB))
    args = parser.parse_args(argv)
    holders = args.holders or (1_000 if args.quick else 10_000)
    items = args.items or (100_000 if args.quick else 1_000_000)
    partners = args.partners or max(10, holders // 100 // 10 * 10)

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/portal")
    total_began = time.perf_counter()
    print(f"Preparing database {args.database} ...", flush=True)
    django_setup(database_prepare(server_url, args.database))

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from good_faith.membership import memberships_evaluate
    from good_faith.models import Membership, MembershipChange
    from good_faith.selectors import partner_privilege_active
    from rights_holders.models import Partner
    from takedowns.models import Notification

    now = timezone.now()
    print(f"Inserting {holders:,} holders, {partners:,} partners and {items:,} decided items ...", flush=True)
    began = time.perf_counter()
    holder_ids, partner_ids = fixture_create(holders, items, partners, now)
    print(f"  fixture in {time.perf_counter() - began:.1f} s", flush=True)

    # The trivial view, timed just before and just after the nights: the machine's speed at the time.
    setup_test_environment(debug=False)
    trivial_view_install()
    client = Client()
    client.force_login(trivial_user_create())
    trivial = [trivial_view_time(client) for _ in range(TRIVIAL_REQUESTS + 5)][5:]

    print("First night (enrols) ...", flush=True)
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    first = memberships_evaluate(now=now)
    first_seconds = time.perf_counter() - began
    print(f"  {first_seconds:.2f} s: {first}", flush=True)
    changes_after_first = MembershipChange.objects.count()

    print("Second night (same figures, nothing to change) ...", flush=True)
    began = time.perf_counter()
    second = memberships_evaluate(now=now)
    second_seconds = time.perf_counter() - began
    print(f"  {second_seconds:.2f} s: {second}", flush=True)
    unchanged = MembershipChange.objects.count() == changes_after_first
    trivial += [trivial_view_time(client) for _ in range(TRIVIAL_REQUESTS)]
    load_after = os.getloadavg()[0]
    trivial_p50 = statistics.median(trivial)
    print(
        f"  trivial view p50 {trivial_p50:.2f} ms: the first night is {first_seconds * 1000 / trivial_p50:,.0f} "
        f"trivial requests, the second {second_seconds * 1000 / trivial_p50:,.0f}; "
        f"load average {load_before:.1f} -> {load_after:.1f}",
        flush=True,
    )

    print(f"Checking {args.sample} holders and every partner one by one ...", flush=True)
    check = correctness_check(holder_ids, partner_ids, now, args.sample)
    mismatches = check.pop("mismatches")
    print(
        f"  {check['holders_checked']} holders: overall and {check['type_scopes_checked']} per-type scopes, "
        f"{check['fast_track_answers_checked']} fast-track answers (holder x type); {check['partners_checked']} "
        f"partners: {check['partner_scopes_checked']} scopes and their privilege; {len(mismatches)} mismatches",
        flush=True,
    )
    for mismatch in mismatches[:5]:
        print(f"  MISMATCH {mismatch}", flush=True)
    correct = not mismatches and unchanged
    print(f"Total run time {time.perf_counter() - total_began:.1f} s", flush=True)
    print(
        json.dumps(
            {
                "holders": holders,
                "items": items,
                "seconds": round(first_seconds, 3),
                "second_run_seconds": round(second_seconds, 3),
                "partners": partners,
                "holders_evaluated": first["rights_holders_evaluated"],
                "partners_evaluated": first["partners_evaluated"],
                "members_enrolled": first["enrolled"],
                "overall_members": Membership.objects.filter(
                    rights_holder__isnull=False, infringement_type="", status="member"
                ).count(),
                "membership_rows": Membership.objects.count(),
                "notifications": Notification.objects.filter(source__startswith="good-faith-").count(),
                "second_run_changes": second["enrolled"] + second["suspended"],
                "type_members": Membership.objects.filter(rights_holder__isnull=False, status="member")
                .exclude(infringement_type="")
                .count(),
                "partners_with_privilege": sum(partner_privilege_active(p) for p in Partner.objects.all()),
                "sample_checked": check["holders_checked"],
                "type_scopes_checked": check["type_scopes_checked"],
                "fast_track_answers_checked": check["fast_track_answers_checked"],
                "partners_checked": check["partners_checked"],
                "partner_scopes_checked": check["partner_scopes_checked"],
                "sample_mismatches": len(mismatches),
                "correct": correct,
                "goal_seconds": 60,
                "trivial_view_p50_ms": round(trivial_p50, 2),
                "first_night_in_trivial_views": round(first_seconds * 1000 / trivial_p50),
                "second_night_in_trivial_views": round(second_seconds * 1000 / trivial_p50),
                "load_average_before": round(load_before, 1),
                "load_average_after": round(load_after, 1),
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
