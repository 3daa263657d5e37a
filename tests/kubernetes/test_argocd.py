"""The chart synced by Argo CD's sync engine (gitops-engine, bin/argosync), twice.

Rendered as Argo CD renders it (`helm template` with --include-crds, the namespace, the
cluster's API versions and Kubernetes version, Helm 4), then synced: PreSync hooks (the
scripts ConfigMap in wave -10, the db sync Job in wave 0), the ordinary objects, the
registration Job and the password rollout in PostSync, each hook removed or kept as its delete
policy says. A second sync of the same revision starts and ends Synced, reruns the hooks, and
leaves no drift. A sync after a password rotation restarts the API pods, once.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chartgen.manifests import objects as manifest_objects
from tests.chart.cases import EXAMPLES
from tests.conftest import CHART, HELMS, ROOT
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.release import (
    RELEASE,
    TIMINGS,
    api_pods,
    is_hook,
    mismatches,
    pod_refusals,
    prepare,
    rotate,
    run_helm,
    workload_state,
)

ARGOSYNC = ROOT / "bin" / "argosync"
CASES = [("defaults", None)] + [
    (f.stem, f) for f in EXAMPLES if f.stem in ("image-cache", "multi-site-edge", "tls")
]
PHASES = ("PreSync", "Sync", "PostSync")


def argo_phase(obj: dict[str, Any]) -> str | None:
    """The phase Argo CD runs a Helm hook in (None: not synced, like the test pod)."""
    hooks = obj["metadata"]["annotations"]["helm.sh/hook"].split(",")
    if {"pre-install", "pre-upgrade"} & set(hooks):
        return "PreSync"
    if {"post-install", "post-upgrade"} & set(hooks):
        return "PostSync"
    return None


def wave(obj: dict[str, Any]) -> int:
    """The sync wave Argo CD gives an object: its hook weight, or 0."""
    return int((obj["metadata"].get("annotations") or {}).get("helm.sh/hook-weight", "0"))


def argo_render(cluster: Cluster, namespace: str, file: Path | None) -> str:
    """The manifest Argo CD's repo server makes of the chart for this cluster."""
    versions = cluster.kubectl("api-versions").stdout.split()
    server = json.loads(cluster.kubectl("version", "-o", "json").stdout)["serverVersion"]
    args = ["template", RELEASE, str(CHART), "--include-crds", "--namespace", namespace]
    args += [f"--kube-version={server['gitVersion']}"]
    args += [f"--api-versions={v}" for v in versions]
    if file:
        args += ["-f", str(file)]
    return run_helm(cluster, HELMS["helm4"], *args).stdout


def sync(cluster: Cluster, namespace: str, manifest: str) -> dict[str, Any]:
    """One sync by bin/argosync; its report."""
    if not ARGOSYNC.is_file():
        pytest.fail(f"{ARGOSYNC} is missing: run `make k8s-tools`", pytrace=False)
    result = subprocess.run(
        [str(ARGOSYNC), f"--kubeconfig={cluster.kubeconfig}", "-n", namespace, "--app", RELEASE],
        input=manifest,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    assert result.returncode == 0, (report["message"], result.stderr[-2000:])
    return report


def hooks_run(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(kind, name, phase) of the hooks a sync ran to success."""
    return {
        (r["kind"], r["name"], r["syncPhase"])
        for r in report["results"]
        if r.get("hookType") and r["hookPhase"] == "Succeeded"
    }


def check_order(report: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    """The sync ran phase after phase, and wave after wave within each phase."""
    waves = {(o["kind"], o["metadata"]["name"]): wave(o) for o in objects}
    steps = [
        (PHASES.index(r["syncPhase"]), waves[(r["kind"], r["name"])]) for r in report["results"]
    ]
    assert steps == sorted(steps)


@pytest.mark.parametrize(("case", "file"), CASES, ids=[c[0] for c in CASES])
def test_sync_twice(cluster: Cluster, case: str, file: Path | None) -> None:
    """A first sync applies everything; a second of the same revision changes nothing."""
    namespace = f"argocd-{case}"
    manifest = argo_render(cluster, namespace, file)
    objects = manifest_objects(manifest)
    prepare(cluster, namespace, objects)

    hooks = [o for o in objects if is_hook(o)]
    expected = {(o["kind"], o["metadata"]["name"], argo_phase(o)) for o in hooks if argo_phase(o)}
    assert {p for *_, p in expected} == {"PreSync", "PostSync"}
    ordinary = [(o["kind"], o["metadata"]["name"]) for o in objects if not is_hook(o)]

    first = sync(cluster, namespace, manifest)
    TIMINGS[f"argo sync 1 {case}"] = first["seconds"]
    assert (first["phase"], first["syncStatusBefore"]) == ("Succeeded", "OutOfSync")
    assert hooks_run(first) == expected
    check_order(first, objects)
    synced = [(r["kind"], r["name"]) for r in first["results"] if r["syncPhase"] == "Sync"]
    assert sorted(synced) == sorted(ordinary)
    assert (first["syncStatusAfter"], first["outOfSync"]) == ("Synced", None)
    # The helm test pod is not synced; the ordinary objects are those of the render.
    assert mismatches(cluster, namespace, [o for o in objects if o["kind"] != "Pod"]) == []
    want = {
        o["metadata"]["name"]: (o["spec"]["replicas"],) * 3
        for o in objects
        if o["kind"] == "StatefulSet"
    }
    assert workload_state(cluster, namespace) == want
    check_hooks_left(cluster, namespace, hooks)

    second = sync(cluster, namespace, manifest)
    TIMINGS[f"argo sync 2 {case}"] = second["seconds"]
    assert (second["phase"], second["syncStatusBefore"]) == ("Succeeded", "Synced")
    assert hooks_run(second) == expected
    check_order(second, objects)
    assert (second["syncStatusAfter"], second["outOfSync"]) == ("Synced", None)
    check_hooks_left(cluster, namespace, hooks)
    assert pod_refusals(cluster, namespace) == []


def test_a_sync_after_a_password_rotation_restarts_the_pods_once(cluster: Cluster) -> None:
    """Change the Secret, sync: the PostSync rollout hook restarts every API pod, and the
    application is Synced before and after (its annotations are not drift); the next sync
    restarts nothing."""
    namespace = "argocd-rotation"
    manifest = argo_render(cluster, namespace, None)
    prepare(cluster, namespace, manifest_objects(manifest))
    sync(cluster, namespace, manifest)
    pods = api_pods(cluster, namespace)
    assert pods and all(ready for _, ready in pods.values())
    rotate(cluster, namespace, "GlancePassword", "rotated under Argo CD")
    second = sync(cluster, namespace, manifest)
    assert (second["syncStatusBefore"], second["syncStatusAfter"]) == ("Synced", "Synced")
    restarted = api_pods(cluster, namespace)
    assert sorted(restarted) == sorted(pods)
    assert all(ready for _, ready in restarted.values())
    assert not {u for u, _ in restarted.values()} & {u for u, _ in pods.values()}
    third = sync(cluster, namespace, manifest)
    assert (third["syncStatusBefore"], third["outOfSync"]) == ("Synced", None)
    assert api_pods(cluster, namespace) == restarted


def check_hooks_left(cluster: Cluster, namespace: str, hooks: list[dict[str, Any]]) -> None:
    """After a sync, a hook with hook-succeeded is gone; one without it is kept (Argo CD maps
    before-hook-creation and hook-succeeded to its own delete policies); the test pod was never
    created."""
    for hook in hooks:
        kind, name = hook["kind"], hook["metadata"]["name"]
        policy = hook["metadata"]["annotations"].get("helm.sh/hook-delete-policy", "")
        live = cluster.kubectl(
            "get", kind, name, "-n", namespace, "-o", "name", "--ignore-not-found"
        ).stdout.strip()
        kept = bool(argo_phase(hook)) and "hook-succeeded" not in policy
        assert bool(live) == kept, (kind, name, policy)
