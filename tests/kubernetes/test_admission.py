"""Admission on the real API server: backendHostAccess relaxes the API pods, which then need a
namespace that admits privileged pods, as NOTES says, while every other pod of the chart is still
admitted under "restricted"; and the quota of the suite's release namespaces refuses a pod
without requests and limits."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import HELMS
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.release import pod_specs, quota_namespace, render, values_args

RESTRICTED = "admission-restricted"
PRIVILEGED = "admission-privileged"
QUOTA_NAMESPACE = "admission-quota"


def pods_of(objects: list[dict[str, Any]], namespace: str) -> dict[str, dict[str, Any]]:
    """A bare Pod made from each pod template of the render, by its workload's kind/name."""
    out = {}
    for obj in objects:
        specs = pod_specs([obj])
        if not specs:
            continue
        name = f"{obj['kind'].lower()}-{obj['metadata']['name']}"[:63].rstrip("-")
        spec = copy.deepcopy(specs[0])
        # The volumes a StatefulSet adds from its claim templates.
        for template in obj["spec"].get("volumeClaimTemplates") or []:
            claim = {"claimName": f"{template['metadata']['name']}-{name}"}
            spec["volumes"].append(
                {"name": template["metadata"]["name"], "persistentVolumeClaim": claim}
            )
        out[f"{obj['kind']}/{obj['metadata']['name']}"] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }
    return out


def dry_run(cluster: Cluster, pod: dict[str, Any]) -> str:
    """The API server's answer to creating the pod (empty when admitted)."""
    result = cluster.kubectl(
        "create", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(pod), check=False
    )
    return "" if result.returncode == 0 else result.stderr.strip()


def test_backend_host_access_needs_a_privileged_namespace(cluster: Cluster, tmp_path: Path) -> None:
    cluster.create_namespace(RESTRICTED)
    cluster.apply(
        [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": PRIVILEGED,
                    "labels": {"pod-security.kubernetes.io/enforce": "privileged"},
                },
            }
        ]
    )
    args = values_args(tmp_path, [], {"backendHostAccess": True})
    objects = render(cluster, HELMS["helm4"], RESTRICTED, args)
    # The pods' ServiceAccounts, which admission looks up.
    for namespace in (RESTRICTED, PRIVILEGED):
        accounts = [
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": o["metadata"]["name"]},
            }
            for o in objects
            if o["kind"] == "ServiceAccount"
        ]
        cluster.apply(accounts, namespace=namespace)
    refused = {
        key: answer
        for key, pod in pods_of(objects, RESTRICTED).items()
        if (answer := dry_run(cluster, pod))
    }
    assert sorted(refused) == ["StatefulSet/glance-default-single"], refused
    assert (
        'violates PodSecurity "restricted:latest": privileged'
        in refused["StatefulSet/glance-default-single"]
    )
    privileged = pods_of(objects, PRIVILEGED)["StatefulSet/glance-default-single"]
    assert dry_run(cluster, privileged) == ""


def test_the_quota_of_the_release_namespaces_refuses_a_pod_without_limits(
    cluster: Cluster,
) -> None:
    """What makes every install test a quota test: the namespace refuses a container that does
    not request and limit cpu and memory."""
    quota_namespace(cluster, QUOTA_NAMESPACE)
    container = {
        "name": "c",
        "image": "example.invalid/none",
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bare", "namespace": QUOTA_NAMESPACE},
        "spec": {"containers": [container]},
    }
    answer = dry_run(cluster, pod)
    assert "is forbidden: failed quota: compute: must specify limits.cpu" in answer, answer
    container["resources"] = {
        "requests": {"cpu": "10m", "memory": "16Mi"},
        "limits": {"cpu": "10m", "memory": "16Mi"},
    }
    assert dry_run(cluster, pod) == ""
