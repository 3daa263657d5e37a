"""`chartgen adopt` moves what a real glance-operator made to a release, on the real API server.

Each layout the operator was recorded making (tests/data/operator/real: single, split with the
Glance `images`, edge, two APIs) is put back in a namespace with its operator's Deployment and
webhooks (tests/kubernetes/operator_layout.py). Then, as a user would: the plan, which changes
nothing; the move; a second run, which changes nothing either. Two moves are cut off and run
again: one while helm installs, one while the pods change StatefulSets. A watch on the Keystone
resources shows that none was ever being deleted while keystone-operator's finalizer was on it,
the one state in which keystone-operator removes the catalog entries.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CHART, HELMS, ROOT, helm_env
from tests.kubernetes import operator_layout
from tests.kubernetes.cluster import KUBECTL, Cluster
from tests.kubernetes.release import run_helm
from tests.services import wait_for

CHARTGEN = ROOT / ".venv" / "bin" / "chartgen"
KEYSTONE_FINALIZERS = ("openstack.org/keystoneservice", "openstack.org/keystoneendpoint")
# The kinds whose objects a plan or a finished move must leave untouched, listed by the test.
NAMESPACED = (
    "glances.glance.openstack.org,glanceapis.glance.openstack.org,"
    "keystoneservices,keystoneendpoints,keystoneapis,mariadbdatabases,mariadbaccounts,"
    "secrets,serviceaccounts,roles,rolebindings,services,statefulsets,pods,"
    "persistentvolumeclaims,jobs,cronjobs,configmaps"
)
# The one pod of `single` beyond what the chart runs on the file backend: its claim of images.
SINGLE_ONE_REPLICA = {"glanceAPIs": {"default": {"replicas": 1}}}
SINGLE_SECOND_CLAIM = "glance-glance-default-single-1"
CASES = {
    "single": ("glance", "helm4"),
    "split": ("images", "helm4"),
    "edge": ("glance", "helm4"),
    "two": ("glance", "helm3"),
}


def adopt(
    cluster: Cluster, namespace: str, glance: str, operator: str, helm: str, *args: str
) -> subprocess.Popen[str]:
    """Start `chartgen adopt` as a user runs it, in its own process group."""
    command = [
        str(CHARTGEN), "adopt", glance, "-n", namespace, "--operator", operator,
        "--kubectl", str(KUBECTL), "--kubeconfig", str(cluster.kubeconfig),
        "--helm", str(HELMS[helm]), "--chart", str(CHART), "--timeout", "240", *args,
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **helm_env()},
        cwd=ROOT,
        start_new_session=True,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    """The exit code and output of a run."""
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def state(cluster: Cluster, namespace: str) -> dict[str, str]:
    """The resourceVersion of every object of the namespace, the operator's Deployment and the
    webhook configurations, by kind and name."""
    out = cluster.kubectl("get", NAMESPACED, "-n", namespace, "-o", "json").stdout
    items = json.loads(out)["items"]
    out = cluster.kubectl("get", "deployments", "-n", f"{namespace}-operators", "-o", "json").stdout
    items += json.loads(out)["items"]
    out = cluster.kubectl(
        "get", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-o", "json"
    ).stdout
    items += [
        i for i in json.loads(out)["items"] if i["metadata"]["name"].endswith(f"-{namespace}")
    ]
    return {f"{i['kind']}/{i['metadata']['name']}": i["metadata"]["resourceVersion"] for i in items}


def objects(cluster: Cluster, namespace: str, kind: str) -> dict[str, dict[str, Any]]:
    """The objects of a kind in the namespace by name."""
    out = cluster.kubectl("get", kind, "-n", namespace, "-o", "json").stdout
    return {i["metadata"]["name"]: i for i in json.loads(out)["items"]}


class KeystoneWitness:
    """Watches the namespace's KeystoneServices and KeystoneEndpoints for a state in which
    keystone-operator would delete catalog entries: being deleted with its finalizer on."""

    def __init__(self, cluster: Cluster, namespace: str, seconds: int) -> None:
        self.seen: list[str] = []
        self.events = 0
        self.threads = [
            threading.Thread(
                target=self._watch,
                args=(cluster, f"/apis/keystone.openstack.org/v1beta1/namespaces/{namespace}/{k}",
                      seconds),
                daemon=True,
            )
            for k in ("keystoneservices", "keystoneendpoints")
        ]  # fmt: skip
        for thread in self.threads:
            thread.start()

    def _watch(self, cluster: Cluster, path: str, seconds: int) -> None:
        for event in cluster.watch(path, seconds):
            self.events += 1
            meta = event["object"]["metadata"]
            held = set(meta.get("finalizers") or []) & set(KEYSTONE_FINALIZERS)
            if meta.get("deletionTimestamp") and held:
                self.seen.append(f"{event['type']} {meta['name']} deleting with {sorted(held)}")


def labels_select(selector: dict[str, str], pod: dict[str, Any]) -> bool:
    """Whether a Service selector selects a pod."""
    return selector.items() <= (pod["metadata"].get("labels") or {}).items()


def recorded(layout: str) -> list[dict[str, Any]]:
    """The recorded inventory of a layout."""
    path = operator_layout.REAL / layout / "inventory.yaml"
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def check_moved(cluster: Cluster, namespace: str, layout: str, glance: str, helm: str,
                before: dict[str, dict[str, dict[str, Any]]]) -> None:  # fmt: skip
    """What a finished move leaves: the release's pods on the same claims behind the same
    Services, the database user and catalog kept, nothing of the operator running."""
    inventory = recorded(layout)
    status = run_helm(cluster, HELMS[helm], "status", glance, "-n", namespace, "-o", "json")
    assert json.loads(status.stdout)["info"]["status"] == "deployed"
    pods = objects(cluster, namespace, "pods")
    statefulsets = objects(cluster, namespace, "statefulsets")
    claims = objects(cluster, namespace, "pvc")
    for old in (o for o in inventory if o["kind"] == "StatefulSet"):
        name = old["metadata"]["name"]
        ours = statefulsets[name]
        assert ours["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        replicas = ours["spec"]["replicas"]
        for n in range(replicas):
            pod = pods[f"{name}-{n}"]
            assert [r["uid"] for r in pod["metadata"]["ownerReferences"]] == [
                ours["metadata"]["uid"]
            ]
            assert (
                pod["metadata"]["labels"]["controller-revision-hash"]
                == (ours["status"]["updateRevision"])
            ), f"pod {name}-{n} still runs the operator's template"
            mounted = {
                v["persistentVolumeClaim"]["claimName"]
                for v in pod["spec"]["volumes"]
                if "persistentVolumeClaim" in v
            }
            expected = {
                f"{t['metadata']['name']}-{name}-{n}" for t in old["spec"]["volumeClaimTemplates"]
            }
            assert mounted == expected, (pod["metadata"]["name"], mounted)
    for name, claim in before["pvc"].items():
        assert claims[name]["metadata"]["uid"] == claim["metadata"]["uid"], name
        assert claims[name]["status"]["phase"] == "Bound"
    services = objects(cluster, namespace, "services")
    for name, service in before["services"].items():
        if name == "openstack":
            continue
        live = services[name]
        assert live["metadata"]["uid"] == service["metadata"]["uid"], name
        assert live["spec"]["clusterIP"] == service["spec"]["clusterIP"], name
        assert live["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        assert not live["metadata"].get("ownerReferences")
        selected = [p for p in pods.values() if labels_select(live["spec"]["selector"], p)]
        assert selected and all(
            p["metadata"]["ownerReferences"][0]["uid"]
            in {s["metadata"]["uid"] for s in statefulsets.values()}
            for p in selected
        ), name
    for kind in ("glances.glance.openstack.org", "glanceapis.glance.openstack.org",
                 "keystoneservices", "keystoneendpoints"):  # fmt: skip
        assert objects(cluster, namespace, kind) == {}, kind
    left = set(objects(cluster, namespace, "cronjobs")) | set(objects(cluster, namespace, "jobs"))
    operator_jobs = {
        o["metadata"]["name"] for o in inventory if o["kind"] in ("CronJob", "Job")
    } - {f"{glance}-db-purge"}
    assert not left & operator_jobs, left & operator_jobs
    secrets = objects(cluster, namespace, "secrets")
    for obj in inventory:
        kind, name = obj["kind"], obj["metadata"]["name"]
        if kind == "Secret" and name != "glance-db-secret":
            assert name not in secrets, f"the operator's Secret {name} is left"
        if kind in ("ServiceAccount", "Role", "RoleBinding"):
            assert name not in objects(cluster, namespace, kind.lower() + "s"), name
    account = next(o for o in inventory if o["kind"] == "MariaDBAccount")
    for kind in ("mariadbaccounts", "mariadbdatabases"):
        for live in objects(cluster, namespace, kind).values():
            meta = live["metadata"]
            assert "openstack.org/glance" not in (meta.get("finalizers") or []), meta["name"]
            assert not meta.get("ownerReferences"), meta["name"]
    secret = secrets["glance-db-secret"]
    assert not secret["metadata"].get("ownerReferences")
    values = json.loads(
        run_helm(
            cluster, HELMS[helm], "get", "values", glance, "-n", namespace, "-o", "json"
        ).stdout
    )
    assert values["databaseAccount"] == account["spec"]["userName"]
    for pod in (p for p in pods.values() if "glance-config" in str(p["spec"])):
        env = {e["name"]: e for c in pod["spec"]["initContainers"] for e in c.get("env") or []}
        assert env["DB_USER"]["value"] == account["spec"]["userName"]
        assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "glance-db-secret",
            "key": "DatabasePassword",
        }
    keystone_api = objects(cluster, namespace, "keystoneapis")["keystone"]
    assert not [f for f in keystone_api["metadata"].get("finalizers") or [] if "glance" in f], (
        keystone_api["metadata"]["finalizers"]
    )
    operator = objects(cluster, f"{namespace}-operators", "deployments")
    assert operator[operator_layout.OPERATOR_NAME]["spec"]["replicas"] == 0
    hooks = cluster.kubectl(
        "get", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-o", "name"
    ).stdout
    assert f"-{namespace}" not in hooks


def helm_installing(cluster: Cluster, namespace: str, release: str) -> bool:
    """Whether helm has begun writing the release."""
    out = cluster.kubectl(
        "get", "secrets", "-n", namespace, "-l", f"owner=helm,name={release}", "-o", "name"
    ).stdout
    return bool(out.strip())


@pytest.mark.parametrize("layout", sorted(CASES))
def test_adopt_moves_the_operator_deployment(cluster: Cluster, layout: str) -> None:
    """Plan, move (some cut off and run again), run again: every claim and Service kept, the
    release's pods on them, nothing of the operator left running."""
    glance, helm = CASES[layout]
    namespace = f"adopt-{layout}"
    operator = operator_layout.install(cluster, layout, namespace)
    before = {k: objects(cluster, namespace, k) for k in ("pvc", "services")}
    extra: list[str] = []
    if layout == "single":
        code, output = finished(adopt(cluster, namespace, glance, operator, helm))
        assert code == 1, output
        assert "glanceAPIs.default.replicas: 2 replicas on the file backend" in output
        one = Path(cluster.workdir) / f"{namespace}-replicas.yaml"
        one.write_text(yaml.safe_dump(SINGLE_ONE_REPLICA))
        code, output = finished(adopt(cluster, namespace, glance, operator, helm, "-f", str(one)))
        assert code == 1, output
        assert f"--unmount {SINGLE_SECOND_CLAIM}" in output
        extra = ["-f", str(one), "--unmount", SINGLE_SECOND_CLAIM]
    unchanged = state(cluster, namespace)
    code, output = finished(adopt(cluster, namespace, glance, operator, helm, *extra))
    assert code == 0, output
    assert "Nothing was changed" in output
    assert state(cluster, namespace) == unchanged, "the plan changed the cluster"

    witness = KeystoneWitness(cluster, namespace, 300)
    run = adopt(cluster, namespace, glance, operator, helm, *extra, "--apply")
    cut = {
        "two": (lambda: helm_installing(cluster, namespace, glance), "helm to install"),
        "edge": (lambda: "glance-central-external-api" not in objects(
            cluster, namespace, "statefulsets"), "the first StatefulSet to go"),
    }.get(layout)  # fmt: skip
    if cut is not None:  # cut off there, then run again
        wait_for(cut[0], 240, cut[1])
        os.killpg(run.pid, signal.SIGKILL)
        finished(run)
        run = adopt(cluster, namespace, glance, operator, helm, *extra, "--apply")
    code, output = finished(run)
    assert code == 0, output
    if cut is not None:
        assert "Resuming the adoption kept in ConfigMap" in output
    check_moved(cluster, namespace, layout, glance, helm, before)
    time.sleep(1)
    assert witness.events > 0, "the witness saw nothing of the Keystone resources"
    assert witness.seen == [], witness.seen

    settled = state(cluster, namespace)
    code, output = finished(adopt(cluster, namespace, glance, operator, helm, *extra, "--apply"))
    assert code == 0, output
    assert "nothing to adopt" in output
    assert state(cluster, namespace) == settled, "a second run changed the cluster"


GUIDE = ROOT / "docs" / "migration.md"


def guide_commands() -> list[str]:
    """The commands of the guide's steps by hand, in order: each `$ ` line with the lines that
    follow it (a here-document), as a shell reads them."""
    text = GUIDE.read_text().split("### By hand", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append(line[2:])
            else:
                commands[-1] += "\n" + line
    return commands


def test_the_guide_steps_by_hand_move_the_operator_deployment(
    cluster: Cluster, tmp_path: Path
) -> None:
    """The guide's commands, run as written on the recorded `two` layout with Helm 4 (the
    namespaces, and the webhook configurations' names, those of the test), leave what adopt
    leaves."""
    namespace = "guide-two"
    operator = operator_layout.install(cluster, "two", namespace)
    before = {k: objects(cluster, namespace, k) for k in ("pvc", "services")}
    tools = tmp_path / "bin"
    tools.mkdir()
    for link, target in {
        tools / "kubectl": KUBECTL,
        tools / "helm": HELMS["helm4"],
        tmp_path / "chart": CHART,
        tmp_path / ".venv": ROOT / ".venv",
    }.items():
        link.symlink_to(target)
    env = {
        **os.environ, **helm_env(), **cluster.env(), "PATH": f"{tools}:/usr/bin:/bin",
        "NS": namespace, "GLANCE": "glance", "OPERATORS": operator.split("/")[0],
    }  # fmt: skip
    commands = guide_commands()
    assert commands[0].startswith("export NS=")
    for command in commands[1:]:
        if command.endswith("# Helm 3"):
            continue
        command = command.replace(
            "-webhook-configuration\n", f"-webhook-configuration-{namespace}\n"
        )
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", command],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    check_moved(cluster, namespace, "two", "glance", "helm4", before)
