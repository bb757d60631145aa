"""CI runs the bounded hypothesis profile: ``.ci/run`` sets ``CI``, which picks the ``ci`` profile."""

import re
from pathlib import Path

from hypothesis import settings

from tests.conftest import hypothesis_profile_name

ROOT = Path(__file__).resolve().parents[2]


def test_ci_run_exports_ci_before_running_the_tests():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    export = re.search(r"^export CI=(\S+)$", script, flags=re.MULTILINE)
    assert export is not None
    assert export.group(1) not in {"", "0", "false"}
    assert export.start() < script.index("make test")


def test_ci_picks_the_bounded_profile_and_an_explicit_profile_wins():
    assert hypothesis_profile_name({"CI": "true"}) == "ci"
    assert hypothesis_profile_name({}) == "dev"
    assert hypothesis_profile_name({"CI": "true", "HYPOTHESIS_PROFILE": "thorough"}) == "thorough"
    bounded = settings.get_profile("ci")
    assert bounded.max_examples <= 100
    assert bounded.derandomize


def test_make_test_reports_the_slowest_tests():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "--durations=15" in test_recipe
