"""The browser tests never pass quietly without a browser: under REQUIRE_SERVICES=1 (CI) a missing Chromium
fails them; on a laptop without it they skip and say why."""

import pytest

from tests import services


def test_a_missing_chromium_fails_the_browser_tests_under_require_services(monkeypatch, tmp_path):
    monkeypatch.setattr(services, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SERVICES=1 but this test needs Chromium"):
        services.needs_chromium()


def test_a_missing_chromium_skips_them_on_a_laptop(monkeypatch, tmp_path):
    monkeypatch.setattr(services, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        services.needs_chromium()


def test_the_browser_and_axe_core_are_there_when_services_are_required(monkeypatch):
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    assert services.needs_chromium() == services.CHROMIUM
    from axe_playwright_python.base import AXE_SCRIPT

    assert "axe" in AXE_SCRIPT[:200]
