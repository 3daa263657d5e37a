"""The control plane of the suite: started once per test session, stopped at its end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kubernetes.cluster import Cluster
from tests.kubernetes.hookrunner import HookRunner
from tests.kubernetes.release import MATRIX, TIMINGS, LoadBalancers, write_matrix
from tests.services import ServiceError


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """etcd, kube-apiserver, controller-manager, scheduler and KWOK with six fake nodes."""
    try:
        control_plane = Cluster()
        control_plane.start()
    except ServiceError as exc:
        pytest.fail(f"could not start the Kubernetes control plane: {exc}", pytrace=False)
    TIMINGS["control plane ready"] = control_plane.started_in
    balancers, hooks = LoadBalancers(control_plane), HookRunner(control_plane)
    balancers.start()
    hooks.start()
    try:
        yield control_plane
    finally:
        hooks.stop()
        balancers.stop()
        control_plane.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the upgrade matrix (change x Helm), kept in build/kubernetes-matrix.md, and how
    long the control plane and the helm and Argo CD operations took."""
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
