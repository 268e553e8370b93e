"""Settings come from the environment: each switch works, each bad value names its variable.

Settings are read once per process, so every case runs in a subprocess with a
controlled environment (nothing inherited from the developer's shell).
"""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, os, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup(); "
    "from django.conf import settings; db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'options': db.get('OPTIONS', {}), "
    "'broker': settings.CELERY_BROKER_URL, 'storage': settings.STORAGES['default']['BACKEND'], "
    "'staticfiles': settings.STORAGES['staticfiles']['BACKEND'], 'debug': settings.DEBUG, "
    "'broker_options': settings.CELERY_BROKER_TRANSPORT_OPTIONS, 'cache': settings.CACHES['default'], "
    "'rates': [settings.API_RATE_LIMIT, settings.API_BURST_LIMIT, settings.API_ANONYMOUS_RATE_LIMIT, "
    "settings.API_AUTH_FAILURE_LIMIT]}))"
)


def _webhook_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example",
    "WEBHOOK_SECRET_KEY": _webhook_key(),
}


def _env(tmp_path, **overrides):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _run(tmp_path, *args, **overrides):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(tmp_path, **overrides):
    import json

    result = _run(tmp_path, "-c", PRINT, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _refused(tmp_path, variable, **overrides):
    result = _run(tmp_path, "-c", PRINT, **overrides)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1], result.stderr
    return result


def test_default_is_sqlite_with_wal_and_immediate(tmp_path):
    values = _settings(tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["options"]["init_command"]


def test_database_url_selects_postgres(tmp_path):
    values = _settings(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["options"] == {}


@pytest.mark.parametrize(
    "url",
    ["mysql://x", "postgres://", "postgres://postgres@127.0.0.1:5432/", "postgres://h:notaport/db", "nonsense"],
)
def test_bad_database_url_is_refused(tmp_path, url):
    _refused(tmp_path, "DATABASE_URL", DATABASE_URL=url)


def test_bad_debug_is_refused(tmp_path):
    _refused(tmp_path, "DEBUG", DEBUG="maybe")


def test_production_requires_secret_key(tmp_path):
    _refused(tmp_path, "SECRET_KEY", DEBUG="0", ALLOWED_HOSTS="portal.example")


def test_production_requires_allowed_hosts(tmp_path):
    _refused(tmp_path, "ALLOWED_HOSTS", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))


def test_production_requires_a_webhook_secret_key(tmp_path):
    result = _refused(tmp_path, "WEBHOOK_SECRET_KEY", **{**PRODUCTION, "WEBHOOK_SECRET_KEY": None})
    assert "urlsafe_b64encode(os.urandom(32))" in result.stderr  # how to make one


@pytest.mark.parametrize(
    "value", ["short", "x" * 44, base64.urlsafe_b64encode(b"31 bytes, one short of the key!").decode()]
)
def test_a_webhook_secret_key_that_is_not_32_bytes_of_base64_is_refused(tmp_path, value):
    _refused(tmp_path, "WEBHOOK_SECRET_KEY", WEBHOOK_SECRET_KEY=value)
    _refused(tmp_path, "WEBHOOK_SECRET_KEY_FALLBACKS", WEBHOOK_SECRET_KEY_FALLBACKS=f"{_webhook_key()},{value}")


def test_webhook_secret_keys_read_in_development_and_in_production(tmp_path):
    read = "from django.conf import settings; print(settings.WEBHOOK_SECRET_KEY, settings.WEBHOOK_SECRET_KEY_FALLBACKS)"
    script = PRINT.split("from django.conf")[0] + read
    development = _run(tmp_path, "-c", script)
    assert development.returncode == 0, development.stderr
    # A development default, like SECRET_KEY's: a valid key, the same in every process (worker and web).
    assert development.stdout.split()[-2:] == [
        base64.urlsafe_b64encode(b"insecure-webhook-key-debug-only!").decode(),
        "[]",
    ]
    old = _webhook_key()
    production = _run(tmp_path, "-c", script, **PRODUCTION, WEBHOOK_SECRET_KEY_FALLBACKS=f"{old}, {old}")
    assert production.returncode == 0, production.stderr
    assert production.stdout.split()[-3:] == [PRODUCTION["WEBHOOK_SECRET_KEY"], f"['{old}',", f"'{old}']"]


def test_broker_default_is_embedded_sqlite(tmp_path):
    values = _settings(tmp_path)
    assert values["broker"].startswith("sqla+sqlite:///")
    # kombu drops a publish when SQLite stays locked past this: wait a minute, not the driver's 5 s.
    assert values["broker_options"] == {"connect_args": {"timeout": 60}}


def test_broker_redis(tmp_path):
    assert _settings(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/5")["broker"] == "redis://127.0.0.1:6379/5"


def test_broker_key_prefix_reaches_the_redis_transport(tmp_path):
    redis = "redis://127.0.0.1:6379/5"
    options = _settings(tmp_path, CELERY_BROKER_URL=redis, CELERY_BROKER_KEY_PREFIX="staging:")["broker_options"]
    assert options["global_keyprefix"] == "staging:"
    assert _settings(tmp_path, CELERY_BROKER_URL=redis)["broker_options"]["global_keyprefix"] == ""


def test_visibility_timeout_under_a_minute_is_refused_in_production_only(tmp_path):
    redis = "redis://127.0.0.1:6379/5"
    _refused(
        tmp_path, "CELERY_VISIBILITY_TIMEOUT", **PRODUCTION, CELERY_BROKER_URL=redis, CELERY_VISIBILITY_TIMEOUT="59"
    )
    production = _settings(tmp_path, **PRODUCTION, CELERY_BROKER_URL=redis, CELERY_VISIBILITY_TIMEOUT="60")
    assert production["broker_options"]["visibility_timeout"] == 60
    # A development or test worker may shorten it to seconds (the hard-kill test in test_celery.py).
    debug = _settings(tmp_path, CELERY_BROKER_URL=redis, CELERY_VISIBILITY_TIMEOUT="5")
    assert debug["broker_options"]["visibility_timeout"] == 5
    _refused(tmp_path, "CELERY_VISIBILITY_TIMEOUT", CELERY_BROKER_URL=redis, CELERY_VISIBILITY_TIMEOUT="0")


def test_broker_key_prefix_with_the_embedded_broker_is_refused(tmp_path):
    _refused(tmp_path, "CELERY_BROKER_KEY_PREFIX", CELERY_BROKER_KEY_PREFIX="staging:")


def test_bad_broker_is_refused(tmp_path):
    _refused(tmp_path, "CELERY_BROKER_URL", CELERY_BROKER_URL="amqp://x")


def test_cache_is_in_memory_unless_a_redis_url_is_given(tmp_path):
    assert _settings(tmp_path)["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    cache = _settings(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1", CACHE_KEY_PREFIX="staging")["cache"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert (cache["LOCATION"], cache["KEY_PREFIX"]) == ("redis://127.0.0.1:6379/1", "staging")


def test_a_cache_url_that_is_not_redis_is_refused(tmp_path):
    _refused(tmp_path, "CACHE_URL", CACHE_URL="memcached://127.0.0.1:11211")


def test_api_rates_come_from_the_environment(tmp_path):
    assert _settings(tmp_path)["rates"] == [[600, 60], [60, 1], [60, 60], [20, 60]]
    values = _settings(
        tmp_path,
        API_RATE_LIMIT="5000/h",
        API_BURST_LIMIT="20/s",
        API_ANONYMOUS_RATE_LIMIT="10/min",
        API_AUTH_FAILURE_LIMIT="100/h",
    )
    assert values["rates"] == [[5000, 3600], [20, 1], [10, 60], [100, 3600]]


@pytest.mark.parametrize("value", ["600", "0/min", "ten/min", "600/day", "-1/s"])
@pytest.mark.parametrize("variable", ["API_RATE_LIMIT", "API_AUTH_FAILURE_LIMIT"])
def test_a_bad_api_rate_is_refused(tmp_path, variable, value):
    _refused(tmp_path, variable, **{variable: value})


def test_bucket_selects_s3_storage(tmp_path):
    values = _settings(tmp_path, AWS_STORAGE_BUCKET_NAME="x")
    assert values["storage"] == "storages.backends.s3.S3Storage"
    assert _settings(tmp_path)["storage"] == "django.core.files.storage.FileSystemStorage"


@pytest.mark.parametrize("variable", ["LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES", "UPLOAD_MAX_IMAGE_BYTES"])
def test_bad_integer_is_refused(tmp_path, variable):
    _refused(tmp_path, variable, **{variable: "abc"})


def test_short_health_check_token_is_refused(tmp_path):
    _refused(tmp_path, "HEALTH_CHECK_TOKEN", HEALTH_CHECK_TOKEN="letmein")


def test_an_email_claim_shorter_than_two_mail_timeouts_is_refused(tmp_path):
    _refused(tmp_path, "NOTIFICATION_EMAIL_CLAIM_SECONDS", NOTIFICATION_EMAIL_CLAIM_SECONDS="60", EMAIL_TIMEOUT="45")


@pytest.mark.parametrize(
    ("variable", "overrides"),
    [
        ("REQUEST_MAX_BODY_BYTES", {"REQUEST_MAX_BODY_BYTES": "1k"}),
        ("REQUEST_MAX_BODY_BYTES", {"REQUEST_MAX_BODY_BYTES": "1000"}),
        ("REQUEST_MAX_DOCUMENT_UPLOAD_BYTES", {"REQUEST_MAX_DOCUMENT_UPLOAD_BYTES": str(20 * 1024 * 1024)}),
        ("REQUEST_MAX_IMAGE_UPLOAD_BYTES", {"UPLOAD_MAX_IMAGE_BYTES": str(40 * 1024 * 1024)}),
        ("UPLOAD_MAX_PIXELS_PER_REQUEST", {"UPLOAD_MAX_PIXELS_PER_REQUEST": "1000000"}),
        ("UPLOAD_MAX_FILES_PER_REQUEST", {"UPLOAD_MAX_FILES_PER_REQUEST": "0"}),
        ("REQUEST_MAX_API_BODY_BYTES", {"REQUEST_MAX_API_BODY_BYTES": str(512 * 1024)}),
        ("REQUEST_MAX_API_BODY_BYTES", {"REQUEST_MAX_API_BODY_BYTES": str(60 * 1024 * 1024)}),
    ],
)
def test_request_and_upload_limits_that_cannot_work_are_refused(tmp_path, variable, overrides):
    _refused(tmp_path, variable, **overrides)


def test_integer_below_minimum_is_refused(tmp_path):
    _refused(tmp_path, "LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT="0")


def test_production_uses_manifest_static_storage(tmp_path):
    values = _settings(tmp_path, **PRODUCTION)
    assert values["debug"] is False
    assert values["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_check_deploy_passes(tmp_path):
    result = _run(
        tmp_path,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


IS_SECURE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup(); "
    "from django.test import RequestFactory; "
    "request = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='portal.example'); "
    "print(request.is_secure())"
)


def _forged_proto_is_believed(tmp_path, **overrides):
    result = _run(tmp_path, "-c", IS_SECURE, **PRODUCTION, **overrides)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] == "True"


def test_forwarded_proto_from_a_client_is_ignored_without_a_trusted_proxy(tmp_path):
    # A client talking to gunicorn directly must not make plain HTTP pass for HTTPS.
    assert _forged_proto_is_believed(tmp_path) is False
    assert _forged_proto_is_believed(tmp_path, TRUSTED_PROXY_COUNT="0") is False


def test_forwarded_proto_is_believed_behind_a_configured_proxy(tmp_path):
    assert _forged_proto_is_believed(tmp_path, TRUSTED_PROXY_COUNT="1") is True


# --- Authentication policy --------------------------------------------------


def test_passwords_are_hashed_with_argon2(db, settings):
    # tests/conftest.py swaps in a fast hasher for speed; restore the project's own list here.
    from portal import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = factories.UserFactory()
    assert user.password.startswith("argon2")
    assert user.check_password(factories.PASSWORD)


def test_login_locks_out_after_repeated_failures(client, db, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    user = factories.UserFactory(username="lockme")
    url = reverse("login")
    assert client.get(url).status_code == 200
    for _ in range(5):
        response = client.post(url, {"username": user.username, "password": "wrong-password-123"})
        assert "_auth_user_id" not in client.session
    response = client.post(url, {"username": user.username, "password": factories.PASSWORD})
    assert response.status_code in {403, 429}
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_correct_password_logs_in_before_the_limit(client, db):
    user = factories.UserFactory(username="fine")
    url = reverse("login")
    for _ in range(2):
        client.post(url, {"username": user.username, "password": "wrong-password-123"})
    response = client.post(url, {"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"TAKEDOWN_EFFECT_MAX_ATTEMPTS": "0"}, "TAKEDOWN_EFFECT_MAX_ATTEMPTS"),
        ({"TAKEDOWN_EFFECT_MAX_ATTEMPTS": "many"}, "TAKEDOWN_EFFECT_MAX_ATTEMPTS"),
        ({"TAKEDOWN_EFFECT_RETRY_BASE_SECONDS": "0"}, "TAKEDOWN_EFFECT_RETRY_BASE_SECONDS"),
        (
            {"TAKEDOWN_EFFECT_RETRY_BASE_SECONDS": "600", "TAKEDOWN_EFFECT_RETRY_MAX_SECONDS": "60"},
            "TAKEDOWN_EFFECT_RETRY_MAX_SECONDS",
        ),
    ],
)
def test_bad_effect_retry_settings_are_refused(tmp_path, overrides, variable):
    _refused(tmp_path, variable, **overrides)


def test_effect_retry_settings_come_from_the_environment(tmp_path):
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); django.setup(); "
        "from django.conf import settings as s; print(s.TAKEDOWN_EFFECT_RETRY_BASE_SECONDS, "
        "s.TAKEDOWN_EFFECT_RETRY_MAX_SECONDS, s.TAKEDOWN_EFFECT_MAX_ATTEMPTS)"
    )
    assert _run(tmp_path, "-c", script).stdout.split() == ["60", "3600", "8"]
    custom = _run(
        tmp_path,
        "-c",
        script,
        TAKEDOWN_EFFECT_RETRY_BASE_SECONDS="5",
        TAKEDOWN_EFFECT_RETRY_MAX_SECONDS="5",
        TAKEDOWN_EFFECT_MAX_ATTEMPTS="1",
    )
    assert custom.stdout.split() == ["5", "5", "1"]


def _banned_categories(tmp_path, value):
    script = (
        "import django, os, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings'); "
        "django.setup(); from django.conf import settings; print(json.dumps(settings.LISTING_BANNED_CATEGORIES))"
    )
    return _run(tmp_path, "-c", script, LISTING_BANNED_CATEGORIES=value)


def test_banned_categories_are_read_with_their_path_steps_spaced_and_may_be_none(tmp_path):
    import json

    default = _banned_categories(tmp_path, None)
    assert default.returncode == 0, default.stderr
    assert "Vehicle parts > Airbag components" in json.loads(default.stdout.strip().splitlines()[-1])
    given = _banned_categories(tmp_path, " Vehicle  parts>Airbag components , Knives ")
    assert json.loads(given.stdout.strip().splitlines()[-1]) == ["Vehicle parts > Airbag components", "Knives"]
    assert json.loads(_banned_categories(tmp_path, "").stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(
    "value, says",
    [
        ("Knives,,Airbags", "entry 2 ('') has an empty category"),
        ("Vehicle parts >", "entry 1 ('Vehicle parts >') has an empty category or path step"),
        ("Knives,KNIVES", "entry 2 ('KNIVES') repeats entry 1"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_a_bad_banned_category_stops_start_up_naming_the_variable(tmp_path, value, says):
    result = _banned_categories(tmp_path, value)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured: Environment variable LISTING_BANNED_CATEGORIES" in last and says in last, last
