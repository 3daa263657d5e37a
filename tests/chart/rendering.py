"""Render the chart with a pinned helm and read back the objects.

Renders are cached for the whole test run, keyed by (helm binary, values, values files and their
content, extra arguments): each distinct case runs helm once however many tests read it. Tests
that must render afresh (determinism) call `helm_template(..., fresh=True)`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.manifest import objects as manifest_objects
from tests.conftest import CHART, run_helm

NAMESPACE = "openstack"
_RENDERS: dict[tuple[Any, ...], subprocess.CompletedProcess[str]] = {}
_OBJECTS: dict[tuple[Any, ...], list[dict]] = {}


def _key(
    helm: Path, values: dict[str, Any] | None, files: Sequence[Path], extra: Sequence[str]
) -> tuple[Any, ...]:
    """What a render depends on: the binary, the values, the files' paths and contents."""
    contents = tuple((str(f), hashlib.sha256(Path(f).read_bytes()).hexdigest()) for f in files)
    return (str(helm), json.dumps(values, sort_keys=True), contents, tuple(extra))


def helm_template(
    helm: Path,
    values: dict[str, Any] | None = None,
    files: Sequence[Path] = (),
    extra: Sequence[str] = (),
    fresh: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`helm template glance chart --namespace openstack -f <files> -f <values> <extra>`."""
    key = _key(helm, values, files, extra)
    if not fresh and key in _RENDERS:
        return _RENDERS[key]
    args = ["template", "glance", str(CHART), "--namespace", NAMESPACE]
    for f in files:
        args += ["-f", str(f)]
    with tempfile.TemporaryDirectory() as tmp:
        if values is not None:
            path = Path(tmp) / "values.yaml"
            path.write_text(yaml.safe_dump(values))
            args += ["-f", str(path)]
        result = run_helm(helm, *args, *extra)
    _RENDERS[key] = result
    return result


def render_text(helm: Path, values: dict[str, Any] | None = None, *files: Path) -> str:
    """The manifest helm template prints for a release named glance."""
    result = helm_template(helm, values, files)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(helm: Path, values: dict[str, Any] | None = None, *files: Path) -> list[dict]:
    """Every object of the manifest (parsed once per case; do not modify them)."""
    key = _key(helm, values, files, ())
    if key not in _OBJECTS:
        _OBJECTS[key] = manifest_objects(render_text(helm, values, *files))
    return list(_OBJECTS[key])


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
