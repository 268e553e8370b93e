"""Page fragments shared by everyone who sees the same thing, kept until the data under them changes.

The reviewer queue looks the same to every reviewer, a brand's notices list the same to its members. Such a
fragment (its HTML and a few facts about it) is built once, kept in the cache under the **data version**, and
served to the next viewer who asks with the same key until the version moves or the fragment's own time is
up (a countdown's next minute, a claim's expiry). It is never a page cached for one session.

The data version (``portal.models.DataVersion``) moves with every committed write to a tracked table: every
table of the project's apps and of the accounts (users, groups), except the few no shared fragment reads
(``UNTRACKED_APPS``: sessions, sign-in throttling, second factors, the API's keys and deliveries, the admin's
log; ``UNTRACKED_MODELS``: notifications, read afresh on every page, and the audit log, read by the admin
alone; ``UNTRACKED_COLUMNS``: a sign-in's ``last_login``). It has two parts (``TOPICS``): the data, and the
reviewers' claims, which only the queue shows; a fragment names the parts it reads. The database does it, not
the code that writes, so nothing can forget it: raw SQL, set-based writes, the deadline sweep and every worker
are covered alike.

- On PostgreSQL a statement-level trigger on each tracked table marks the transaction once (a row in
  ``portal_datachange``), and a deferred constraint trigger on that row raises the version at commit, in the
  writing transaction: the new version becomes visible exactly when the data does. The version row is locked
  only from the commit's start to its end, so writers do not wait for one another's work, only for the
  instant of each other's commits.
- On SQLite (the embedded default) row triggers raise it in the writing statement; SQLite has one writer.

Why this is never stale: a request reads the version first, with its user (``frame_data_version``, at the
start of the request), and the data after. A write the request's data does not show committed after the data
was read, hence after the version was read, and raised it: the fragment is filed under a version that is
already old. A request inside a transaction (one that may have written and may still roll back) neither
reads nor files fragments; nor does anything but GET and HEAD.

A fragment never holds a viewer's own parts: the CSRF token is put in on the way out (``CSRF_MARK``), and a
view whose rows differ for a viewer (a claim the viewer holds) builds that viewer's page itself (``private``).
"""

import contextvars
import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

# Apps whose tables no shared fragment reads: their writes (a session saved on every request, a failed
# sign-in counted, an API key's last use) must not move the version.
UNTRACKED_APPS = frozenset({"sessions", "axes", "otp_totp", "otp_static", "admin", "api", "contenttypes"})
# The version's own tables.
UNTRACKED_TABLES = frozenset({"portal_dataversion", "portal_datachange"})
# Models of tracked apps that no shared fragment reads: a notification (the frame reads the unread count afresh
# on every request; reading the notifications page marks them read, which must not drop every page); the audit
# log (read by the admin only; written with every change it records, which moves the version itself, and with
# every claim a reviewer takes by opening an item).
UNTRACKED_MODELS = frozenset({"takedowns.notification", "portal.auditlogentry"})
# Columns whose change alone moves nothing a fragment shows: a sign-in writes the user's ``last_login``.
UNTRACKED_COLUMNS = {"portal.user": frozenset({"last_login"})}
# The longest a fragment is kept, whatever its own time says.
LONGEST = timedelta(minutes=5)
# How long a text in whole minutes ("3 hours 12 minutes left") may be kept: the page's countdowns are at most
# this old (a row turns overdue on the page within it; deadlines are shown to the minute).
TEXTS_IN_MINUTES = timedelta(minutes=1)
# Fragments kept in each process besides the shared cache (the same keys: a version in each).
LOCAL_ENTRIES = 256

CSRF_MARK = "<!--portal:csrf-->"

_TRIGGER = "portal_data_changed"

# The version has two parts, each raised by its own tables: the data, and the reviewers' claims (a reviewer
# opening an item claims it: the queue shows that, no other page does). A fragment names the parts it reads.
DATA = 1
CLAIMS = 2
TOPICS = (DATA, CLAIMS)


def _pg_functions(by_topic):
    """The trigger functions; ``by_topic``: portal_datachange has its ``topic`` column (``portal.0008``), each
    part raised on its own. Without it (the schema migrated back before it) every write raises the data's."""
    mark = "'portal.data_changed_' || TG_ARGV[0]" if by_topic else "'portal.data_changed'"
    insert = "(topic) VALUES (TG_ARGV[0]::smallint)" if by_topic else "DEFAULT VALUES"
    return f"""
CREATE OR REPLACE FUNCTION portal_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mark text := {mark};
BEGIN
    -- Once per transaction and part (a savepoint rolled back takes its mark with it, the setting too).
    IF current_setting(mark, true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config(mark, 'on', true);
        INSERT INTO portal_datachange {insert};
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION portal_data_version_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portal_dataversion (id, epoch, n)
    VALUES ({"NEW.topic" if by_topic else DATA}, md5(random()::text || clock_timestamp()::text), 1)
    ON CONFLICT (id) DO UPDATE SET n = portal_dataversion.n + 1;
    DELETE FROM portal_datachange WHERE id = NEW.id;
    RETURN NULL;
END $$;
"""  # noqa: S608 -- put together from this function's own constants


_PG_RAISE_TRIGGER = """
CREATE CONSTRAINT TRIGGER portal_data_version_raise AFTER INSERT ON portal_datachange
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION portal_data_version_raise()
"""

_SQLITE_RAISE = (
    "INSERT INTO portal_dataversion (id, epoch, n) VALUES ({topic}, lower(hex(randomblob(16))), 1) "
    "ON CONFLICT(id) DO UPDATE SET n = n + 1;"
)


def tracked_tables():
    """The tables whose writes move the data version: every model's table but the untracked apps' and models'."""
    return sorted(_tracked_columns())


def _tracked_columns():
    """Each tracked table: (the part of the version it raises, the columns an UPDATE must set to raise it,
    None for any)."""
    from portal.models import WorkClaim

    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.app_label in UNTRACKED_APPS or meta.label_lower in UNTRACKED_MODELS:
            continue
        if meta.db_table in UNTRACKED_TABLES:
            continue
        untracked = UNTRACKED_COLUMNS.get(meta.label_lower, frozenset())
        columns = sorted(f.column for f in meta.concrete_fields if f.name not in untracked) if untracked else None
        tables[meta.db_table] = (CLAIMS if issubclass(model, WorkClaim) else DATA, columns)
    return tables


def tracking_install(using="default", **_kwargs):
    """Put the version's triggers on every tracked table of database ``using`` that lacks them (after each
    ``migrate``, through post_migrate: a table a migration adds is tracked the same day)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if "portal_dataversion" not in existing:
        return
    columns = {table: watched for table, watched in _tracked_columns().items() if table in existing}
    tables = sorted(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s AND c.relnamespace = 'public'::regnamespace",
                [_TRIGGER],
            )
            done = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'portal_data_version_raise' "
                "AND tgrelid = 'portal_datachange'::regclass"
            )
            raise_done = cursor.fetchone() is not None
            missing = [table for table in tables if table not in done]
            if not missing and raise_done:
                return
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'portal_datachange' AND column_name = 'topic'"
            )
            cursor.execute(_pg_functions(by_topic=cursor.fetchone() is not None))
            if not raise_done:
                cursor.execute(_PG_RAISE_TRIGGER)
            for table in missing:
                name = connection.ops.quote_name(table)
                topic, watched = columns[table]
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {_TRIGGER} AFTER INSERT OR {_update_of(connection, watched)} "
                    f"OR DELETE OR TRUNCATE ON {name} FOR EACH STATEMENT EXECUTE FUNCTION portal_data_changed({topic})"
                )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'portal_dc_%'")
            done = {row[0] for row in cursor.fetchall()}
            for table in tables:
                name = connection.ops.quote_name(table)
                topic, watched = columns[table]
                for event in ("INSERT", "UPDATE", "DELETE"):
                    trigger = f"portal_dc_{table}_{event.lower()}"
                    if event == "UPDATE":
                        event = _update_of(connection, watched)
                    if trigger not in done:
                        cursor.execute(
                            f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER {event} ON {name} "
                            f"BEGIN {_SQLITE_RAISE.format(topic=topic)} END"
                        )


def _update_of(connection, columns):
    """The trigger's UPDATE event: of any column, or only of ``columns``."""
    if columns is None:
        return "UPDATE"
    return "UPDATE OF " + ", ".join(connection.ops.quote_name(column) for column in columns)


def tracking_reinstall(using="default"):
    """The triggers taken off and put back as the code now declares them (a migration that changes what is
    tracked)."""
    tracking_remove(using)
    tracking_install(using)


def version_expression():
    """The version as text, each part's "<epoch>.<n>" in ``TOPICS``' order joined by "|" (a part not yet
    written: empty), as one expression loaded with the session's user."""
    from django.db.models import CharField, Subquery, Value
    from django.db.models.functions import Cast, Coalesce, Concat

    from portal.models import DataVersion

    def part(topic):
        row = DataVersion.objects.filter(pk=topic).annotate(v=Concat("epoch", Value("."), Cast("n", CharField())))
        return Coalesce(Subquery(row.values("v")[:1], output_field=CharField()), Value(""))

    parts = [part(topic) for topic in TOPICS]
    joined = [parts[0]]
    for following in parts[1:]:
        joined += [Value("|"), following]
    return Concat(*joined, output_field=CharField())


def _version_parts(version, topics):
    """The parts ``topics`` of ``version`` (the text ``version_expression`` reads), or None while the data's
    part was never written (nothing is shared before the first tracked write)."""
    parts = version.split("|") if version else []
    if len(parts) != len(TOPICS) or not parts[0]:
        return None
    return "|".join(parts[TOPICS.index(topic)] for topic in topics)


VERSION_ATTRIBUTE = "frame_data_version"


def request_version(request, topics=TOPICS):
    """The version's parts ``topics`` as ``request`` began, if its fragments may be shared: a GET or HEAD,
    outside a transaction, from a user loaded with the version. Otherwise None: build the page from the data."""
    if not settings.PAGE_FRAGMENTS_SHARED or request.method not in ("GET", "HEAD"):
        return None
    user = getattr(request, "user", None)
    version = _version_parts(getattr(user, VERSION_ATTRIBUTE, None) if user is not None else None, topics)
    if not version:
        return None
    if transaction.get_connection(router.db_for_read(apps.get_model("portal", "DataVersion"))).in_atomic_block:
        return None
    return version


@dataclass
class Fragment:
    """What a view built: its HTML (with ``CSRF_MARK`` where the viewer's token goes), until when it holds
    whatever the data does (a countdown's next minute, a claim's end), and facts the view reads back."""

    html: str
    until: datetime
    meta: dict = field(default_factory=dict)


_local = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key, now):
    with _local_lock:
        entry = _local.get(key)
        if entry is not None and entry.until <= now:
            del _local[key]
            return None
        return entry


def _local_put(key, entry):
    with _local_lock:
        _local[key] = entry
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


# Facts of one user (their memberships, the brands they act for, their open alerts) kept per data version in
# this process: the frame reads them on every page. Only while a GET or HEAD is answered (``memo_request``).
MEMO_ENTRIES = 4096
_memo = OrderedDict()
_memo_allowed = contextvars.ContextVar("pagecache_memo_allowed", default=False)


def memo_request(request):
    """Allow ``version_memo`` while ``request`` is answered, if it is a GET or HEAD (a token for
    ``memo_request_end``). A view that writes, then reads one of these facts, must not read the old one."""
    return _memo_allowed.set(request.method in ("GET", "HEAD"))


def memo_request_end(token):
    _memo_allowed.reset(token)


def version_memo(user, name, compute, *, topics=(DATA,)):
    """``compute()``, a fact of ``user`` that changes only with the data (never with time alone), kept in this
    process for the data version the request began with: exact, since a committed write moves the version.
    Computed afresh outside a GET or HEAD, inside a transaction, or for a user not loaded with the version.
    The value is shared by the user's later requests: keep it immutable (tuples, frozensets, numbers).
    ``topics``: the version's parts it depends on; the data's alone by default (no such fact shows a claim)."""
    version = _version_parts(getattr(user, VERSION_ATTRIBUTE, None), topics)
    if not version or not _memo_allowed.get():
        return compute()
    if transaction.get_connection(router.db_for_read(apps.get_model("portal", "DataVersion"))).in_atomic_block:
        return compute()
    key = (name, user.pk, version)
    with _local_lock:
        if key in _memo:
            return _memo[key]
    value = compute()
    with _local_lock:
        _memo[key] = value
        while len(_memo) > MEMO_ENTRIES:
            _memo.popitem(last=False)
    return value


def _key(name, version, parts):
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:32]
    zone = getattr(timezone.get_current_timezone(), "key", "UTC")
    return f"pagefragment:{name}:{version}:{translation.get_language()}:{zone}:{digest}"


def shared_fragment(request, name, parts, build, *, private=None, topics=TOPICS):
    """The fragment ``name`` for ``parts`` (everything besides the data, the language and the time zone that
    decides what it shows), shared: built by ``build()`` (a ``Fragment``) on a miss and kept. ``private(meta)``
    says whether this viewer needs their own (built, never kept). ``topics``: the version's parts it reads
    (``(DATA,)`` for a page that shows no claim). Answers (html with the viewer's CSRF token, meta, whether it
    was shared)."""
    now = timezone.now()
    version = request_version(request, topics)
    if version is None:
        built = build()
        return _fill(built.html, request), built.meta, False
    key = _key(name, version, parts)
    entry = _local_get(key, now)
    if entry is None:
        try:
            entry = cache.get(key)
        except Exception:  # a cache that does not answer serves no fragment: the page is built
            logger.warning("page fragment cache unavailable", exc_info=True)
            entry = None
        if entry is not None and entry.until <= now:
            entry = None
        if entry is not None:
            _local_put(key, entry)
    if entry is not None and not (private and private(entry.meta)):
        return _fill(entry.html, request), entry.meta, True
    built = build()
    if private and private(built.meta):
        return _fill(built.html, request), built.meta, False
    seconds = (min(built.until, now + LONGEST) - now).total_seconds()
    if seconds >= 1:
        _local_put(key, built)
        try:
            cache.set(key, built, timeout=int(seconds))
        except Exception:
            logger.warning("page fragment cache unavailable", exc_info=True)
    return _fill(built.html, request), built.meta, False


@functools.cache
def _csrf_input_template():
    return '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


def _fill(html, request):
    """The fragment's HTML (a template's output, safe) with the viewer's CSRF token where it goes."""
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, format_html(_csrf_input_template(), get_token(request)))
    return mark_safe(html)  # noqa: S308 -- rendered by our templates; the token by format_html


def tracking_remove(using="default"):
    """Take the version's triggers off every table (migrating back past ``portal.0007``: the tables they
    write go)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS portal_data_changed() CASCADE")
            cursor.execute("DROP FUNCTION IF EXISTS portal_data_version_raise() CASCADE")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'portal_dc_%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
