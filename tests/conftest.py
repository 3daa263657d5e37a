"""Shared fixtures: the repository's paths and its pinned helm binaries."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "chart"
HELMS = {"helm4": ROOT / "bin" / "helm", "helm3": ROOT / "bin" / "helm3"}
# helm processes the run started, printed at its end (renders are cached: see
# tests/chart/rendering.py).
HELM_RUNS = {"count": 0}
# The variable naming the folder where the processes of one run share their renders.
RENDERS_ENV = "GLANCE_TEST_RENDERS"


def helm_env() -> dict[str, str]:
    """Environment that keeps helm's plugins and caches inside the repository."""
    home = ROOT / ".helm"
    return {
        **os.environ,
        "HELM_PLUGINS": str(home / "plugins"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }


def run_helm(helm: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a helm command and return its result without raising."""
    if not helm.is_file():
        pytest.fail(f"{helm} is missing: run `make tools`")
    HELM_RUNS["count"] += 1
    return subprocess.run(
        [str(helm), *args], capture_output=True, text=True, env=helm_env(), check=False
    )


@pytest.fixture(params=sorted(HELMS), ids=sorted(HELMS))
def helm(request: pytest.FixtureRequest) -> Path:
    """Each pinned helm in turn: tests using it run under Helm 4 and Helm 3."""
    return HELMS[request.param]


def pytest_configure(config: pytest.Config) -> None:
    """Give the run (its main process, whose environment the workers of `-n` inherit) a folder
    of shared renders."""
    if not hasattr(config, "workerinput") and RENDERS_ENV not in os.environ:
        folder = tempfile.mkdtemp(prefix="glance-renders-")
        os.environ[RENDERS_ENV] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        config.add_cleanup(lambda: os.environ.pop(RENDERS_ENV, None))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker of `-n` hands its count of helm processes to the main process."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["helm_runs"] = HELM_RUNS["count"]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """Add a finished worker's helm processes to the run's."""
    HELM_RUNS["count"] += getattr(node, "workeroutput", {}).get("helm_runs", 0)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many helm processes the run started."""
    terminalreporter.write_line(f"helm processes started by the tests: {HELM_RUNS['count']}")
