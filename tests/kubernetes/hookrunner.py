"""Runs the chart's hooks that act on Kubernetes itself, for real, on the test cluster.

KWOK executes nothing, so a hook Job would only be marked complete. Two hooks change the
cluster: the StatefulSet resize hook (chart/files/hooks/statefulset_resize.py) and the password
rollout hook (password_rollout.py). Their pods are left running by the KWOK stages (the
components kwok-stages.yaml names, read from it), and this
runner executes the program of each one with the pod's environment (Secret keys read from the
cluster, as the kubelet does), the token of the pod's ServiceAccount (so the chart's Role is
what it may do) and the cluster's CA, then ends the pod with the program's exit code, as a
kubelet would.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT
from tests.kubernetes.cluster import STAGES, Cluster
from tests.services import HOST

HOOKS = ROOT / "chart" / "files" / "hooks"
COMPONENT_LABEL = '.metadata.labels."app.kubernetes.io/component"'


def kept_running() -> tuple[str, ...]:
    """The components whose Job pods the KWOK stages leave running (pod-complete skips them)."""
    for stage in yaml.safe_load_all(STAGES.read_text()):
        if stage and stage["metadata"]["name"] == "pod-complete":
            for rule in stage["spec"]["selector"]["matchExpressions"]:
                if rule["key"] == COMPONENT_LABEL and rule["operator"] == "NotIn":
                    return tuple(rule["values"])
    raise LookupError(f"{STAGES} has no pod-complete stage that leaves hook pods running")


COMPONENTS = kept_running()
# The hook images' Python 3.9 when `make py39` made it, else this one.
PY39 = ROOT / ".venv-py39" / "bin" / "python"


def runs_file(cluster: Cluster) -> Path:
    """Where the runner records its runs, for the test processes (one line each)."""
    return cluster.workdir / "hook-runs.jsonl"


def runs(cluster: Cluster) -> list[tuple[str, int, str]]:
    """Every run so far: (namespace/pod, exit code, output), for the tests to quote."""
    path = runs_file(cluster)
    lines = path.read_text().splitlines() if path.is_file() else []
    return [tuple(json.loads(line)) for line in lines]  # type: ignore[misc]


class HookRunner:
    """Background thread that plays the kubelet for the pods of the hooks in COMPONENTS."""

    def __init__(self, cluster: Cluster) -> None:
        """Nothing runs until start()."""
        self.cluster = cluster
        self._done: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hook-runner", daemon=True)
        self._tmp = Path(tempfile.mkdtemp(prefix="hook-runner-", dir=cluster.workdir))

    def start(self) -> None:
        """Start watching for the hook's pods."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stop.set()
        self._thread.join(30)

    def _loop(self) -> None:
        """Every 0.2 s, run each new running pod of the hooks."""
        components = ",".join(COMPONENTS)
        path = f"/api/v1/pods?labelSelector=app.kubernetes.io/component+in+%28{components}%29"
        while not self._stop.wait(0.2):
            try:
                pods = self.cluster.get(path)["items"]
            except Exception:  # the cluster is stopping
                continue
            for pod in pods:
                uid = pod["metadata"]["uid"]
                if uid in self._done or (pod.get("status") or {}).get("phase") != "Running":
                    continue
                self._done.add(uid)
                self._run(pod)

    def _run(self, pod: dict[str, Any]) -> None:
        """Run the pod's program and set its phase from the exit code."""
        meta, spec = pod["metadata"], pod["spec"]
        namespace = meta["namespace"]
        container = spec["containers"][0]
        # The hook scripts ConfigMap holds the hooks and dburl.py of the pods' programs.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": f"{HOOKS}:{HOOKS.parent / 'pod'}",
        }
        for item in container.get("env") or []:
            source = item.get("valueFrom", {})
            if "value" in item:
                env[item["name"]] = item["value"]
            elif source.get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
                env[item["name"]] = namespace
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                secret = self.cluster.get(f"/api/v1/namespaces/{namespace}/secrets/{ref['name']}")
                value = ((secret or {}).get("data") or {}).get(ref["key"])
                if value is None:  # the kubelet would not start the container
                    self._finish(pod, 1, f"Secret key {ref['name']}/{ref['key']} is missing")
                    return
                env[item["name"]] = base64.b64decode(value).decode()
        token = self.cluster.request(
            "POST",
            f"/api/v1/namespaces/{namespace}/serviceaccounts/{spec['serviceAccountName']}/token",
            {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
        )["status"]["token"]
        token_file = self._tmp / f"{meta['uid']}.token"
        token_file.write_text(token)
        # Where the kubelet tells every pod the API server is; the token and CA, which it
        # mounts at a fixed path, from files of the runner.
        env.update(
            KUBERNETES_SERVICE_HOST=HOST,
            KUBERNETES_SERVICE_PORT=str(self.cluster.port),
            KUBE_TOKEN_FILE=str(token_file),
            KUBE_CA_FILE=str(self.cluster.pki / "ca.crt"),
        )
        script = HOOKS / Path(container["command"][-1]).name
        python = str(PY39) if PY39.is_file() else "python3"
        try:
            result = subprocess.run(
                [python, str(script)], env=env, capture_output=True, text=True, timeout=120
            )
            code, output = result.returncode, (result.stdout + result.stderr).strip()
        except subprocess.TimeoutExpired:
            code, output = 124, "timed out after 120 s"
        self._finish(pod, code, output)

    def _finish(self, pod: dict[str, Any], code: int, output: str) -> None:
        """Record the run and end the pod with its exit code."""
        namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        container = pod["spec"]["containers"][0]
        with runs_file(self.cluster).open("a") as record:
            record.write(json.dumps([f"{namespace}/{name}", code, output]) + "\n")
        state = {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}
        if output:
            state["message"] = output.splitlines()[-1][:1000]
        self.cluster.request(
            "PATCH",
            f"/api/v1/namespaces/{namespace}/pods/{name}/status",
            {
                "status": {
                    "phase": "Succeeded" if code == 0 else "Failed",
                    "containerStatuses": [
                        {
                            "name": container["name"],
                            "image": container["image"],
                            "imageID": "",
                            "ready": False,
                            "restartCount": 0,
                            "state": {"terminated": state},
                        }
                    ],
                }
            },
            content_type="application/merge-patch+json",
        )
