"""The control plane of the suite: started once per run, shared by every test process.

The suite mostly waits (for Jobs, rollouts, helm), so `make test` runs its cases side by side
in several processes (pytest-xdist), each case in a namespace of its own, on one control plane.
The first process (xdist's controller, or the only one) starts the control plane, the hook
runner and the load balancer stand-in before the others start, and stops them at the end; the
others attach to it through KUBERNETES_TEST_PLANE. The upgrade matrix and the timings each
process records reach the first one's summary.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.kubernetes.cluster import Cluster
from tests.kubernetes.hookrunner import HookRunner
from tests.kubernetes.release import MATRIX, TIMINGS, LoadBalancers, write_matrix
from tests.services import ServiceError

PLANE = "KUBERNETES_TEST_PLANE"
# What the first process started, stopped at its end.
_STARTED: list[Cluster | LoadBalancers | HookRunner] = []


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is one of xdist's workers."""
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """In the first process: start the control plane and its helpers, for every process."""
    if is_worker(config) or PLANE in os.environ or config.option.collectonly:
        return
    try:
        control_plane = Cluster()
        control_plane.start()
    except ServiceError as exc:
        raise pytest.UsageError(f"could not start the Kubernetes control plane: {exc}") from exc
    TIMINGS["control plane ready"] = control_plane.started_in
    balancers, hooks = LoadBalancers(control_plane), HookRunner(control_plane)
    balancers.start()
    hooks.start()
    _STARTED.extend([control_plane, balancers, hooks])
    os.environ[PLANE] = str(control_plane.workdir)


def pytest_unconfigure(config: pytest.Config) -> None:
    """In the first process: stop what it started, helpers first."""
    for part in reversed(_STARTED):
        part.stop()
    if _STARTED:
        del os.environ[PLANE]
    _STARTED.clear()


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    """etcd, kube-apiserver, controller-manager, scheduler and KWOK with six fake nodes."""
    if PLANE not in os.environ:
        pytest.fail("the Kubernetes control plane did not start", pytrace=False)
    return Cluster.attach(Path(os.environ[PLANE]))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a worker: hand the matrix rows and timings it recorded to the first process."""
    if is_worker(session.config):
        session.config.workeroutput["kubernetes"] = json.dumps(  # type: ignore[attr-defined]
            {"matrix": MATRIX, "timings": TIMINGS}
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """In the first process: take what a worker recorded."""
    recorded = json.loads(getattr(node, "workeroutput", {}).get("kubernetes", "{}"))
    for change, row in recorded.get("matrix", {}).items():
        MATRIX.setdefault(change, {}).update(row)
    TIMINGS.update(recorded.get("timings", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the upgrade matrix (kept in build/kubernetes-matrix.md), and how long the control
    plane and the helm and Argo CD operations took."""
    if is_worker(terminalreporter.config):
        return
    if "control plane ready" in TIMINGS:
        terminalreporter.write_line(figures())
    if not MATRIX:
        return
    path, table = write_matrix()
    terminalreporter.write_sep("=", "helm upgrade on Kubernetes: change x Helm")
    terminalreporter.write_line(table)
    terminalreporter.write_line(f"(also in {path})")


def figures() -> str:
    """One line: the control plane's start and the mean time of each kind of operation."""
    groups: dict[str, list[float]] = {}
    for name, seconds in TIMINGS.items():
        groups.setdefault(" ".join(name.split()[:2]), []).append(seconds)
    parts = [f"{k}: {sum(v) / len(v):.1f} s (x{len(v)})" for k, v in sorted(groups.items())]
    return "kubernetes timings (mean): " + "; ".join(parts)
