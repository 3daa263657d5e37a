"""A deployment the glance-operator really made (tests/data/operator/real/<layout>/), put back on
the test cluster in a namespace of the test's: the dependencies, then every object of the
inventory with its labels, annotations, finalizers, ownership (to the new owners' UIDs) and the
status the operators wrote; the operator's Deployment in a namespace beside it; its webhooks,
refusing as when the operator is stopped. The StatefulSets then make their pods (KWOK runs
them) on the recorded claims, bound to the recorded volumes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT
from tests.kubernetes.cluster import Cluster
from tests.services import wait_for

OPERATOR = ROOT / "tests" / "data" / "operator"
REAL = OPERATOR / "real"
CRDS = OPERATOR / "crds.yaml"
LAYOUTS = {"single": "glance-single", "split": "glance-split", "edge": "glance-edge",
           "two": "glance-two"}  # fmt: skip
# What the API server sets on an object and refuses or ignores on create.
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")
PRIVILEGED = {"pod-security.kubernetes.io/enforce": "privileged"}
OPERATOR_NAME = "glance-operator-controller-manager"


def documents(path: Path, recorded: str, namespace: str) -> list[dict[str, Any]]:
    """The objects of a recorded file, moved from the recorded namespace to `namespace`."""
    text = json.dumps([d for d in yaml.safe_load_all(path.read_text()) if d])
    text = text.replace(f'"{recorded}"', f'"{namespace}"')
    text = text.replace(f".{recorded}.svc", f".{namespace}.svc")
    text = text.replace(f"pv-{recorded}-", f"pv-{namespace}-")
    return json.loads(text)


def creatable(obj: dict[str, Any], uids: dict[str, str]) -> dict[str, Any]:
    """obj as a create request: without what the server sets, owned by the new UIDs."""
    out = copy.deepcopy(obj)
    meta = out["metadata"]
    for field in SERVER_FIELDS:
        meta.pop(field, None)
    for ref in meta.get("ownerReferences") or []:
        ref["uid"] = uids[ref["uid"]]
    out.pop("status", None)
    kind, spec = out["kind"], out.get("spec") or {}
    if kind == "Service" and spec.get("clusterIP") != "None":  # headless stays headless
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    if kind in ("PersistentVolume", "PersistentVolumeClaim"):
        # Bound anew: the volume names its claim, which then binds to it alone.
        for field in ("uid", "resourceVersion"):
            spec.get("claimRef", {}).pop(field, None)
        spec.pop("volumeName", None)
        annotations = meta.get("annotations") or {}
        for key in [k for k in annotations if k.startswith("pv.kubernetes.io/")]:
            del annotations[key]
    if kind == "Job":  # a Job's selector and pod labels name its own UID
        spec.pop("selector", None)
        labels = spec["template"]["metadata"]["labels"]
        for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):
            labels.pop(key, None)
    return out


def concatenated(text: str) -> list[dict[str, Any]]:
    """The JSON documents kubectl prints one after the other."""
    decoder, out, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        obj, at = decoder.raw_decode(text, at)
        out.append(obj)
    return out


def create(cluster: Cluster, objects: list[dict[str, Any]], uids: dict[str, str]) -> None:
    """Create objects as the operators do (updates by their manager), then write their status;
    record each recorded UID's new one in `uids`."""
    if not objects:
        return
    listed = {"apiVersion": "v1", "kind": "List", "items": [creatable(o, uids) for o in objects]}
    out = cluster.kubectl(
        "create", "--field-manager=manager", "-o", "json", "-f", "-", stdin=json.dumps(listed)
    )
    made = concatenated(out.stdout)
    for old, new in zip(objects, made, strict=True):
        uids[old["metadata"].get("uid", "")] = new["metadata"]["uid"]
        if old.get("status") and "." in old["apiVersion"].split("/")[0]:
            cluster.kubectl(
                "patch", old["kind"].lower(), old["metadata"]["name"],
                "-n", new["metadata"]["namespace"], "--subresource=status", "--type=merge",
                "-p", json.dumps({"status": old["status"]}),
            )  # fmt: skip


def install(cluster: Cluster, layout: str, namespace: str) -> str:
    """Put the recorded layout in `namespace`, its operator in `<namespace>-operators`; the
    name of the operator's Deployment as adopt takes it."""
    recorded = LAYOUTS[layout]
    cluster.apply([d for d in yaml.safe_load_all(CRDS.read_text()) if d])
    for crd in yaml.safe_load_all(CRDS.read_text()):
        if crd:
            name = f"crd/{crd['metadata']['name']}"
            cluster.kubectl("wait", "--for=condition=Established", name, "--timeout=60s")
    operators = f"{namespace}-operators"
    for name in (namespace, operators):
        cluster.apply([{"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": name, "labels": PRIVILEGED}}])  # fmt: skip
    uids: dict[str, str] = {}
    dependencies = documents(REAL / layout / "dependencies.yaml", recorded, namespace)
    create(cluster, dependencies, uids)
    inventory = documents(REAL / layout / "inventory.yaml", recorded, namespace)
    # Owners first: the Glance, then its GlanceAPIs, then the rest, claims before their
    # StatefulSets so that these find them.
    order = ["Glance", "GlanceAPI"]
    rest = [o for o in inventory if o["kind"] not in order]
    rest.sort(key=lambda o: o["kind"] == "StatefulSet")
    for batch in ([o for o in inventory if o["kind"] == k] for k in order):
        create(cluster, batch, uids)
    create(cluster, rest, uids)
    statefulsets = [o for o in inventory if o["kind"] == "StatefulSet"]
    operator = [d for d in yaml.safe_load_all((OPERATOR / "operator.yaml").read_text()) if d]
    cluster.apply([operator[0]], namespace=operators)
    hooks = []
    for config in operator[1:]:
        config["metadata"]["name"] += f"-{namespace}"
        for hook in config["webhooks"]:
            hook["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
        hooks.append(config)
    cluster.apply(hooks)
    for statefulset in statefulsets:
        name, replicas = statefulset["metadata"]["name"], statefulset["spec"]["replicas"]
        wait_for(
            lambda name=name, replicas=replicas: ready(cluster, namespace, name) == replicas,
            120,
            f"the operator's StatefulSet {name}",
        )
    return f"{operators}/{OPERATOR_NAME}"


def ready(cluster: Cluster, namespace: str, statefulset: str) -> int:
    """The ready replicas of a StatefulSet."""
    live = cluster.get(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/{statefulset}")
    return int(((live or {}).get("status") or {}).get("readyReplicas") or 0)
