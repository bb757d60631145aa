"""`bin/conformance` (`make conformance`) refuses to start without restored suites, before starting anything.

The runs themselves need the W3C suites restored beside the project (README, Tests) and take a
minute; they are run by hand. These tests check the script's usage and setup errors (exit 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bin" / "conformance"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHON": sys.executable, **env},
    )


def test_help_prints_the_usage():
    done = _run("--help")
    assert done.returncode == 2
    assert "bin/conformance [eddsa] [eddsa-jcs] [vcdm2] [status]" in done.stdout


def test_an_unknown_suite_is_a_usage_error():
    done = _run("vc-api")
    assert done.returncode == 2
    assert "unknown argument vc-api" in done.stderr


def test_a_folder_without_restored_suites_stops_before_anything_starts(tmp_path):
    done = _run("eddsa", CORRIDOR_W3C_SUITES=str(tmp_path))
    assert done.returncode == 2
    assert "is not a restored suite" in done.stderr or "node is needed" in done.stderr
    assert "preparing Corridor" not in done.stdout
