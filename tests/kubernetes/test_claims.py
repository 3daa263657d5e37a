"""What becomes of the API claims, by persistentVolumeClaimRetentionPolicy, on the real
StatefulSet controller and garbage collector (Helm 4): scaling an API down, then uninstalling.
With Retain (the default) every claim stays, with Delete the claims of removed replicas go on
scale-down and the rest with the StatefulSet, as README's "Volume claims" says."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.chart.cases import SHARED_STORE
from tests.conftest import CHART, HELMS
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.release import (
    claim_phases,
    helm_wait,
    prepare,
    render,
    values_args,
    workload_state,
)

STS = "glance-default-single"
CLAIMS = [f"glance-{STS}-0", f"glance-{STS}-1"]


def values(policy: str, replicas: int) -> dict[str, Any]:
    """Two replicas of a single API on a shared store (each with its staging claim)."""
    return {
        **SHARED_STORE,
        "glanceAPIs": {"default": {"type": "single", "replicas": replicas}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": policy, "whenScaled": policy},
    }


def claims_once_settled(cluster: Cluster, namespace: str, want: list[str]) -> list[str]:
    """The claims of the namespace once they are `want`, or after 60 s (the controllers delete
    them a moment after the pods go)."""
    deadline = time.monotonic() + 60
    while True:
        have = sorted(claim_phases(cluster, namespace))
        if have == want or time.monotonic() > deadline:
            return have
        time.sleep(0.5)


@pytest.mark.parametrize("policy", ["Retain", "Delete"])
def test_claims_follow_the_retention_policy(cluster: Cluster, tmp_path: Path, policy: str) -> None:
    helm = HELMS["helm4"]
    namespace = f"claims-{policy.lower()}"
    args = values_args(tmp_path, [], values(policy, 2))
    prepare(cluster, namespace, render(cluster, helm, namespace, args))
    helm_wait(cluster, helm, "install", namespace, str(CHART), *args)
    assert claim_phases(cluster, namespace) == dict.fromkeys(CLAIMS, "Bound")

    args = values_args(tmp_path, [], values(policy, 1))
    helm_wait(cluster, helm, "upgrade", namespace, str(CHART), *args)
    assert workload_state(cluster, namespace) == {STS: (1, 1, 1)}
    kept = CLAIMS if policy == "Retain" else CLAIMS[:1]
    assert claims_once_settled(cluster, namespace, kept) == kept

    helm_wait(cluster, helm, "uninstall", namespace)
    kept = CLAIMS if policy == "Retain" else []
    assert claims_once_settled(cluster, namespace, kept) == kept
