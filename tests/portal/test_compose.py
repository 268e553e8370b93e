"""docker-compose.yml and Dockerfile: parse, every service checked, every command points at real code."""

import importlib
import re
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
SERVICES = ("web", "worker", "beat", "postgres", "redis")


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
        for var in ("SECRET_KEY", "ALLOWED_HOSTS"):
            assert var in env
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
    assert "SECRET_KEY=" in dockerfile
    assert "gunicorn" in requirements and "celery" in requirements
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored
