"""Golden renders: the whole manifest of each case in tests/golden, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart.rendering import render_text
from tests.conftest import HELMS, ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/values.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_render_matches_the_golden_manifest(case: Path) -> None:
    expected = (case / "manifest.yaml").read_text()
    actual = render_text(HELMS["helm4"], None, case / "values.yaml")
    assert actual == expected, f"{case.name}: the render changed; if meant, run `make golden`"


def test_the_ceph_case_is_the_ceph_example() -> None:
    assert (GOLDEN / "ceph" / "values.yaml").read_text() == (
        ROOT / "examples" / "ceph.yaml"
    ).read_text()
