"""Production settings: `check --deploy` is clean, and missing secrets stop the process at start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only the variables given here: nothing of the developer's or CI's CORRIDOR_* leaks in.
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("CORRIDOR_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return {
        "CORRIDOR_ENV": "production",
        "CORRIDOR_SECRET_KEY": secrets.token_urlsafe(64),
        "CORRIDOR_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "CORRIDOR_ALLOWED_HOSTS": "corridor.example",
        "CORRIDOR_DATABASE_URL": f"sqlite:///{tmp_path / 'corridor.sqlite3'}",
        "CORRIDOR_VAR_DIR": str(tmp_path / "var"),
        "CORRIDOR_STATIC_ROOT": str(tmp_path / "static"),
    }


def test_check_deploy_passes_in_production(production_env):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_development_settings(tmp_path):
    # The same check must be able to fail: development settings (DEBUG, no HSTS) are not deployable.
    env = {"CORRIDOR_DATABASE_URL": f"sqlite:///{tmp_path / 'corridor.sqlite3'}", "CORRIDOR_VAR_DIR": str(tmp_path)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["CORRIDOR_SECRET_KEY", "CORRIDOR_KEY_ENCRYPTION_KEY"])
def test_production_without_a_secret_refuses_to_start(production_env, missing):
    del production_env[missing]
    result = _manage("check", env=production_env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is required" in result.stderr


def test_secret_key_can_come_from_a_file(production_env, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(production_env.pop("CORRIDOR_SECRET_KEY") + "\n")
    production_env["CORRIDOR_SECRET_KEY_FILE"] = str(secret_file)
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)
    assert result.returncode == 0, result.stderr


def test_unknown_environment_name_is_refused(production_env):
    production_env["CORRIDOR_ENV"] = "prod"
    result = _manage("check", env=production_env)
    assert result.returncode != 0
    assert "CORRIDOR_ENV must be development or production" in result.stderr
