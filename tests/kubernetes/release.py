"""Helm releases of the chart on the test cluster, and what the checks compare them with."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

import yaml

from chartgen.manifests import objects as manifest_objects
from tests.conftest import CHART, ROOT, helm_env
from tests.kubernetes.cluster import STORAGE_CLASSES, Cluster
from tests.services import wait_for

RELEASE = "glance"
TIMEOUT = "180s"
HOOK = "helm.sh/hook"
# Passwords of the Secret named by `secret` (default osp-secret), with characters that would
# break a careless template.
PASSWORDS = {
    "GlancePassword": "glance-pw-%@/:",
    "GlanceDatabasePassword": "db-pw-'\"$",
    "AdminPassword": "admin-pw-&?",
    "DbRootPassword": "root-pw-#!",
    "MemcacheSecretKey": "memcache-key-=+",
}
# The ResourceQuota of every release's namespace, as a platform team sets one: with amounts of
# cpu and memory in it, the API server refuses any pod whose containers do not all request and
# limit both (no LimitRange fills them in). The amounts leave room for the largest example.
QUOTA = {
    "apiVersion": "v1",
    "kind": "ResourceQuota",
    "metadata": {"name": "compute"},
    "spec": {
        "hard": {
            "requests.cpu": "64",
            "requests.memory": "256Gi",
            "limits.cpu": "128",
            "limits.memory": "512Gi",
        }
    },
}
# change -> Helm -> "applied" / "refused: <message>" / "FAILED: <message>", for the summary.
MATRIX: dict[str, dict[str, str]] = {}
TIMINGS: dict[str, float] = {}


class HelmError(AssertionError):
    """A helm command failed; the message is helm's own error."""


def helm_name(helm: Path) -> str:
    """helm4 or helm3, as the tests' ids say."""
    return "helm3" if helm.name == "helm3" else "helm4"


def run_helm(
    cluster: Cluster, helm: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a helm command against the cluster; raise HelmError with its stderr on failure."""
    result = subprocess.run(
        [str(helm), *args],
        capture_output=True,
        text=True,
        env={**helm_env(), **cluster.env()},
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        raise HelmError(result.stderr.strip() or result.stdout.strip())
    return result


def helm_wait(
    cluster: Cluster, helm: Path, verb: str, namespace: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """`helm <verb> glance ARGS -n NAMESPACE --wait --timeout TIMEOUT`."""
    # Keep every revision, so that the base one can always be rolled back to.
    history = ["--history-max=0"] if verb in ("upgrade", "rollback") else []
    return run_helm(
        cluster,
        helm,
        verb,
        RELEASE,
        *args,
        "-n",
        namespace,
        "--wait",
        "--timeout",
        TIMEOUT,
        *history,
    )


def short(error: str) -> str:
    """helm's error in one line: its last line, without the objects an API server error quotes
    back, and only the first of several objects' errors."""
    line = error.strip().splitlines()[-1].removeprefix("Error: ")
    line = re.sub(
        r"Invalid value: .*?: field is immutable", "Invalid value: [...]: field is immutable", line
    )
    first, *more = line.split(" && ")
    return first + (f" (and {len(more)} more)" if more else "")


def values_args(tmp: Path, files: list[Path], values: dict[str, Any] | None) -> list[str]:
    """-f arguments for the example files and a values dict (written under tmp)."""
    args = [a for f in files for a in ("-f", str(f))]
    if values:
        tmp.mkdir(parents=True, exist_ok=True)
        path = tmp / f"values-{len(list(tmp.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump(values))
        args += ["-f", str(path)]
    return args


def render(cluster: Cluster, helm: Path, namespace: str, args: list[str]) -> list[dict[str, Any]]:
    """The objects `helm template` renders for the release (hooks and the test pod included)."""
    out = run_helm(cluster, helm, "template", RELEASE, str(CHART), "-n", namespace, *args)
    return manifest_objects(out.stdout)


def is_hook(obj: dict[str, Any]) -> bool:
    """Tell whether helm runs the object as a hook rather than keeping it in the release."""
    return HOOK in (obj["metadata"].get("annotations") or {})


def key(obj: dict[str, Any]) -> tuple[str, str]:
    """(kind, name) of an object."""
    return obj["kind"], obj["metadata"]["name"]


# -- what a namespace needs before the chart goes in ------------------------------------------


def pod_specs(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pod specs of the workloads, Jobs, CronJobs and bare pods among objects."""
    specs = []
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj["kind"] == "Pod":
            specs.append(spec)
        elif obj["kind"] == "CronJob":
            specs.append(spec["jobTemplate"]["spec"]["template"]["spec"])
        elif "template" in spec:
            specs.append(spec["template"]["spec"])
    return specs


def referenced_secrets(objects: list[dict[str, Any]]) -> dict[str, str]:
    """Secrets the objects use but do not create: name -> type ("tls" or "opaque")."""
    created = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
    found: dict[str, str] = {}
    for spec in pod_specs(objects):
        for volume in spec.get("volumes") or []:
            if "secret" in volume:
                name = volume["secret"]["secretName"]
                found[name] = "tls" if volume["name"].startswith("tls") else "opaque"
            for source in (volume.get("projected") or {}).get("sources") or []:
                if "secret" in source:
                    found.setdefault(source["secret"]["name"], "opaque")
        for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    found.setdefault(ref["name"], "opaque")
    for obj in objects:
        if obj["kind"] == "Ingress":
            for tls in obj["spec"].get("tls") or []:
                found[tls["secretName"]] = "tls"
    return {name: kind for name, kind in found.items() if name not in created}


def secrets_for(cluster: Cluster, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Secrets a user creates first: the passwords, and the TLS and other Secrets named."""
    cert, key_pem = cluster.serving_pair()
    out = []
    for name, kind in sorted(referenced_secrets(objects).items()):
        if name == "osp-secret":
            data = PASSWORDS
            type_ = "Opaque"
        elif kind == "tls":
            data = {"tls.crt": cert, "tls.key": key_pem, "ca.crt": cluster.ca_pem()}
            type_ = "kubernetes.io/tls"
        else:
            data = {"tls-ca-bundle.pem": cluster.ca_pem(), "ceph.conf": "[global]\n"}
            type_ = "Opaque"
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name},
                "type": type_,
                "stringData": data,
            }
        )
    return out


def claims(objects: list[dict[str, Any]]) -> list[tuple[str, str, str, list[str]]]:
    """(claim name, size, storage class, access modes) of every StatefulSet replica's volumes."""
    out = []
    for obj in objects:
        if obj["kind"] != "StatefulSet":
            continue
        for template in obj["spec"].get("volumeClaimTemplates") or []:
            spec = template["spec"]
            for i in range(obj["spec"].get("replicas", 1)):
                out.append(
                    (
                        f"{template['metadata']['name']}-{obj['metadata']['name']}-{i}",
                        spec["resources"]["requests"]["storage"],
                        spec.get("storageClassName") or STORAGE_CLASSES[0],
                        spec["accessModes"],
                    )
                )
    return out


def volumes_for(namespace: str, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A static PersistentVolume bound in advance to each claim the StatefulSets will make
    (the first StatefulSet of objects that names a claim decides its volume)."""
    volumes = {
        claim: {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": f"{namespace}-{claim}"},
            "spec": {
                "capacity": {"storage": size},
                "accessModes": modes,
                "storageClassName": storage_class,
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"namespace": namespace, "name": claim},
                "hostPath": {"path": f"/var/lib/fake-volumes/{namespace}/{claim}"},
            },
        }
        for claim, size, storage_class, modes in reversed(claims(objects))
    }
    return list(volumes.values())


def quota_namespace(cluster: Cluster, namespace: str) -> None:
    """A namespace enforcing "restricted", with QUOTA in force (the quota admission refuses every
    pod until the quota controller has written the quota's status)."""
    cluster.create_namespace(namespace)
    cluster.apply([QUOTA], namespace=namespace)
    path = f"/api/v1/namespaces/{namespace}/resourcequotas/{QUOTA['metadata']['name']}"
    wait_for(
        lambda: bool((cluster.get(path).get("status") or {}).get("hard")),
        30,
        f"the ResourceQuota of {namespace}",
        interval=0.2,
    )


def prepare(cluster: Cluster, namespace: str, objects: list[dict[str, Any]]) -> None:
    """The Secrets and volumes of a release, in a namespace enforcing "restricted" under QUOTA."""
    if cluster.get(f"/api/v1/namespaces/{namespace}") is None:
        quota_namespace(cluster, namespace)
    secrets = secrets_for(cluster, objects)
    if secrets:
        cluster.apply(secrets, namespace=namespace)
    volumes = volumes_for(namespace, objects)
    if volumes:
        cluster.apply(volumes)


# -- comparing the cluster with a render -------------------------------------------------------


def live_objects(cluster: Cluster, namespace: str, objects: list[dict[str, Any]]) -> list[Any]:
    """The live object of each of objects (None where it does not exist), in order."""
    if not objects:
        return []
    result = cluster.kubectl(
        "get",
        "-n",
        namespace,
        "-f",
        "-",
        "-o",
        "json",
        "--ignore-not-found",
        stdin=yaml.safe_dump_all(objects),
    )
    found = json.loads(result.stdout or '{"items": []}')
    items = found["items"] if found.get("kind") == "List" else [found]
    by_key = {key(o): o for o in items}
    return [by_key.get(key(o)) for o in objects]


def differences(want: Any, live: Any, path: str = "") -> list[str]:
    """Where live does not hold what want says: want must be a subset of live."""
    if isinstance(want, dict) and isinstance(live, dict):
        out = []
        for k, v in want.items():
            if k not in live:
                # The API server leaves out empty and false fields; anything else is lost.
                if v:
                    out.append(f"{path}.{k}: missing")
                continue
            out += differences(v, live[k], f"{path}.{k}")
        return out
    if isinstance(want, list) and isinstance(live, list):
        if len(want) != len(live):
            return [f"{path}: {len(want)} items rendered, {len(live)} live"]
        return [
            d
            for i, (w, x) in enumerate(zip(want, live, strict=True))
            for d in differences(w, x, f"{path}[{i}]")
        ]
    if want != live and str(want) != str(live):
        return [f"{path}: rendered {want!r}, live {live!r}"]
    return []


def decoded(secret: dict[str, Any]) -> dict[str, Any]:
    """A rendered Secret with stringData folded into data as the API server stores it."""
    out = dict(secret)
    data = dict(out.pop("data", None) or {})
    for name, value in (out.pop("stringData", None) or {}).items():
        data[name] = base64.b64encode(value.encode()).decode()
    out["data"] = data
    return out


def mismatches(cluster: Cluster, namespace: str, rendered: list[dict[str, Any]]) -> list[str]:
    """Every way the release's live objects differ from the render (hooks aside), and which
    objects of the release exist that the render does not have."""
    objects = [o for o in rendered if not is_hook(o)]
    problems = []
    for want, live in zip(objects, live_objects(cluster, namespace, objects), strict=True):
        kind, name = key(want)
        if live is None:
            problems.append(f"{kind}/{name}: not on the server")
            continue
        body = decoded(want) if kind == "Secret" else want
        body = {k: v for k, v in body.items() if k not in ("apiVersion", "status")}
        problems += [f"{kind}/{name}{d}" for d in differences(body, live)]
    expected = {key(o) for o in objects}
    for kind, name in release_objects(cluster, namespace):
        if (kind, name) not in expected:
            problems.append(f"{kind}/{name}: on the server, not in the render")
    return problems


KINDS = "statefulsets,services,secrets,configmaps,cronjobs,jobs,serviceaccounts,ingresses,"
KINDS += "networkpolicies,poddisruptionbudgets,persistentvolumeclaims,pods"


def release_objects(cluster: Cluster, namespace: str) -> list[tuple[str, str]]:
    """(kind, name) of the objects helm manages in the namespace (its managed-by label), pods
    and claims aside."""
    out = cluster.kubectl(
        "get", KINDS, "-n", namespace, "-l", "app.kubernetes.io/managed-by=Helm", "-o", "json"
    )
    items = json.loads(out.stdout)["items"]
    return sorted(
        (o["kind"], o["metadata"]["name"])
        for o in items
        if o["kind"] not in ("Pod", "PersistentVolumeClaim")
        and not is_hook(o)
        and "ownerReferences" not in o["metadata"]
    )


def leftovers(cluster: Cluster, namespace: str) -> list[str]:
    """kind/name of everything in the namespace, but what Kubernetes itself puts there."""
    out = cluster.kubectl("get", KINDS, "-n", namespace, "-o", "json")
    items = json.loads(out.stdout)["items"]
    builtin = {("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")}
    return sorted(
        f"{o['kind']}/{o['metadata']['name']}"
        for o in items
        if (o["kind"], o["metadata"]["name"]) not in builtin
    )


def workload_state(cluster: Cluster, namespace: str) -> dict[str, tuple[int, int, int]]:
    """StatefulSet name -> (replicas, ready, updated) of the namespace."""
    out = json.loads(cluster.kubectl("get", "statefulsets", "-n", namespace, "-o", "json").stdout)
    return {
        s["metadata"]["name"]: (
            s["spec"]["replicas"],
            s["status"].get("readyReplicas", 0),
            s["status"].get("updatedReplicas", 0),
        )
        for s in out["items"]
    }


def api_pods(cluster: Cluster, namespace: str) -> dict[str, tuple[str, bool]]:
    """Every API pod of the namespace not being deleted: name -> (UID, ready)."""
    pods = cluster.get(
        f"/api/v1/namespaces/{namespace}/pods?labelSelector=app.kubernetes.io/component%3Dapi"
    )
    return {
        p["metadata"]["name"]: (
            p["metadata"]["uid"],
            any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in p["status"].get("conditions") or []
            ),
        )
        for p in pods["items"]
        if not p["metadata"].get("deletionTimestamp")
    }


def rotate(cluster: Cluster, namespace: str, key: str, password: str) -> None:
    """Change one key of the user's Secret, as `kubectl edit secret` would."""
    cluster.request(
        "PATCH",
        f"/api/v1/namespaces/{namespace}/secrets/osp-secret",
        {"stringData": {key: password}},
        content_type="application/merge-patch+json",
    )


def claim_phases(cluster: Cluster, namespace: str) -> dict[str, str]:
    """Volume claim name -> phase (Bound, Pending) of the namespace."""
    out = json.loads(cluster.kubectl("get", "pvc", "-n", namespace, "-o", "json").stdout)
    return {c["metadata"]["name"]: c["status"].get("phase", "") for c in out["items"]}


def failed_updates(cluster: Cluster, namespace: str) -> list[str]:
    """First lines of the FailedUpdate events of the namespace (a controller could not update
    a pod)."""
    out = json.loads(cluster.kubectl("get", "events", "-n", namespace, "-o", "json").stdout)
    return [e["message"].splitlines()[0] for e in out["items"] if e.get("reason") == "FailedUpdate"]


def pod_refusals(cluster: Cluster, namespace: str) -> list[str]:
    """Events that say a pod was refused (FailedCreate: Pod Security, the quota), with their
    message."""
    out = json.loads(cluster.kubectl("get", "events", "-n", namespace, "-o", "json").stdout)
    return [
        f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}: {e['message']}"
        for e in out["items"]
        if e.get("reason") == "FailedCreate"
    ]


def write_matrix() -> tuple[Path, str]:
    """The matrix as a Markdown table, written to build/kubernetes-matrix.md."""
    helms = sorted({h for row in MATRIX.values() for h in row}, reverse=True)
    lines = ["| change | " + " | ".join(helms) + " |", "|---" * (len(helms) + 1) + "|"]
    for change, row in MATRIX.items():
        cells = [row.get(h, "-").replace("|", "\\|").replace("\n", " ") for h in helms]
        lines.append(f"| {change} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    path = ROOT / "build" / "kubernetes-matrix.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("# helm upgrade on a real control plane: change x Helm\n\n" + table + "\n")
    return path, table


class LoadBalancers:
    """Plays MetalLB: gives each LoadBalancer Service the address its annotations ask for, so
    that `helm --wait` (Helm 3 waits for an ingress address) sees it become ready."""

    ANNOTATION = "metallb.universe.tf/loadBalancerIPs"

    def __init__(self, cluster: Cluster) -> None:
        """Nothing runs until start()."""
        self.cluster = cluster
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-balancers", daemon=True)

    def start(self) -> None:
        """Start watching Services in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        """Every half second, give an address to each LoadBalancer Service without one."""
        while not self._stop.wait(0.5):
            try:
                services = self.cluster.get("/api/v1/services")["items"]
                for svc in services:
                    if svc["spec"].get("type") != "LoadBalancer":
                        continue
                    if (svc.get("status") or {}).get("loadBalancer", {}).get("ingress"):
                        continue
                    meta = svc["metadata"]
                    wanted = (meta.get("annotations") or {}).get(self.ANNOTATION, "")
                    ip = wanted.split(",")[0].strip() or svc["spec"].get(
                        "loadBalancerIP", "192.0.2.10"
                    )
                    self.cluster.request(
                        "PATCH",
                        f"/api/v1/namespaces/{meta['namespace']}/services/{meta['name']}/status",
                        {"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}},
                        content_type="application/merge-patch+json",
                    )
            except Exception:  # keep playing while the cluster stops or restarts
                continue
