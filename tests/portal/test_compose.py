"""docker-compose.yml and Dockerfile: parse, every service checked, every command points at real code."""

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
SERVICES = ("proxy", "web", "worker", "beat", "postgres", "redis")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def requirements():
    names = set()
    for line in (BASE_DIR / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[=<>!~\[ ;]", line, maxsplit=1)[0].lower())
    return names


def _command(service):
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def test_every_service_exists_with_a_healthcheck(compose):
    services = compose["services"]
    for name in SERVICES:
        assert name in services, name
        test = services[name]["healthcheck"]["test"]
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name


def test_backing_services(compose):
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    assert services["postgres"]["volumes"] and services["redis"]["volumes"]
    for volume in ("postgres-data", "redis-data"):
        assert volume in compose["volumes"]


def test_app_services_configuration(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        env = service["environment"]
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["DATABASE_URL"].endswith("@postgres:5432/portal")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        # Rate limits hold across web processes only when the cache is shared; a database of its own.
        assert env["CACHE_URL"].startswith("redis://redis:6379/") and env["CACHE_URL"] != env["CELERY_BROKER_URL"]
        for var in ("SECRET_KEY", "ALLOWED_HOSTS", "WEBHOOK_SECRET_KEY", "WEBHOOK_SECRET_KEY_FALLBACKS"):
            assert var in env
        # Required, never defaulted: the webhook secrets in the database are encrypted with it.
        assert env["WEBHOOK_SECRET_KEY"].startswith("${WEBHOOK_SECRET_KEY:?")
        depends = service["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "urllib" in " ".join(services["web"]["healthcheck"]["test"])


def test_migrate_runs_before_the_app(compose):
    migrate = compose["services"]["migrate"]
    assert _command(migrate)[:3] == ["python", "manage.py", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate.get("restart") == "no"


def test_commands_point_at_real_code(compose, requirements):
    seen = set()
    for name, service in compose["services"].items():
        command = _command(service)
        if not command:
            continue
        program = command[0]
        if program == "gunicorn":
            assert "gunicorn" in requirements
            module, _, attr = command[1].partition(":")
            assert getattr(importlib.import_module(module), attr)
            seen.add(name)
        elif program == "celery":
            assert "celery" in requirements
            assert command[1] == "-A"
            app = importlib.import_module(command[2])
            from celery import Celery

            assert isinstance(app.celery_app, Celery)
            assert command[3] in {"worker", "beat"}
            seen.add(name)
        elif program == "python":
            assert command[1] == "manage.py"
            assert (BASE_DIR / "manage.py").exists()
            from django.core.management import get_commands

            assert command[2] in get_commands()
            seen.add(name)
    assert {"web", "worker", "beat", "migrate"} <= seen


def test_healthcheck_python_snippets_compile(compose):
    for name, service in compose["services"].items():
        test = service["healthcheck"]["test"] if "healthcheck" in service else []
        if test[:3] == ["CMD", "python", "-c"]:
            compile(test[3], f"{name}-healthcheck", "exec")


def test_dockerfile(requirements):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert "tesseract-ocr" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert "SECRET_KEY=" in dockerfile and "WEBHOOK_SECRET_KEY=" in dockerfile
    assert "gunicorn" in requirements and "celery" in requirements
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored


# --- request limits: proxy, gunicorn, application -----------------------------------


def _compose_default(value):
    """The default of a "${VAR:-default}" compose value."""
    match = re.fullmatch(r"\$\{(\w+):-([^}]*)\}", value)
    assert match, value
    return match.group(1), match.group(2)


@pytest.fixture(scope="module")
def proxy_template(compose):
    mount = next(v for v in compose["services"]["proxy"]["volumes"] if v.endswith(".conf.template:ro"))
    source, target, _ = mount.split(":")
    assert target.startswith("/etc/nginx/templates/"), "the nginx image renders templates from there"
    return (BASE_DIR / source).read_text()


def test_only_the_proxy_is_published_and_it_waits_for_a_healthy_web(compose):
    services = compose["services"]
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["proxy"]["ports"] == ["${WEB_PORT:-8000}:80"]
    assert "ports" not in services["web"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "/health/" in " ".join(services["proxy"]["healthcheck"]["test"])


def test_the_proxy_refuses_bodies_above_the_largest_upload_the_application_accepts(compose, proxy_template, settings):
    assert re.search(r"^\s*client_max_body_size \$\{CLIENT_MAX_BODY_SIZE\};", proxy_template, re.M)
    assert re.search(r"^\s*proxy_request_buffering on;", proxy_template, re.M)
    proxy_variable, proxy_default = _compose_default(
        compose["services"]["proxy"]["environment"]["CLIENT_MAX_BODY_SIZE"]
    )
    app_env = compose["services"]["web"]["environment"]
    # One variable sets both, so they cannot drift apart.
    assert proxy_variable == "REQUEST_MAX_DOCUMENT_UPLOAD_BYTES"
    assert _compose_default(app_env["REQUEST_MAX_DOCUMENT_UPLOAD_BYTES"]) == (proxy_variable, proxy_default)
    assert int(proxy_default) == max(settings.REQUEST_MAX_UPLOAD_BYTES.values())
    for name, setting in (
        ("REQUEST_MAX_BODY_BYTES", settings.REQUEST_MAX_BODY_BYTES),
        ("REQUEST_MAX_IMAGE_UPLOAD_BYTES", settings.REQUEST_MAX_UPLOAD_BYTES["image"]),
        ("REQUEST_MAX_DOCUMENT_UPLOAD_BYTES", settings.REQUEST_MAX_UPLOAD_BYTES["document"]),
    ):
        assert _compose_default(app_env[name]) == (name, str(setting)), "compose repeats the settings' defaults"


def test_the_proxy_sets_the_forwarded_headers_the_application_trusts(compose, proxy_template):
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in proxy_template
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in proxy_template
    assert "proxy_pass http://portal_web;" in proxy_template and "server web:8000;" in proxy_template
    # One proxy in front: the last X-Forwarded-For entry, and X-Forwarded-Proto, are the proxy's.
    assert compose["services"]["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


def test_gunicorn_bounds_request_lines_headers_and_time(compose):
    from gunicorn.config import Config

    command = _command(compose["services"]["web"])
    config = Config()
    parsed = config.parser().parse_args(command[2:])  # after "gunicorn portal.wsgi:application"
    for name in ("limit_request_line", "limit_request_fields", "limit_request_field_size", "timeout"):
        value = getattr(parsed, name)
        assert value is not None, f"{name} is not set explicitly in {shlex.join(command)}"
        config.set(name, value)
    assert 0 < config.limit_request_line <= 8190
    assert 0 < config.limit_request_fields <= 100
    assert 0 < config.limit_request_field_size <= 8190
    assert 0 < config.timeout <= 120
