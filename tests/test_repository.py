"""The repository stands alone (DESIGN §10): no file in it names the workspace folder beside the clone.

The files checked are git's tracked files; outside a git checkout (an unpacked archive), every file
except what ``.gitignore`` leaves out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built in two parts so that this file does not name it.
OUTSIDE = ("../" + "shared").encode()
# What .gitignore leaves out, and git's own folder.
NOT_IN_A_CLONE = {".git", ".venv", "var", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules", "staticfiles"}
# git's own test for a binary file: a NUL byte in its first 8,000 bytes.
BINARY_SNIFF = 8000


def _tracked_files() -> list[Path] | None:
    git = shutil.which("git")
    if git is None:
        return None
    listed = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:
        return None
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def _walked_files() -> list[Path]:
    found = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in NOT_IN_A_CLONE]
        found.extend(Path(folder) / name for name in names)
    return found


def test_no_file_names_the_workspace_folder_beside_the_clone():
    files = _tracked_files() or _walked_files()
    naming = []
    for path in files:
        if not path.is_file():  # deleted in the working tree, not yet in a commit
            continue
        content = path.read_bytes()
        if b"\0" in content[:BINARY_SNIFF]:
            continue
        naming.extend(
            f"{path.relative_to(ROOT)}:{number}"
            for number, line in enumerate(content.splitlines(), start=1)
            if OUTSIDE in line
        )
    assert len(files) > 100
    assert naming == []
