"""`helm upgrade` through a matrix of changes, then `helm rollback`, with Helm 4 (Helm 3's
upgrade of the defaults is in test_install.py).

Each change starts from a release of BASE of its own, in a namespace of its own, so the changes
run side by side. The change is an upgrade with --wait; applied means the objects on the
server are then those of `helm template` with the new values and every pod of the new revision
is Ready. A rollback to the base revision must then restore exactly the base objects. A change
that fails is a known failure when its message is the one in REFUSED (marked xfail, strict);
the summary prints the whole matrix. The StatefulSet resize hook runs for real
(tests/kubernetes/hookrunner.py), so storage changes meet what a cluster does with them.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chart.cases import SHARED_STORE, SHARED_STORE_CONFIG
from tests.conftest import CHART, HELMS
from tests.kubernetes.cluster import STORAGE_CLASSES, Cluster
from tests.kubernetes.hookrunner import runs
from tests.kubernetes.release import (
    MATRIX,
    RELEASE,
    TIMINGS,
    HelmError,
    failed_updates,
    helm_wait,
    mismatches,
    prepare,
    render,
    run_helm,
    short,
    values_args,
    workload_state,
)

# A shared (rbd) backend, so that every API type and replica count is valid.
BASE: dict[str, Any] = {
    **SHARED_STORE,
    "glanceAPIs": {"default": {"type": "split", "replicas": 1}},
}
TLS = {
    "api": {
        "public": {"secretName": "cert-glance-default-public-svc"},
        "internal": {"secretName": "cert-glance-default-internal-svc"},
    },
    "caBundleSecretName": "combined-ca-bundle",
}
# name -> values merged over BASE.
CHANGES: dict[str, dict[str, Any]] = {
    "replicas 1 -> 3": {"glanceAPIs": {"default": {"replicas": 3}}},
    "customServiceConfig": {
        "customServiceConfig": SHARED_STORE_CONFIG + "rbd_store_chunk_size = 4\n"
    },
    "API type split -> single": {"glanceAPIs": {"default": {"type": "single"}}},
    "add an API": {"glanceAPIs": {"second": {"type": "single", "replicas": 1}}},
    "image": {"containerImage": "quay.io/podified-antelope-centos9/openstack-glance-api:v2"},
    "quotas on": {"quotas": {"imageCountTotal": 10, "imageSizeTotal": 1000}},
    "TLS on": {"glanceAPIs": {"default": {"tls": TLS}}},
    "image cache on": {"imageCache": {"size": "5G"}},
    f"storage class -> {STORAGE_CLASSES[1]}": {"storage": {"storageClass": STORAGE_CLASSES[1]}},
    # Last: its rollback keeps the larger claims (a volume cannot shrink), with the base's
    # smaller template.
    "storage size 10G -> 20G": {"storage": {"storageRequest": "20G"}},
}
# The rollback after each change is the change back: these rows record it.
UNDONE = {
    "add an API": "remove an API (rollback)",
    "quotas on": "quotas off (rollback)",
    "TLS on": "TLS off (rollback)",
    "image cache on": "image cache off (rollback)",
}
# Changes that fail today, with the message that says why: a StatefulSet's volumeClaimTemplates
# are immutable, and the resize hook works around it only for a larger size.
REFUSED: dict[str, str] = {
    # The resize hook refuses it before anything changes.
    f"storage class -> {STORAGE_CLASSES[1]}": (
        f"a volume cannot move to '{STORAGE_CLASSES[1]}' in place. Keep the old storageClass, "
        "or move the images: back them up, uninstall, delete the claims, install again"
    ),
    # A new claim template cannot reach running pods (Kubernetes cannot add a volume to a pod,
    # and the StatefulSet controller stalls trying): the resize hook refuses it with the way.
    "image cache on": (
        "imageCache.size adds the volume glance-cache to pods that are running, which "
        "Kubernetes cannot do. Upgrade with the API's replicas at 0 first"
    ),
}


class Refused(Exception):
    """helm upgrade failed with the known message of REFUSED."""


def merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """change deep-merged over a copy of base."""
    out = copy.deepcopy(base)
    for k, v in change.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def revision(cluster: Cluster, helm: Path, namespace: str) -> int:
    """The release's current revision."""
    out = run_helm(cluster, helm, "status", RELEASE, "-n", namespace, "-o", "json").stdout
    return int(json.loads(out)["version"])


def assert_release_is(cluster: Cluster, namespace: str, objects: list[dict[str, Any]]) -> None:
    """The server holds exactly the render's objects, and every replica is Ready and updated."""
    assert mismatches(cluster, namespace, objects) == []
    want = {
        o["metadata"]["name"]: (o["spec"]["replicas"],) * 3
        for o in objects
        if o["kind"] == "StatefulSet"
    }
    deadline = time.monotonic() + 60
    while workload_state(cluster, namespace) != want and time.monotonic() < deadline:
        time.sleep(0.5)
    assert workload_state(cluster, namespace) == want


class Base:
    """A release of BASE, in a namespace of its own, and its render."""

    def __init__(self, cluster: Cluster, helm: Path, namespace: str, tmp: Path) -> None:
        """Install BASE, with the Secrets every change needs."""
        self.cluster, self.helm, self.namespace, self.tmp = cluster, helm, namespace, tmp
        self.args = values_args(tmp, [], BASE)
        self.objects = render(cluster, helm, namespace, self.args)
        every = [o for c in CHANGES.values() for o in self.render(c)]
        prepare(cluster, namespace, self.objects + every)
        helm_wait(cluster, helm, "install", namespace, str(CHART), *self.args)
        self.revision = revision(cluster, helm, namespace)

    def render(self, change: dict[str, Any]) -> list[dict[str, Any]]:
        """The objects of BASE with a change."""
        args = values_args(self.tmp, [], merged(BASE, change))
        return render(self.cluster, self.helm, self.namespace, args)


@pytest.fixture
def base(request: pytest.FixtureRequest, cluster: Cluster, tmp_path: Path) -> Iterator[Base]:
    """A release of BASE under Helm 4, for one change, uninstalled at the end."""
    helm = HELMS["helm4"]
    change = request.node.callspec.params["change"]
    namespace = "upgrade-" + "".join(c if c.isalnum() else "-" for c in change.lower())[:40]
    release = Base(cluster, helm, namespace.rstrip("-"), tmp_path)
    yield release
    run_helm(cluster, helm, "uninstall", RELEASE, "-n", release.namespace, "--wait", check=False)


def cases() -> list[Any]:
    """Every change, the refused ones marked as known failures."""
    out = []
    for name in CHANGES:
        marks = []
        if name in REFUSED:
            marks.append(pytest.mark.xfail(strict=True, raises=Refused, reason=REFUSED[name]))
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("change", cases())
def test_upgrade_then_rollback(base: Base, change: str) -> None:
    """Upgrade with one change, check it is applied, roll back, check the base is restored."""
    cluster, helm, namespace = base.cluster, base.helm, base.namespace
    helm_id = "helm4"
    row = MATRIX.setdefault(change, {})
    undo = UNDONE.get(change)
    if undo:
        MATRIX.setdefault(undo, {})
    args = values_args(base.tmp, [], merged(BASE, CHANGES[change]))
    start = time.monotonic()
    before = len(runs(cluster))
    refused = None
    try:
        helm_wait(
            cluster,
            helm,
            "upgrade",
            namespace,
            str(CHART),
            *args,
        )
    except HelmError as exc:
        message = short(str(exc))
        ran = runs(cluster)[before:]
        hook = [out for pod, code, out in ran if pod.startswith(f"{namespace}/") and code]
        if hook:
            message = f"{message}; resize hook: {hook[-1].splitlines()[-1]}"
        updates = failed_updates(cluster, namespace)
        if updates and not hook:
            message = f"{message}; StatefulSet controller: {updates[-1]}"
        known = REFUSED.get(change)
        if not (known and known in message):
            row[helm_id] = f"FAILED: {message}"
            raise
        row[helm_id] = f"refused: {message}"
        refused = Refused(message)
    else:
        TIMINGS[f"upgrade {helm_id} {change}"] = time.monotonic() - start
        try:
            assert_release_is(cluster, namespace, base.render(CHANGES[change]))
        except AssertionError as exc:
            row[helm_id] = f"FAILED: upgraded, but {str(exc).splitlines()[0]}"
            raise
        row[helm_id] = "applied"
    try:
        rollback(base)
    except AssertionError as exc:  # HelmError included
        failure = f"FAILED: {short(str(exc))}"
        if undo:
            MATRIX[undo][helm_id] = failure
        else:
            row[helm_id] += f"; rollback {failure}"
        raise
    if undo:
        MATRIX[undo][helm_id] = "applied"
    if refused:
        raise refused


def rollback(base: Base) -> None:
    """Roll back to the base revision and check the base objects are back."""
    helm_wait(base.cluster, base.helm, "rollback", base.namespace, str(base.revision))
    assert_release_is(base.cluster, base.namespace, base.objects)
