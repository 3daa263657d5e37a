"""Rendered manifests through bin/kcheck (chartgen/kubecheck.py): the API server's own create
validation of every object and the restricted Pod Security Standard of every pod template."""

from __future__ import annotations

import pytest

from chartgen import kubecheck
from tests.conftest import ROOT

KCHECK = ROOT / "bin" / "kcheck"
NAMESPACE = "openstack"


def require() -> None:
    """Fail the test, with the fix, when kcheck is not built."""
    if not KCHECK.is_file():
        pytest.fail(f"{KCHECK} is missing: run `make kcheck`", pytrace=False)


def problems(manifest: str, relaxed_api_pods: bool = False) -> list[str]:
    """What an API server in namespace openstack would refuse or drop, one line per problem.

    relaxed_api_pods: the StatefulSets may break the restricted profile (backendHostAccess).
    """
    require()
    judged = kubecheck.judge(str(KCHECK), manifest, NAMESPACE)
    return [
        f"{f.kind}/{f.name}: {kubecheck.describe([f])}"
        for f in judged.findings
        if not (relaxed_api_pods and f.check and f.kind == "StatefulSet")
    ]
