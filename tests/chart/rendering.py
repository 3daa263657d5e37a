"""Render the chart with a pinned helm and read back the objects."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import CHART, run_helm

NAMESPACE = "openstack"
# Kinds that are not part of Kubernetes' own API, checked by their own tests.
NOT_CORE = {"HTTPRoute"}


def render_text(helm: Path, values: dict[str, Any] | None = None, *files: Path) -> str:
    """The manifest helm template prints for a release named glance."""
    args = ["template", "glance", str(CHART), "--namespace", NAMESPACE]
    for f in files:
        args += ["-f", str(f)]
    with tempfile.TemporaryDirectory() as tmp:
        if values is not None:
            path = Path(tmp) / "values.yaml"
            path.write_text(yaml.safe_dump(values))
            args += ["-f", str(path)]
        result = run_helm(helm, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(helm: Path, values: dict[str, Any] | None = None, *files: Path) -> list[dict]:
    """Every object of the manifest."""
    return [d for d in yaml.safe_load_all(render_text(helm, values, *files)) if d]


def secret_data(secret: dict) -> dict[str, str]:
    """A Secret's content as text, whether given as data or stringData."""
    out = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    out.update(secret.get("stringData") or {})
    return out


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    """(kind/name, pod spec) of every workload, hooks and CronJobs included."""
    out = []
    for obj in objects:
        spec = obj.get("spec") or {}
        kind = obj["kind"]
        if kind == "Pod":
            pod = spec
        elif kind in ("StatefulSet", "Deployment", "DaemonSet", "Job", "ReplicaSet"):
            pod = spec["template"]["spec"]
        elif kind == "CronJob":
            pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        else:
            continue
        out.append((f"{kind}/{obj['metadata']['name']}", pod))
    return out


def config_secrets(objects: list[dict]) -> dict[str, dict[str, str]]:
    """The Glance configuration Secrets by name: those holding 00-config.conf."""
    out = {}
    for obj in objects:
        if obj["kind"] == "Secret":
            data = secret_data(obj)
            if "00-config.conf" in data:
                out[obj["metadata"]["name"]] = data
    return out
