"""Install, test and uninstall the defaults and every example for real, with Helm 4 and Helm 3.

Each case gets its own namespace enforcing Pod Security "restricted" under a ResourceQuota on
cpu and memory (release.QUOTA: every container must request and limit both), the Secrets and
volumes its values name, then `helm install --wait`: the hook Jobs run to completion (KWOK
completes their pods), every API pod becomes Ready, and the objects on the server are those of
`helm template`. No pod is refused, and the replicas of an API instance are on different nodes.
`helm uninstall` leaves exactly what the README says it keeps.

The whole life runs with Helm 4 for the defaults and every example, and with Helm 3 for the
defaults, upgraded in between: `helm test` runs its pod to completion and removes it, and a Job
made from each CronJob completes. Helm 3 installs and uninstalls every example too; what it
does differently is how it installs and waits, not the pods, which Helm 4's cases already run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.chart.cases import EXAMPLES
from tests.conftest import CHART, HELMS
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.release import (
    RELEASE,
    TIMINGS,
    claim_phases,
    claims,
    helm_name,
    helm_wait,
    leftovers,
    mismatches,
    pod_refusals,
    prepare,
    referenced_secrets,
    render,
    run_helm,
    workload_state,
)

CASES = [pytest.param("helm4", "defaults", None, id="helm4-defaults")]
CASES += [pytest.param("helm4", f.stem, f, id=f"helm4-{f.stem}") for f in EXAMPLES]
CASES += [pytest.param("helm3", "defaults", None, id="helm3-defaults")]
HELM3_EXAMPLES = [pytest.param(f.stem, f, id=f"helm3-{f.stem}") for f in EXAMPLES]


def expected_leftovers(objects: list[dict[str, Any]]) -> list[str]:
    """What the README says uninstall keeps: the per-replica volume claims and the hook objects
    Helm does not delete (the scripts ConfigMap; finished Jobs only with preserveJobs, which no
    case sets), besides the Secrets the user created."""
    kept = [f"PersistentVolumeClaim/{claim}" for claim, *_ in claims(objects)]
    kept.append(f"ConfigMap/{RELEASE}-hook-scripts")
    kept += [f"Secret/{name}" for name in referenced_secrets(objects)]
    return sorted(kept)


def nodes_of_replicas(cluster: Cluster, namespace: str) -> dict[str, list[str]]:
    """API instance (`<api>-<instance>`) -> the nodes of its pods."""
    pods = json.loads(
        cluster.kubectl(
            "get", "pods", "-n", namespace, "-l", "app.kubernetes.io/component=api", "-o", "json"
        ).stdout
    )["items"]
    out: dict[str, list[str]] = {}
    for pod in pods:
        labels = pod["metadata"]["labels"]
        instance = (
            f"{labels['glance.openstack.org/api']}-{labels['glance.openstack.org/api-instance']}"
        )
        out.setdefault(instance, []).append(pod["spec"].get("nodeName", ""))
    return out


def install(cluster: Cluster, helm: str, case: str, file: Path | None) -> list[dict[str, Any]]:
    """A release of one values file, installed into its own quota-limited namespace, and the
    checks that it is what `helm template` renders; the rendered objects."""
    binary = HELMS[helm]
    namespace = f"{helm}-{case}"
    args = ["-f", str(file)] if file else []
    objects = render(cluster, binary, namespace, args)
    prepare(cluster, namespace, objects)

    start = time.monotonic()
    installed = helm_wait(cluster, binary, "install", namespace, str(CHART), *args)
    TIMINGS[f"install {helm_name(binary)} {case}"] = time.monotonic() - start
    assert "PodSecurity" not in installed.stderr, installed.stderr
    assert mismatches(cluster, namespace, objects) == []
    sts = [o for o in objects if o["kind"] == "StatefulSet"]
    want = {o["metadata"]["name"]: (o["spec"]["replicas"],) * 3 for o in sts}
    assert workload_state(cluster, namespace) == want
    assert claim_phases(cluster, namespace) == {claim: "Bound" for claim, *_ in claims(objects)}
    # Hook Jobs that succeeded were deleted as their policy says.
    jobs = cluster.kubectl("get", "jobs", "-n", namespace, "-o", "name").stdout.split()
    assert jobs == []
    assert pod_refusals(cluster, namespace) == []
    return objects


def uninstall(cluster: Cluster, helm: str, case: str, objects: list[dict[str, Any]]) -> None:
    """`helm uninstall`, then exactly what the README says it keeps is left."""
    namespace = f"{helm}-{case}"
    helm_wait(cluster, HELMS[helm], "uninstall", namespace)
    deadline = time.monotonic() + 60
    while True:
        left = [x for x in leftovers(cluster, namespace) if not x.startswith("Pod/")]
        if left == expected_leftovers(objects) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert left == expected_leftovers(objects)
    assert [x for x in leftovers(cluster, namespace) if x.startswith("Pod/")] == []


@pytest.mark.parametrize(("helm", "case", "file"), CASES)
def test_install_test_uninstall(cluster: Cluster, helm: str, case: str, file: Path | None) -> None:
    """The whole life of a release of one values file under one Helm; the defaults are upgraded
    in between, with the same values."""
    binary = HELMS[helm]
    namespace = f"{helm}-{case}"
    args = ["-f", str(file)] if file else []
    objects = install(cluster, helm, case, file)
    # Replicas of one instance apart (replicaAntiAffinity soft: six nodes, few pods).
    for instance, nodes in nodes_of_replicas(cluster, namespace).items():
        assert len(set(nodes)) == len(nodes), f"{instance}: {nodes}"

    if case == "defaults":
        helm_wait(cluster, binary, "upgrade", namespace, str(CHART), *args)
        assert mismatches(cluster, namespace, objects) == []
        assert workload_state(cluster, namespace) == {
            o["metadata"]["name"]: (o["spec"]["replicas"],) * 3
            for o in objects
            if o["kind"] == "StatefulSet"
        }

    tested = run_helm(cluster, binary, "test", RELEASE, "-n", namespace, "--timeout", "120s")
    test_pods = [o["metadata"]["name"] for o in objects if o["kind"] == "Pod"]
    for name in test_pods:
        assert f"TEST SUITE:     {name}" in tested.stdout
    assert "Phase:          Succeeded" in tested.stdout
    for name in test_pods:
        assert cluster.get(f"/api/v1/namespaces/{namespace}/pods/{name}") is None

    # CronJob pods are admitted too: a Job made from each CronJob runs to completion.
    for cron in (o["metadata"]["name"] for o in objects if o["kind"] == "CronJob"):
        cluster.kubectl("create", "job", f"{cron}-now", f"--from=cronjob/{cron}", "-n", namespace)
        cluster.kubectl(
            "wait",
            "--for=condition=Complete",
            f"job/{cron}-now",
            "-n",
            namespace,
            "--timeout=60s",
        )
        cluster.kubectl("delete", "job", f"{cron}-now", "-n", namespace, "--wait=true")
    assert pod_refusals(cluster, namespace) == []

    uninstall(cluster, helm, case, objects)


@pytest.mark.parametrize(("case", "file"), HELM3_EXAMPLES)
def test_helm3_installs_and_uninstalls_every_example(
    cluster: Cluster, case: str, file: Path
) -> None:
    objects = install(cluster, "helm3", case, file)
    uninstall(cluster, "helm3", case, objects)
