"""`manage.py create_api_token <slug>`: prints the new token, alone, for scripts to capture."""

import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.partners.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN_LINE = re.compile(r"^cor_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$")
BASE_DIR = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def test_prints_only_the_token_on_one_line(alpha):
    output = _run("alpha", "--scope", "write")
    lines = output.splitlines()
    assert len(lines) == 1
    assert TOKEN_LINE.match(lines[0])
    assert output == lines[0] + "\n"


def test_printed_token_works_as_bearer(alpha, bearer):
    raw = _run("alpha", "--scope", "write").strip()
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 200
    assert (response.json()["partner"]["slug"], response.json()["scope"]) == ("alpha", "write")


def test_scope_defaults_to_read(alpha):
    _run("alpha")
    assert ApiToken.objects.get().scope == "read"


def test_name_and_expiry_are_kept(alpha):
    _run("alpha", "--name", "nightly EDI", "--expires-in-days", "7")
    token = ApiToken.objects.get()
    assert token.name == "nightly EDI"
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_creation_is_audited_as_the_command(alpha):
    raw = _run("alpha").strip()
    record = AuditEvent.objects.get(action="api_token.create")
    assert record.actor_label == "manage.py create_api_token"
    assert record.partner == alpha
    assert record.object_id == str(ApiToken.objects.get().pk)
    assert raw not in str(record.changes)


def test_unknown_slug_is_a_command_error(alpha):
    with pytest.raises(CommandError, match="No partner with slug 'nope'"):
        _run("nope")
    assert not ApiToken.objects.exists()


def test_expiry_below_one_day_is_a_command_error(alpha):
    with pytest.raises(CommandError, match="at least 1"):
        _run("alpha", "--expires-in-days", "0")


def test_expiry_beyond_the_maximum_lifetime_is_a_command_error(alpha):
    with pytest.raises(CommandError, match="expires_at"):
        _run("alpha", "--expires-in-days", "1000")
    assert not ApiToken.objects.exists()


def test_deactivated_partner_is_a_command_error(alpha):
    alpha.is_active = False
    alpha.save()
    with pytest.raises(CommandError, match="deactivated"):
        _run("alpha")


def test_process_stdout_is_only_the_token(tmp_path):
    """As a script sees it: a real process, where logging or warnings could also reach stdout."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env |= {"CORRIDOR_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CORRIDOR_VAR_DIR": str(tmp_path)}

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert manage("migrate", "--verbosity", "0").returncode == 0
    seeded = manage("shell", "-c", "from tests.factories import PartnerFactory; PartnerFactory(slug='alpha')")
    assert seeded.returncode == 0, seeded.stderr
    result = manage("create_api_token", "alpha", "--scope", "write")
    assert result.returncode == 0, result.stderr
    assert TOKEN_LINE.match(result.stdout.rstrip("\n"))
    assert result.stdout.count("\n") == 1
    missing = manage("create_api_token", "nope")
    assert missing.returncode != 0
    assert missing.stdout == ""
    assert "No partner with slug 'nope'" in missing.stderr
