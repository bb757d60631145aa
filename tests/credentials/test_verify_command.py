"""``manage.py verify_credential FILE``: verifies offline, names every check, exits 0 only when verified."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.credentials.models import Credential
from tests.credentials.issuing import chain_of, make_consignment, record, step_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(alpha, bravo) -> list[Credential]:
    consignment = make_consignment(alpha)
    record(alpha, step_event("evt-1", consignments=(consignment,)))
    record(alpha, step_event("evt-2", consignments=(consignment,), hours=1))
    return chain_of(consignment)


def run(*args: str) -> tuple[int, str]:
    """The exit status and output of the command."""
    out = io.StringIO()
    try:
        call_command("verify_credential", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def write(tmp_path: Path, data: bytes | str, name: str = "credential.json") -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


def test_a_valid_credential_exits_0_and_lists_its_checks(tmp_path, chain):
    status, output = run(write(tmp_path, bytes(chain[1].document)))
    assert status == 0
    lines = output.splitlines()
    assert lines[-1] == "verified"
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["ok"] * 7
    assert "ok   chain digests" in lines


def test_a_tampered_credential_exits_1_naming_the_proof(tmp_path, chain):
    tampered = bytes(chain[0].document).replace(b'"evt-1"', b'"evt-9"')
    status, output = run(write(tmp_path, tampered))
    assert status == 1
    assert "FAIL proof: signature" in output
    assert output.splitlines()[-1] == "NOT verified"


def test_a_revoked_credential_exits_1_naming_the_status(tmp_path, chain, client_for, olga):
    assert client_for(olga).post(f"/api/v1/credentials/{chain[0].pk}/revoke/").status_code == 200
    status, output = run(write(tmp_path, bytes(chain[0].document)))
    assert status == 1
    assert "FAIL status: revoked" in output


def test_json_output_is_the_vc_api_answer(tmp_path, chain):
    status, output = run(write(tmp_path, bytes(chain[0].document)), "--json")
    assert status == 0
    body = json.loads(output)
    assert body["verified"] is True
    assert "proof" in body["checks"]
    tampered = bytes(chain[0].document).replace(b'"evt-1"', b'"evt-9"')
    status, output = run(write(tmp_path, tampered), "--json")
    assert status == 1
    assert [problem["title"] for problem in json.loads(output)["problemDetails"]] == ["proof failed"]


def test_a_presentation_is_verified_with_its_challenge(tmp_path, chain, client_for, alice):
    consignment = chain[0].chain_entries.get().consignment
    response = client_for(alice).get(f"/api/v1/consignments/{consignment.pk}/presentation/", {"challenge": "c-1"})
    path = write(tmp_path, response.content, "presentation.json")
    assert run(path, "--challenge", "c-1")[0] == 0
    status, output = run(path, "--challenge", "c-2")
    assert status == 1
    assert "FAIL proof: challenge" in output


def test_the_credential_may_come_on_stdin(monkeypatch, chain):
    monkeypatch.setattr("sys.stdin", io.StringIO(bytes(chain[0].document).decode()))
    assert run("-")[0] == 0


@pytest.mark.parametrize("content", [b"not json", b"\xff\xfe\x00garbage"])
def test_a_file_that_is_not_json_is_a_command_error(tmp_path, content):
    with pytest.raises(CommandError, match="not JSON"):
        run(write(tmp_path, content))


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nowhere.json"))
