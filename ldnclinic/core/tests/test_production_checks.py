import subprocess
import sys
from pathlib import Path

import pytest

from ldnclinic.core.checks import check_production_settings

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k" * 64


def run_check(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_KEY
    settings.ALLOWED_HOSTS = ["clinic.example.org"]
    return settings


def test_it_accepts_good_production_settings(production):
    assert check_production_settings(None) == []


def test_it_refuses_debug(production):
    production.DEBUG = True
    assert [e.id for e in check_production_settings(None)] == ["ldnclinic.E001"]


def test_it_refuses_the_default_secret_key(production):
    production.SECRET_KEY = production.DEFAULT_SECRET_KEY
    assert [e.id for e in check_production_settings(None)] == ["ldnclinic.E002"]


def test_it_refuses_empty_allowed_hosts(production):
    production.ALLOWED_HOSTS = []
    assert [e.id for e in check_production_settings(None)] == ["ldnclinic.E003"]


def test_it_ignores_development(settings):
    settings.PRODUCTION = False
    settings.DEBUG = True
    assert check_production_settings(None) == []


def test_manage_check_fails_in_production_with_defaults(tmp_path):
    result = run_check({"DJANGO_ENV": "production", "LDN_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ldnclinic.E002" in result.stderr
    assert "ldnclinic.E003" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": GOOD_KEY + "-x9!",
        "ALLOWED_HOSTS": "clinic.example.org",
        "LDN_VAR_DIR": str(tmp_path),
    }
    result = run_check(env, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_wsgi_refuses_to_start_unsafe_production(tmp_path):
    code = "import ldnclinic.wsgi"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_ENV": "production", "LDN_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
