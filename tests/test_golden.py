"""Golden renders: the whole manifest of an example, byte for byte (tests/golden/<example>, for
examples/<example>.yaml): a change of the output shows as a diff of the golden file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart.rendering import render_text
from tests.conftest import HELMS, ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/manifest.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_render_matches_the_golden_manifest(case: Path) -> None:
    expected = (case / "manifest.yaml").read_text()
    actual = render_text(HELMS["helm4"], None, ROOT / "examples" / f"{case.name}.yaml")
    assert actual == expected, f"{case.name}: the render changed; if meant, run `make golden`"
