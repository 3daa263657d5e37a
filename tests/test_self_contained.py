"""The repository needs nothing beside it: its test fixtures load from a copy with no
neighbours, and no source names a path outside the tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

COPIED = ("tests", "chartgen", "examples", "pyproject.toml")


def test_fixtures_load_from_a_lone_copy(tmp_path: Path) -> None:
    lone = tmp_path / "alone" / "repo"
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, lone / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            lone.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, lone / name)
    program = (
        "from tests import reference\n"
        "names = sorted(reference.FILES)\n"
        "assert all(reference.values(n) for n in names)\n"
        "print(len(reference.resources()), ' '.join(names))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=lone, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "ceph", "debug", "metallb", "networks"]


def test_no_source_reaches_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = "../" + "shared"
    found = [
        name
        for name in tracked
        if (ROOT / name).is_file() and outside in (ROOT / name).read_text(errors="replace")
    ]
    assert found == []
