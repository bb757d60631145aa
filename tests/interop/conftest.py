"""Running Digital Bazaar's JavaScript VC libraries (``tests/interop/*.mjs``) with node from the tests.

The npm packages are pinned in ``package.json``/``package-lock.json`` here; ``npm ci --prefix
tests/interop`` installs them (``.ci/run`` does). Without node or the packages the tests are skipped
with that reason, and fail under ``CORRIDOR_REQUIRE_ALL_TESTS=1`` (CI).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail

INTEROP = Path(__file__).resolve().parent
NODE_MODULES = INTEROP / "node_modules"
NODE_TIMEOUT = 120


def _missing_packages() -> list[str]:
    wanted = json.loads((INTEROP / "package.json").read_text(encoding="utf-8"))["dependencies"]
    return [name for name in wanted if not (NODE_MODULES / name / "package.json").is_file()]


@dataclass(frozen=True)
class NodeResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(scope="session")
def node() -> Callable[..., NodeResult]:
    """Run one of the interop scripts with node: ``node("verify.mjs", "a.json", ...)``."""
    executable = shutil.which("node")
    missing = _missing_packages() if executable else []
    if executable is None or missing:
        skip_or_fail("node / npm packages absent: run `npm ci --prefix tests/interop`")

    def run(script: str, *args: str | Path) -> NodeResult:
        done = subprocess.run(
            [executable, str(INTEROP / script), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT,
            check=False,
            cwd=INTEROP,
        )
        return NodeResult(done.returncode, done.stdout, done.stderr)

    return run
