"""The two fuzz runs, each rendered once per test run, and their table of outcomes.

FUZZ_EXAMPLES generated documents and FUZZ_MUTATIONS mutations (60 and 120 in `make test`,
2000 each in `make fuzz`), drawn from FUZZ_SEED; every FUZZ_HELM3_EVERY-th document is also
rendered with Helm 3. Two workers render while hypothesis generates, or while the documents a
previous run drew are read back (tests/fuzz/generate.py). Each run writes its cases to
build/fuzz/<run>.jsonl.
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests import kcheck
from tests.conftest import HELMS, ROOT
from tests.fuzz import mutate
from tests.fuzz.verdict import CLASSES, PASSES, Verdict, judge

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
MUTATIONS = int(os.environ.get("FUZZ_MUTATIONS", "120"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
HELM3_EVERY = int(os.environ.get("FUZZ_HELM3_EVERY", "10"))
WORKERS = 2
# Every case of each run, one JSON line each (values and evidence of those that did not pass).
REPORTS = ROOT / "build" / "fuzz"


@dataclass
class Case:
    """One document: where it came from, the values, the verdicts of Helm 4 and Helm 3."""

    label: str
    values: dict[str, Any]
    helm4: Verdict
    helm3: Verdict | None


@dataclass
class Run:
    """The cases of one fuzz run."""

    name: str
    cases: list[Case] = field(default_factory=list)

    def of(self, cls: str) -> list[Case]:
        """The cases Helm 4 put in class `cls`."""
        return [c for c in self.cases if c.helm4.cls == cls]


RUNS: dict[str, Run] = {}


def _judged(feed: Callable[[Callable[[str, dict[str, Any]], None]], None], name: str) -> Run:
    """Judge every document `feed` produces, with two workers, in the order fed."""
    kcheck.require()
    pending: list[tuple[str, dict[str, Any], Future[Verdict], Future[Verdict] | None]] = []
    with ThreadPoolExecutor(WORKERS) as pool:

        def submit(label: str, values: dict[str, Any]) -> None:
            v4 = pool.submit(judge, HELMS["helm4"], values)
            v3 = None
            if HELM3_EVERY and len(pending) % HELM3_EVERY == 0:
                v3 = pool.submit(judge, HELMS["helm3"], values)
            pending.append((label, values, v4, v3))

        feed(submit)
        run = Run(name)
        for label, values, v4, v3 in pending:
            run.cases.append(Case(label, values, v4.result(), v3.result() if v3 else None))
    RUNS[name] = run
    REPORTS.mkdir(parents=True, exist_ok=True)
    with (REPORTS / f"{name.split()[0]}.jsonl").open("w") as out:
        for c in run.cases:
            line = {"label": c.label, "class": c.helm4.cls, "seconds": round(c.helm4.seconds, 3)}
            if c.helm4.cls != PASSES:
                line |= {"detail": c.helm4.detail[:4000], "values": _cut(c.values)}
            if c.helm3:
                line["helm3"] = c.helm3.cls
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return run


def _cut(node: Any) -> Any:
    """node with its strings longer than 1000 characters shortened, for the reports."""
    if isinstance(node, dict):
        return {k: _cut(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_cut(v) for v in node]
    if isinstance(node, str) and len(node) > 1000:
        return f"{node[:40]}... ({len(node)} characters)"
    return node


@pytest.fixture(scope="session")
def generated() -> Run:
    """FUZZ_EXAMPLES documents generated from the schema, seed FUZZ_SEED."""
    # Imported here: hypothesis reads its character tables on import, slow in a conftest.
    from tests.fuzz import generate

    def feed(submit: Callable[[str, dict[str, Any]], None]) -> None:
        count = iter(range(10**9))
        generate.generate_kept(EXAMPLES, SEED, lambda doc: submit(f"generated #{next(count)}", doc))

    return _judged(feed, f"generated (seed {SEED})")


@pytest.fixture(scope="session")
def mutated() -> Run:
    """FUZZ_MUTATIONS mutations of examples/*.yaml, drawn with seed FUZZ_SEED."""

    def feed(submit: Callable[[str, dict[str, Any]], None]) -> None:
        for m in mutate.sample(MUTATIONS, SEED):
            submit(f"{m.example} {m.path or '<top>'}: {m.change}", m.values)

    return _judged(feed, f"mutations (seed {SEED})")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print each run's table of outcomes and its timings."""
    for run in RUNS.values():
        counts = Counter(c.helm4.cls for c in run.cases)
        times = [c.helm4.seconds for c in run.cases]
        terminalreporter.write_line(f"fuzz {run.name}: {len(run.cases)} documents")
        for cls in CLASSES:
            terminalreporter.write_line(f"  {counts[cls]:6d}  {cls}")
        if times:
            terminalreporter.write_line(
                f"  helm + kcheck per document: mean {statistics.mean(times):.2f}s, "
                f"max {max(times):.2f}s"
            )
