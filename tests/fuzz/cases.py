"""The verdict rule as tests, shared by the generated and the mutated runs."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.conftest import Case, Run
from tests.fuzz.verdict import CLASSES, IDS, PROMISED

# The classes no document may end in: each is a bug of the chart.
FAILURES = [pytest.param(c, id=IDS[c]) for c in CLASSES if c not in PROMISED]


def shown(cases: list[Case], limit: int = 3) -> str:
    """The first cases of a class: label, values (cut) and the evidence."""
    out = [f"{len(cases)} documents, for example:"]
    for c in cases[:limit]:
        values = json.dumps(c.values, ensure_ascii=False)
        out.append(f"- {c.label}\n  values: {values[:600]}\n  {c.helm4.detail[:1500]}")
    return "\n".join(out)


def check_none_in(run: Run, cls: str) -> None:
    """No document of the run is in failure class `cls`."""
    cases = run.of(cls)
    assert not cases, f"{cls}: " + shown(cases)


def check_helm3_agrees(run: Run) -> None:
    """Helm 3 puts every sampled document in the class Helm 4 does."""
    sampled = [c for c in run.cases if c.helm3 is not None]
    assert sampled
    differ = [c for c in sampled if c.helm3 and c.helm3.cls != c.helm4.cls]
    assert not differ, "\n".join(
        f"{c.label}: helm 4 {c.helm4.cls!r}, helm 3 {c.helm3.cls!r}\n  {c.helm3.detail[:500]}"
        for c in differ[:3]
        if c.helm3
    )
