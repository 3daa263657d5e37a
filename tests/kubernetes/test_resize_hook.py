"""The resize hook (hooks/statefulset_resize.py) on the real API server, with the
ServiceAccount, Role and RoleBinding the chart renders for it.

KWOK runs no container, so the hook's program runs here, on the images' Python 3.9, with the
environment of the rendered Job and a token of its ServiceAccount: what its pod would do. Then
`helm upgrade` applies the new size to a release the API server would otherwise refuse it for.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.chart.cases import SHARED_STORE
from tests.conftest import CHART, HELMS, ROOT
from tests.kubernetes.cluster import HOST, STORAGE_CLASSES, Cluster
from tests.kubernetes.release import helm_wait, prepare, render, run_helm, values_args
from tests.services import py39

NAMESPACE = "resize-hook"
BASE: dict[str, Any] = {
    **SHARED_STORE,
    "glanceAPIs": {"default": {"type": "single", "replicas": 2}},
    "storage": {"storageRequest": "1G"},
}
STS = "glance-default-single"


def with_storage(**storage: Any) -> dict[str, Any]:
    """BASE with other storage values (imageCache: the image cache's)."""
    values = copy.deepcopy(BASE)
    cache = storage.pop("imageCache", None)
    if cache:
        values["imageCache"] = cache
    values["storage"].update(storage)
    return values


def resize_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rendered ServiceAccount, Role and RoleBinding of the hook, as plain objects."""
    out = []
    for obj in objects:
        labels = obj["metadata"].get("labels") or {}
        if labels.get("app.kubernetes.io/component") == "statefulset-resize" and obj["kind"] in (
            "ServiceAccount",
            "Role",
            "RoleBinding",
        ):
            plain = copy.deepcopy(obj)
            plain["metadata"].pop("annotations", None)
            out.append(plain)
    return out


def job_env(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The literal environment of the rendered resize Job's container."""
    job = next(
        o for o in objects if o["kind"] == "Job" and o["metadata"]["name"] == "glance-resize"
    )
    container = job["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e["value"] for e in container["env"] if "value" in e}


def run_hook(release: Release, values: dict[str, Any]) -> subprocess.CompletedProcess:
    """Run the resize hook of a render of values as its pod would."""
    cluster, namespace, tmp = release.cluster, release.namespace, release.tmp
    objects = render(cluster, release.helm, namespace, values_args(tmp, [], values))
    cluster.apply(resize_objects(objects), namespace=namespace)
    token = tmp / "token"
    token.write_text(
        cluster.kubectl("create", "token", "glance-resize", "-n", namespace).stdout.strip()
    )
    assert cluster.ca is not None
    env = {
        **job_env(objects),
        "NAMESPACE": namespace,
        "KUBE_API": f"https://{HOST}:{cluster.port}",
        "KUBE_TOKEN_FILE": str(token),
        "KUBE_CA_FILE": str(cluster.ca.cert_path),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [str(py39.ensure()), str(ROOT / "hooks" / "statefulset_resize.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def last_line(result: subprocess.CompletedProcess) -> str:
    """The hook's last log line, without its time stamp."""
    return result.stderr.strip().splitlines()[-1].split(" ", 1)[1]


def claim_sizes(release: Release) -> dict[str, str]:
    """Requested size of every claim of the namespace."""
    claims = release.cluster.get(f"/api/v1/namespaces/{release.namespace}/persistentvolumeclaims")
    return {
        c["metadata"]["name"]: c["spec"]["resources"]["requests"]["storage"]
        for c in claims["items"]
    }


def pod_uids(release: Release) -> dict[str, str]:
    """UID of every pod of the StatefulSet."""
    pods = release.cluster.get(f"/api/v1/namespaces/{release.namespace}/pods")
    return {
        p["metadata"]["name"]: p["metadata"]["uid"]
        for p in pods["items"]
        if p["metadata"]["name"].startswith(STS)
    }


@dataclasses.dataclass(frozen=True)
class Release:
    """A release of BASE on the cluster, installed by one Helm."""

    cluster: Cluster
    helm: Path
    namespace: str
    tmp: Path

    def statefulset(self) -> Any:
        """The live StatefulSet, or None."""
        return self.cluster.get(f"/apis/apps/v1/namespaces/{self.namespace}/statefulsets/{STS}")


def install(cluster: Cluster, tmp_path: Path) -> Release:
    """A release of BASE, installed with Helm 4."""
    helm = HELMS["helm4"]
    release = Release(cluster, helm, NAMESPACE, tmp_path)
    args = values_args(release.tmp, [], BASE)
    prepare(cluster, release.namespace, render(cluster, helm, release.namespace, args))
    helm_wait(cluster, helm, "install", release.namespace, str(CHART), *args)
    return release


def same_storage_changes_nothing(installed: Release) -> None:
    """The same storage: the hook changes nothing."""
    result = run_hook(installed, BASE)
    assert result.returncode == 0, result.stderr
    assert last_line(result) == "hook=statefulset_resize level=info done: changed nothing"


REFUSED = (
    (
        {"imageCache": {"size": "1G"}},
        "imageCache.size adds the volume glance-cache to pods that are running, which "
        "Kubernetes cannot do. Upgrade with the API's replicas at 0 first (its pods stop), "
        "then upgrade again with the replicas wanted",
    ),
    (
        {"storageClass": STORAGE_CLASSES[1]},
        f"the claims glance-{STS}-N use StorageClass '(the default)'; a volume cannot move "
        f"to '{STORAGE_CLASSES[1]}' in place. Keep the old storageClass, or move the images: "
        "back them up, uninstall, delete the claims, install again",
    ),
)


def a_change_no_volume_can_take_is_refused_before_anything_changes(
    installed: Release, storage: dict[str, str], message: str
) -> None:
    """A new claim template, another class: refused, the claims and StatefulSet untouched."""
    before = claim_sizes(installed)
    result = run_hook(installed, with_storage(**storage))
    assert result.returncode == 1
    assert last_line(result) == f"hook=statefulset_resize level=error {STS}: {message}"
    assert claim_sizes(installed) == before
    assert installed.statefulset() is not None


def a_larger_size_expands_the_claims_and_keeps_the_pods(installed: Release) -> None:
    """A larger size: the claims expand, the upgrade re-creates the StatefulSet, no pod stops."""
    pods = pod_uids(installed)
    assert len(pods) == 2
    values = with_storage(storageRequest="2G")
    result = run_hook(installed, values)
    assert result.returncode == 0, result.stderr
    assert claim_sizes(installed) == {f"glance-{STS}-0": "2G", f"glance-{STS}-1": "2G"}
    assert installed.statefulset() is None
    args = values_args(installed.tmp, [], values)
    helm_wait(installed.cluster, installed.helm, "upgrade", installed.namespace, str(CHART), *args)
    template = installed.statefulset()["spec"]["volumeClaimTemplates"][0]["spec"]
    assert template["resources"]["requests"] == {"storage": "2G"}
    assert pod_uids(installed) == pods
    status = run_helm(
        installed.cluster,
        installed.helm,
        "status",
        "glance",
        "-n",
        installed.namespace,
        "-o",
        "json",
    )
    assert json.loads(status.stdout)["info"]["status"] == "deployed"


def a_smaller_size_keeps_the_claims_and_changes_the_template(installed: Release) -> None:
    """As a rollback of the larger size does: nothing shrinks, later claims are smaller."""
    pods = pod_uids(installed)
    result = run_hook(installed, BASE)
    assert result.returncode == 0, result.stderr
    assert claim_sizes(installed) == {f"glance-{STS}-0": "2G", f"glance-{STS}-1": "2G"}
    args = values_args(installed.tmp, [], BASE)
    helm_wait(installed.cluster, installed.helm, "upgrade", installed.namespace, str(CHART), *args)
    template = installed.statefulset()["spec"]["volumeClaimTemplates"][0]["spec"]
    assert template["resources"]["requests"] == {"storage": "1G"}
    assert pod_uids(installed) == pods


def test_the_hook_takes_each_change_of_storage_as_a_volume_can(
    cluster: Cluster, tmp_path: Path
) -> None:
    """On one release, in order: no change, the changes no volume can take, a larger size, then
    the smaller one again."""
    installed = install(cluster, tmp_path)
    same_storage_changes_nothing(installed)
    for storage, message in REFUSED:
        a_change_no_volume_can_take_is_refused_before_anything_changes(installed, storage, message)
    a_larger_size_expands_the_claims_and_keeps_the_pods(installed)
    a_smaller_size_keeps_the_claims_and_changes_the_template(installed)
