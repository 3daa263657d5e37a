"""A running glance-operator deployment moves to the chart by the steps of docs/migration.md
("From a running operator deployment"), with Helm 4 and Helm 3, on the real API server.

The namespace first holds what the operator made for a single API with 1 replica
(tests/data/operator/single-api.yaml, with the ownerReferences the operator sets), its pod
running and its claim bound. The guide's commands then run as written, but for the namespaces
and the paths of kubectl, helm and chartgen: the pod ends up under the chart's StatefulSet on
the same claim, the Services are the same objects, the release is deployed, and removing the
Glance resources afterwards deletes nothing the release uses.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CHART, HELMS, ROOT, helm_env
from tests.kubernetes.cluster import KUBECTL, Cluster
from tests.kubernetes.release import PASSWORDS, run_helm, volumes_for
from tests.services import wait_for

GUIDE = ROOT / "docs" / "migration.md"
SECTION = "## From a running operator deployment"
FIXTURE = ROOT / "tests" / "data" / "operator" / "single-api.yaml"
GLANCE_CRD = ROOT / "schemas" / "glance.openstack.org_glances.yaml"
STS = "glance-default-single"
CLAIM = f"glance-{STS}-0"
ADOPTED = ("glance-default-single", "glance-default-public", "glance-default-internal")


def documented_commands() -> list[list[str]]:
    """The commands of each console block of the guide's section, in order."""
    text = GUIDE.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    return [[line[2:] for line in block.splitlines() if line.startswith("$ ")] for block in blocks]


def localized(command: str, namespace: str, operators: str) -> str:
    """A command of the guide for the test's namespaces."""
    command = command.replace("-n openstack-operators ", f"-n {operators} ")
    return command.replace("-n openstack ", f"-n {namespace} ")


def run_documented(
    cluster: Cluster, commands: list[str], namespaces: tuple[str, str], helm: Path, tmp: Path
) -> None:
    """Run commands in a shell in tmp, as from a checkout: kubectl and helm (this Helm) on
    PATH, ./chart and .venv those of this one."""
    tools = tmp / "bin"
    tools.mkdir(exist_ok=True)
    links = {tools / "kubectl": KUBECTL, tools / "helm": helm, tmp / "chart": CHART}
    links[tmp / ".venv"] = ROOT / ".venv"
    for link, target in links.items():
        if not link.exists():
            link.symlink_to(target)
    env = {**helm_env(), **cluster.env(), "PATH": f"{tools}:/usr/bin:/bin"}
    other = "# Helm 3" if helm.name == "helm" else "# Helm 4"
    for command in commands:
        if command.endswith(other):
            continue
        line = localized(command, *namespaces)
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", line],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{line}\n{result.stderr}"


def fixture() -> dict[tuple[str, str], dict[str, Any]]:
    """The operator's objects of the fixture by (kind, name)."""
    docs = [d for d in yaml.safe_load_all(FIXTURE.read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    """obj with the controller reference the operator gives it (controllerutil's)."""
    out = copy.deepcopy(obj)
    out["metadata"]["ownerReferences"] = [
        {
            "apiVersion": owner["apiVersion"],
            "kind": owner["kind"],
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return out


def create(cluster: Cluster, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Create obj as the operator does (an update, not an apply, by its manager); the result."""
    out = cluster.kubectl(
        "create", "-n", namespace, "--field-manager=manager", "-o", "json", "-f", "-",
        stdin=json.dumps(obj),
    )  # fmt: skip
    return json.loads(out.stdout)


def get(cluster: Cluster, namespace: str, kind: str, name: str) -> dict[str, Any] | None:
    """One object of the namespace, None when there is none."""
    out = cluster.kubectl(
        "get", kind, name, "-n", namespace, "-o", "json", "--ignore-not-found"
    ).stdout
    return json.loads(out) if out.strip() else None


def running_pod(cluster: Cluster, namespace: str) -> dict[str, Any] | None:
    """Pod 0 of the StatefulSet once Ready and not being deleted, else None."""
    pod = get(cluster, namespace, "pod", f"{STS}-0")
    if not pod or pod["metadata"].get("deletionTimestamp"):
        return None
    ready = any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in pod["status"].get("conditions") or []
    )
    return pod if ready else None


def operator_deployment(cluster: Cluster, namespace: str, operators: str) -> dict[str, str]:
    """Create the operator's objects of the fixture, as the operator owns them: UIDs by name."""
    objects = fixture()
    for crd in (
        yaml.safe_load(GLANCE_CRD.read_text()),
        objects.pop(("CustomResourceDefinition", "glanceapis.glance.openstack.org")),
    ):
        cluster.apply([crd])
        cluster.kubectl(
            "wait", "--for=condition=Established", f"crd/{crd['metadata']['name']}", "--timeout=60s"
        )
    for name in (namespace, operators):
        cluster.create_namespace(name)
    cluster.apply(
        [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "osp-secret"},
                "stringData": PASSWORDS,
            }
        ],
        namespace=namespace,
    )
    statefulset = objects[("StatefulSet", STS)]
    cluster.apply(volumes_for(namespace, [statefulset]))
    create(cluster, operators, objects.pop(("Deployment", "glance-operator-controller-manager")))
    glance = create(cluster, namespace, objects.pop(("Glance", "glance")))
    api = create(cluster, namespace, owned_by(objects.pop(("GlanceAPI", STS)), glance))
    uids = {}
    for (kind, name), obj in objects.items():
        owner = glance if kind == "CronJob" else api
        uids[f"{kind}/{name}"] = create(cluster, namespace, owned_by(obj, owner))["metadata"]["uid"]
    wait_for(
        lambda: running_pod(cluster, namespace) is not None, 120, f"pod {STS}-0 of the operator"
    )
    claim = get(cluster, namespace, "pvc", CLAIM)
    assert claim is not None and claim["status"]["phase"] == "Bound", claim
    assert "ownerReferences" not in claim["metadata"]
    uids[f"PersistentVolumeClaim/{CLAIM}"] = claim["metadata"]["uid"]
    return uids


@pytest.mark.parametrize("helm", sorted(HELMS), ids=sorted(HELMS))
def test_operator_deployment_moves_to_the_chart(
    cluster: Cluster, helm: str, tmp_path: Path
) -> None:
    """The guide's steps keep the claim and the Services, and the pod runs under the chart."""
    namespace, operators = f"adoption-{helm}", f"adoption-{helm}-operators"
    before = operator_deployment(cluster, namespace, operators)
    migrate, cleanup = documented_commands()

    run_documented(cluster, migrate, (namespace, operators), HELMS[helm], tmp_path)

    operator = get(cluster, operators, "deployment", "glance-operator-controller-manager")
    assert operator is not None and operator["spec"]["replicas"] == 0
    status = run_helm(cluster, HELMS[helm], "status", "glance", "-n", namespace, "-o", "json")
    assert json.loads(status.stdout)["info"]["status"] == "deployed"
    statefulset = get(cluster, namespace, "statefulset", STS)
    assert statefulset is not None
    assert statefulset["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert statefulset["metadata"]["uid"] != before[f"StatefulSet/{STS}"]
    pod = running_pod(cluster, namespace)
    assert pod is not None, f"pod {STS}-0 is not running after the install"
    assert [o["uid"] for o in pod["metadata"]["ownerReferences"]] == [
        statefulset["metadata"]["uid"]
    ]
    assert {"name": "glance", "persistentVolumeClaim": {"claimName": CLAIM}} in pod["spec"][
        "volumes"
    ]
    claim = get(cluster, namespace, "pvc", CLAIM)
    assert claim is not None and claim["status"]["phase"] == "Bound"
    assert claim["metadata"]["uid"] == before[f"PersistentVolumeClaim/{CLAIM}"]
    for name in ADOPTED:
        service = get(cluster, namespace, "service", name)
        assert service is not None and service["metadata"]["uid"] == before[f"Service/{name}"]
        assert service["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        assert "ownerReferences" not in service["metadata"]
        selector = service["spec"]["selector"]
        assert selector.items() <= pod["metadata"]["labels"].items(), (name, selector)

    run_documented(cluster, cleanup, (namespace, operators), HELMS[helm], tmp_path)

    assert get(cluster, namespace, "glance", "glance") is None
    assert get(cluster, namespace, "glanceapi", STS) is None
    # Orphaned, not deleted: what the Glance resources owned and the release does not use.
    secret = get(cluster, namespace, "secret", f"{STS}-config-data")
    assert secret is not None and "ownerReferences" not in secret["metadata"]
    for kind, name in [("service", n) for n in ADOPTED] + [("pvc", CLAIM)]:
        live = get(cluster, namespace, kind, name)
        assert live is not None, f"{kind}/{name} was deleted with the Glance resources"
    assert running_pod(cluster, namespace) is not None
